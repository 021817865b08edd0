/**
 * The supervised sandbox process (see supervised.ts): holds isolates for its parent, answers its
 * requests, and forwards host callbacks back to it. Started as
 * `node --no-node-snapshot --input-type=module - <from-parent fifo> <to-parent fifo> <isolated-vm path> <rss limit MB>`
 * with this file's bundle on its stdin, from the parent's memory: no file holds the code, so nobody
 * can swap it (issue 16). Its stdin is read to end of file before this runs, and not used after.
 *
 * It is disposable by design: whatever goes wrong here (V8 aborting on a huge allocation, memory
 * isolated-vm does not count) ends this process; the parent reports Runtime.ExitError for the
 * environments it held and starts another.
 */
import { openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Ivm } from '../isolated-vm.js';
import { buildSandbox, HOST_CALLBACKS, IsolateSandbox, type HostCallbacks, type SandboxEntry } from '../sandbox-build.js';
import { hostCallTooLarge, MAX_HOST_CALL_CHARS } from '../host-calls.js';
import { Failure, RpcPeer, SyncChannel, WATCHDOG_MARK, type Request } from './channel.js';

/** Real ms an operation may overrun its own timeout before the process is declared stuck. */
const GRACE_MS = 2000;
/** Operations without a timeout of their own (create, load, heap…). */
const UNTIMED_OP_MS = 30_000;

function main(): void {
  const [fromParent, toParent, ivmPath, limitArg] = process.argv.slice(2);
  // A stdin script's import.meta.url is `file:///[eval1]` (named after the working directory, `/`):
  // enough for createRequire, as the path it loads is absolute.
  const ivm = createRequire(import.meta.url)(ivmPath!) as Ivm;
  const limitBytes = Number(limitArg) * 1048576;

  // The main thread blocks in the parent's calls; a watchdog thread kills the process when its
  // resident memory passes the limit (WebAssembly memory and some large allocations are not counted
  // by isolate limits) or when an operation overruns its deadline (V8 can wedge an isolate that ran
  // out of heap in native code, where isolated-vm's timeout does not reach).
  const deadline = new Float64Array(new SharedArrayBuffer(8)); // 0: waiting for the parent
  const watchdog = new Worker(
    `const { workerData } = require('node:worker_threads');
     const { writeSync } = require('node:fs');
     const deadline = new Float64Array(workerData.deadline);
     const die = (why) => {
       try { writeSync(2, workerData.mark + ': ' + why + '\\n'); } catch {}
       process.kill(process.pid, 'SIGKILL');
     };
     setInterval(() => {
       const rss = process.memoryUsage.rss();
       if (rss > workerData.limit) die('resident memory ' + Math.round(rss / 1048576) + ' MB passed its limit of ' + Math.round(workerData.limit / 1048576) + ' MB');
       const d = deadline[0];
       if (d !== 0 && Number(process.hrtime.bigint() / 1000000n) > d) die('a sandbox operation overran its deadline by more than ${GRACE_MS} ms (the isolate is wedged)');
     }, 5);`,
    { eval: true, execArgv: [], workerData: { limit: limitBytes, mark: WATCHDOG_MARK, deadline: deadline.buffer } },
  );
  watchdog.unref();
  /** A monotonic clock in ms (the same in both threads; wall-clock jumps do not move it). */
  const now = (): number => Number(process.hrtime.bigint() / 1000000n);
  /** Runs an operation under a deadline (nested operations stack theirs). */
  const timed = <T>(ms: number, run: () => T): T => {
    const previous = deadline[0]!;
    deadline[0] = now() + ms + GRACE_MS;
    try {
      return run();
    } finally {
      deadline[0] = previous;
    }
  };
  /** Waiting for the parent does not count against the operation that waits. */
  const untimed = <T>(run: () => T): T => {
    const previous = deadline[0]!;
    const began = now();
    deadline[0] = 0;
    try {
      return run();
    } finally {
      deadline[0] = previous === 0 ? 0 : previous + (now() - began);
    }
  };

  const fdIn = openSync(fromParent!, 'r');
  const fdOut = openSync(toParent!, 'w');
  const channel = new SyncChannel(fdIn, fdOut);
  const held = new Map<number, IsolateSandbox>();
  let shim: { code: string; filename: string } | undefined;
  /** Recently loaded bundles by code, so V8's code cache (keyed by object) is reused. */
  const bundles = new Map<string, { code: string }>();
  const chunks = new Map<string, { name: string; code: string; filename: string }>();

  const get = (h: unknown): IsolateSandbox => {
    const s = held.get(Number(h));
    if (s === undefined) throw new Error(`lambda-sim-supervisor: no sandbox ${String(h)}`);
    return s;
  };
  /** Runs an operation on a held isolate; every answer says whether the isolate is still alive. */
  const on = (h: unknown, run: (s: IsolateSandbox) => unknown, ms = UNTIMED_OP_MS): { value: unknown; d: boolean } => {
    const s = get(h);
    try {
      return { value: timed(ms, () => run(s)), d: s.disposed };
    } catch (e) {
      throw new Failure(e, s.disposed);
    }
  };

  /**
   * What would cross to the parent only to be refused or cut there is refused or cut here, before
   * the copy: a 600 MB host call or console record held the parent's memory for nothing.
   */
  const bound = (name: string, args: unknown[]): void => {
    if (name === 'call' && typeof args[2] === 'string' && args[2].length > MAX_HOST_CALL_CHARS) throw hostCallTooLarge(String(args[0]), String(args[1]), args[2].length);
    if (name === 'log' && typeof args[1] === 'string' && args[1].length > MAX_HOST_CALL_CHARS) args[1] = args[1].slice(0, MAX_HOST_CALL_CHARS);
  };

  const peer: RpcPeer = new RpcPeer(channel, (r: Request) => {
    switch (r.op) {
      case 'shim':
        shim = { code: String(r['code']), filename: String(r['filename']) };
        return { value: null };
      case 'create': {
        const h = Number(r['h']);
        // No `onCatastrophicError` (see InProcessSandboxes): isolated-vm crashes or hangs delivering
        // it. V8's fatal out-of-memory aborts this process at once; an operation wedged past its
        // deadline is the watchdog's to kill.
        const isolate = new ivm.Isolate({ memoryLimit: Number(r['memoryMB']) });
        const callbacks = Object.fromEntries(
          HOST_CALLBACKS.map((name) => [name, (...args: unknown[]) =>
            untimed(() => {
              bound(name, args);
              try {
                return peer.request({ op: 'cb', h, name, args }).value;
              } catch (e) {
                throw e instanceof Failure ? e.thrown : e; // what the host callback threw, as it threw it
              }
            }),
        ]),
        ) as unknown as HostCallbacks;
        try {
          const { context, entries } = timed(UNTIMED_OP_MS, () => buildSandbox(ivm, isolate, callbacks, String(r['setup']), shim!, undefined));
          held.set(h, new IsolateSandbox(isolate, context, entries, undefined));
        } catch (e) {
          const dead = isolate.isDisposed;
          if (!dead) isolate.dispose();
          throw new Failure(e, dead);
        }
        return { value: null };
      }
      case 'load':
        return on(r['h'], (s) => {
          const code = String(r['code']);
          let bundle = bundles.get(code);
          if (bundle === undefined) {
            bundle = { code };
            bundles.set(code, bundle);
            if (bundles.size > 32) bundles.delete(bundles.keys().next().value!);
          }
          s.loadModule(bundle);
        });
      case 'eval':
        return on(r['h'], (s) => s.evaluateModule(Number(r['timeout'])), Number(r['timeout']));
      case 'call':
        return on(r['h'], (s) => s.call(r['entry'] as SandboxEntry, r['args'] as unknown[], Number(r['timeout'])), Number(r['timeout']));
      case 'chunk':
        return on(r['h'], (s) => {
          const name = String(r['name']);
          let chunk = chunks.get(name);
          if (chunk === undefined) chunks.set(name, (chunk = { name, code: String(r['code']), filename: String(r['filename']) }));
          s.runChunk(chunk, Number(r['timeout']));
        }, Number(r['timeout']));
      case 'heap':
        return on(r['h'], (s) => s.heapStats());
      case 'dispose': {
        held.get(Number(r['h']))?.dispose();
        held.delete(Number(r['h']));
        return { value: null };
      }
      default:
        throw new Error(`lambda-sim-supervisor: unknown request ${String(r.op)}`);
    }
  });

  channel.send({ t: 'hello', pid: process.pid });
  for (;;) {
    let m: Request & { t: string };
    try {
      m = channel.receive() as Request & { t: string };
    } catch {
      process.exit(0); // the parent went away
    }
    peer.serveOne(m);
  }
}

main();
