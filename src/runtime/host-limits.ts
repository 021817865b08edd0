/**
 * Bounds an environment keeps on what handler code can make the host hold, and what each thing is
 * taken to cost in `maxSandboxMemoryMB`'s accounting (see pool.ts). One place, so the README's
 * limits table has one source.
 */

/**
 * Timers an environment may have pending: they live on the host (about 400 bytes each, and every
 * freeze and thaw visits them), where 500,000 frozen ones held 200 MB.
 */
export const MAX_TIMERS = 100_000;
/** Host memory a pending timer is taken to cost. */
export const HOST_BYTES_PER_TIMER = 512;

/**
 * Host calls (host modules, the AWS SDK) an environment may have waiting for an answer, and the
 * characters of their encoded arguments together: the host holds every argument until its call
 * settles (20 un-awaited 32 MB invokes held 700 MB).
 */
export const MAX_PENDING_HOST_CALLS = 1024;
export const MAX_PENDING_HOST_CALL_CHARS = 128 * 1048576;
/** Host memory a pending call's argument character is taken to cost (decoded, it is held twice at least). */
export const HOST_BYTES_PER_PENDING_CHAR = 2;

/**
 * Real milliseconds the host waits for one network request (`network: 'host'` or a function):
 * virtual time stands still while host work runs, so a server that never answers would hold the
 * whole simulation. Past it the request fails with ETIMEDOUT.
 */
export const NETWORK_REAL_TIMEOUT_MS = 30_000;

/** Body bytes of network answers a simulator holds at once (read, not yet handed to a sandbox): past it a new request fails. */
export const MAX_NETWORK_HELD_BYTES = 256 * 1048576;

/**
 * Real ms a socket's peer must stay quiet after answering before simulated time may move on (the
 * rest of a reply sent in several TCP segments arrives at the same simulated instant). Above
 * Linux's 40 ms delayed ACK: a peer with Nagle's algorithm on holds a reply's second small
 * segment until the first is acknowledged (seen on loopback: 20 ms let the clock move between them).
 */
export const SOCKET_QUIET_MS = 50;

/** Sockets one sandbox may have open at once (Lambda's limit is 1,024 file descriptors). */
export const MAX_SOCKETS_PER_SANDBOX = 256;

/** Bytes a socket reads ahead of the sandbox before the host stops reading it (TCP then pushes back). */
export const MAX_SOCKET_BUFFERED_BYTES = 4 * 1048576;

/** Bytes a socket may have queued to send: past it a write fails (ENOBUFS) instead of growing the host's memory. */
export const MAX_SOCKET_WRITE_QUEUE_BYTES = 16 * 1048576;

/**
 * Host objects one sandbox may reference at once (host modules' functions, instances, promises;
 * see host-objects.ts): each pins its object in the host's memory until the sandbox drops its
 * proxy (or is disposed of). Past it, a call that would hand out one more fails.
 */
export const MAX_HOST_OBJECTS = 100_000;

/** Sandbox functions the host may hold at once (listeners, callbacks passed to host modules). */
export const MAX_SANDBOX_CALLBACKS = 100_000;

/**
 * Real ms simulated time waits after a host-module call that was handed sandbox functions (a
 * callback-style API: `client.query(sql, cb)`), and again after each call back, before it moves
 * on: the host may call back at any time, and virtual time cannot know when.
 */
export const HOST_CALLBACK_QUIET_MS = 50;

/** Levels of plain data copied out of a host object at once; deeper values cross as references. */
export const MAX_HOST_COPY_DEPTH = 32;
