/**
 * Supervised mode: sandboxes in a child process (child.ts) this process supervises, for code that
 * is not trusted. isolated-vm cannot contain everything in-process — a huge `new Array(2**32-1)`
 * aborts V8 and with it the host, touched WebAssembly memory is not counted against the isolate's
 * limit, a huge JSON.parse overshoots it. Here those end the child: the call that was running
 * fails with SandboxLostError (the environment reports Runtime.ExitError), every other environment
 * whose sandbox lived there is told (it fails if it was running, starts cold next time otherwise),
 * and the next sandbox starts a new child. A watchdog thread in the child kills it when its
 * resident memory passes `memoryLimitMB`.
 *
 * Every operation is synchronous (see channel.ts), so the simulation keeps its single order of
 * events and replays exactly, crashes included. With the real clock, calls run one at a time.
 *
 * Needs POSIX FIFOs (`mkfifo`); on Linux the parent's reads block in the kernel, elsewhere they
 * poll.
 *
 * Nothing another local user can write is trusted (issue 16): the child's code goes from this
 * process's memory to the child's stdin at every start, restarts included; its FIFOs and stderr are
 * made in a fresh mkdtemp directory (0700, checked) whose names are removed once the child is
 * connected.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { EnvironmentSetupError } from '../../errors.js';
import type { HandlerBundle } from '../bundle.js';
import type { HostCallbacks, SandboxEntry } from '../sandbox-build.js';
import { SandboxCounter, SandboxLostError, type SandboxFactory, type HeapStats, type SandboxHandle, type SandboxStats } from '../sandbox-host.js';
import { shimChunk, type SandboxChunk } from '../shim-source.js';
import { ChannelClosed, Failure, RpcPeer, SyncChannel, sleepSync, WATCHDOG_MARK, type Request } from './channel.js';

export interface SupervisedSandboxOptions {
  /** Resident memory of the sandbox process, MB, past which it is killed. Default 4096. */
  memoryLimitMB?: number | undefined;
}

const START_TIMEOUT_MS = 30_000;

let childCode: string | undefined;
/**
 * The child's code, bundled once per process from child.ts (or child.js when built) and kept in
 * memory: every start hands it to the new child through its stdin, never through a file. (It once
 * went to `tmpdir()/lambda-sim-child-<hash>.mjs`, a name anyone could compute and fill first, run
 * again at each restart: issue 16.) About 14 KB.
 */
function childSource(): string {
  if (childCode !== undefined) return childCode;
  const entry = ['./child.ts', './child.js'].map((c) => fileURLToPath(new URL(c, import.meta.url))).find((p) => existsSync(p));
  if (entry === undefined) throw new EnvironmentSetupError('SUPERVISOR_MISSING', 'lambda-sim: the supervised sandbox process sources (runtime/supervisor/child.ts) are missing from the installed package');
  const out = buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent', external: ['isolated-vm'] });
  childCode = out.outputFiles[0]!.text;
  return childCode;
}

/**
 * A directory for one start's FIFOs, that only this process can enter: mkdtemp makes it (a name
 * nobody can guess or take first, mode 0700), and it is checked before use (a directory, not a
 * symlink, ours, closed to others). It lives only while the child connects (see #start).
 */
function privateDir(): string {
  const dir = resolve(mkdtempSync(join(tmpdir(), 'lambda-sim-supervisor-')));
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0)) {
    // A file system without POSIX modes, say: nothing is written into it (rmSync removes a link, not its target).
    rmSync(dir, { recursive: true, force: true });
    throw new EnvironmentSetupError('SUPERVISOR_START_FAILED', `lambda-sim could not start its supervised sandbox process: its new directory ${dir} is not a private directory of this user (mode ${(st.mode & 0o7777).toString(8)}, owner ${st.uid})`);
  }
  return dir;
}

/** One child process and its channel. */
class Connection {
  readonly peer: RpcPeer;
  dead = false;
  readonly handles = new Map<number, RemoteSandbox>();
  constructor(
    readonly child: ChildProcess,
    /** The child's stderr: a file with no name left (see #start), read for its last words. */
    public errFd: number,
    channel: SyncChannel,
    serve: (r: Request) => { value: unknown },
  ) {
    this.peer = new RpcPeer(channel, serve);
  }

  /** What the child left on stderr before it died (the watchdog's or V8's last words), read at its death. */
  words = '';

  close(): void {
    const channel = this.peer.channel;
    for (const fd of [channel.fdIn, channel.fdOut, this.errFd]) {
      try {
        if (fd >= 0) closeSync(fd);
      } catch {
        /* closed */
      }
    }
    // A nested frame still unwinding must not write to whatever reuses these numbers.
    channel.fdIn = -1;
    channel.fdOut = -1;
    this.errFd = -1;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Opens a FIFO without blocking, retrying while its other end is not open yet (ENXIO). */
function openFifo(path: string, flags: number, until: number, child: ChildProcess, errFd: number): number {
  for (let tries = 0; ; tries++) {
    try {
      return openSync(path, flags | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENXIO') throw e;
    }
    if (Date.now() > until || childGone(child)) throw startFailure(errFd);
    sleepSync(tries < 50 ? 1 : 10);
  }
}

/**
 * Writes the child's code into its stdin (a FIFO whose name is already gone) and closes it: Node
 * reads a `-` script to end of file, then runs it. A FIFO holds 64 KiB, more than the code, so
 * this normally returns at once; a larger one waits for the child to read.
 */
function feed(fd: number, code: string, until: number, child: ChildProcess, errFd: number): void {
  const bytes = Buffer.from(code, 'utf8');
  for (let offset = 0, tries = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
      tries = 0;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EPIPE') throw startFailure(errFd); // the child is gone
      if (code !== 'EAGAIN') throw e;
      if (Date.now() > until || childGone(child)) throw startFailure(errFd);
      sleepSync(++tries < 50 ? 1 : 10);
    }
  }
}

/** Linux: a descriptor for the same FIFO with blocking reads and writes (the kernel waits, not us). */
function blocking(fd: number, flags: 'r' | 'w'): number {
  try {
    const again = openSync(`/proc/self/fd/${fd}`, flags);
    closeSync(fd);
    return again;
  } catch {
    return fd; // no /proc: keep polling the non-blocking descriptor
  }
}

function childGone(child: ChildProcess): boolean {
  if (child.pid === undefined) return true;
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${child.pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The end of what a child wrote to stderr (read from its descriptor: the file has no name). */
function lastWords(errFd: number): string {
  if (errFd < 0) return '';
  try {
    const size = fstatSync(errFd).size;
    const length = Math.min(size, 8192);
    const buffer = Buffer.alloc(length);
    const n = readSync(errFd, buffer, 0, length, size - length);
    return buffer.subarray(0, n).toString('utf8').slice(-2000);
  } catch {
    return '';
  }
}

function startFailure(errFd: number): EnvironmentSetupError {
  const words = lastWords(errFd).trim().split('\n').slice(-5).join(' | ');
  return new EnvironmentSetupError('SUPERVISOR_START_FAILED', `lambda-sim could not start its supervised sandbox process${words === '' ? '' : `: ${words}`}`);
}

class RemoteSandbox implements SandboxHandle {
  readonly synchronous = true;
  onLost: (() => void) | undefined;
  #disposed = false;
  #counted = false;
  constructor(
    readonly owner: SupervisedSandboxes,
    readonly connection: Connection,
    readonly h: number,
    readonly callbacks: HostCallbacks,
  ) {}

  get disposed(): boolean {
    return this.#disposed || this.connection.dead;
  }

  #op(op: string, fields: Record<string, unknown> = {}): unknown {
    if (this.connection.dead) throw this.owner.lostError(this.connection);
    try {
      const { value, d } = this.connection.peer.request({ op, h: this.h, ...fields });
      if (d) this.#disposed = true;
      return value;
    } catch (e) {
      if (e instanceof ChannelClosed) throw this.owner.died(this.connection);
      if (!(e instanceof Failure)) throw e;
      if (e.d) this.#disposed = true;
      throw e.thrown;
    }
  }

  call(entry: SandboxEntry, args: unknown[], timeoutMs: number): void {
    this.#op('call', { entry, args, timeout: timeoutMs });
  }
  callAsync(entry: SandboxEntry, args: unknown[], timeoutMs: number): Promise<void> {
    try {
      this.call(entry, args, timeoutMs);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  loadModule(bundle: HandlerBundle): void {
    this.#op('load', { code: bundle.code });
  }
  evaluateModule(timeoutMs: number): void {
    this.#op('eval', { timeout: timeoutMs });
  }
  runChunk(chunk: SandboxChunk, timeoutMs: number): void {
    this.#op('chunk', { name: chunk.name, code: chunk.code, filename: chunk.filename, timeout: timeoutMs });
  }
  heapStats(): HeapStats | undefined {
    if (this.disposed) return undefined;
    try {
      return this.#op('heap') as HeapStats;
    } catch {
      return undefined;
    }
  }
  dispose(): void {
    if (!this.#counted) {
      this.#counted = true;
      this.owner.counter.disposed++;
      this.connection.handles.delete(this.h);
      if (!this.connection.dead) {
        try {
          this.connection.peer.request({ op: 'dispose', h: this.h });
        } catch (e) {
          if (e instanceof ChannelClosed) this.owner.died(this.connection);
        }
      }
    }
    this.#disposed = true;
  }
  /** The process died: the isolate went with it. */
  lost(): void {
    this.#disposed = true;
  }
}

export class SupervisedSandboxes implements SandboxFactory {
  readonly mode = 'supervised' as const;
  readonly counter = new SandboxCounter();
  readonly memoryLimitMB: number;
  #connection: Connection | undefined;
  #next = 0;
  #hadChild = false;
  #closed = false;

  constructor(options: SupervisedSandboxOptions = {}) {
    this.memoryLimitMB = options.memoryLimitMB ?? 4096;
  }

  create(memoryMB: number, callbacks: HostCallbacks, setupJson: string): SandboxHandle {
    const connection = this.#live();
    const h = ++this.#next;
    const handle = new RemoteSandbox(this, connection, h, callbacks);
    this.counter.created++;
    connection.handles.set(h, handle);
    try {
      connection.peer.request({ op: 'create', h, memoryMB: Math.max(8, memoryMB), setup: setupJson });
    } catch (e) {
      handle.dispose();
      if (e instanceof ChannelClosed) throw this.died(connection);
      throw e instanceof Failure ? e.thrown : e;
    }
    return handle;
  }

  stats(): SandboxStats {
    return this.counter.stats();
  }

  close(): void {
    this.#closed = true;
    const c = this.#connection;
    this.#connection = undefined;
    if (c === undefined) return;
    for (const handle of [...c.handles.values()]) handle.dispose();
    c.dead = true;
    c.close();
  }

  /**
   * The child died under a request: its sandboxes are lost. Returns the error for the call that
   * noticed; the other environments hear of it through `onLost`.
   */
  died(connection: Connection): SandboxLostError {
    if (!connection.dead) {
      connection.dead = true;
      if (this.#connection === connection) this.#connection = undefined;
      connection.words = lastWords(connection.errFd);
      connection.close();
      for (const handle of [...connection.handles.values()]) {
        handle.lost();
        handle.onLost?.();
      }
    }
    return this.lostError(connection);
  }

  lostError(connection: Connection): SandboxLostError {
    const words = connection.words;
    const exit = words.includes(WATCHDOG_MARK) ? 'signal: killed' : /FATAL ERROR|abort|Aborted/i.test(words) ? 'signal: aborted' : 'signal: killed';
    const detail = words.trim().split('\n').filter((l) => l.trim() !== '').slice(-1)[0] ?? '';
    return new SandboxLostError(exit, detail);
  }

  #live(): Connection {
    if (this.#closed) throw new Error('lambda-sim: the supervised sandboxes were closed');
    if (this.#connection !== undefined && !this.#connection.dead) return this.#connection;
    this.#connection = this.#start();
    if (this.#hadChild) this.counter.restarts++;
    this.#hadChild = true;
    return this.#connection;
  }

  /**
   * Starts a child. Its code goes from memory to its stdin; its FIFOs and stderr are made in a
   * private directory (see privateDir) and their names removed as soon as both ends are open, so
   * nothing of a running child is left in tmpdir, nor after a failed start, nor if this process is
   * killed later. Its working directory is `/`: Node names a `-` script after the working
   * directory, and fails when that was deleted.
   */
  #start(): Connection {
    const code = childSource();
    const ivmPath = createRequire(import.meta.url).resolve('isolated-vm');
    const dir = privateDir();
    const toChild = join(dir, 'to-child');
    const toParent = join(dir, 'to-parent');
    const script = join(dir, 'script');
    let errFd = -1;
    let scriptIn = -1;
    let scriptOut = -1;
    let fdIn = -1;
    let fdOut = -1;
    let child: ChildProcess | undefined;
    try {
      try {
        execFileSync('mkfifo', ['-m', '600', toChild, toParent, script]);
      } catch (cause) {
        throw new EnvironmentSetupError('SUPERVISOR_UNSUPPORTED', "lambda-sim's supervised mode needs POSIX FIFOs (the mkfifo command), which this system lacks", { cause });
      }
      const stderrPath = join(dir, 'stderr.log');
      errFd = openSync(stderrPath, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | constants.O_NOFOLLOW, 0o600);
      unlinkSync(stderrPath);
      // Both ends of the script FIFO, then its name goes (a FIFO opened for reading without blocking succeeds at once).
      scriptIn = openSync(script, constants.O_RDONLY | constants.O_NONBLOCK);
      scriptOut = openSync(script, constants.O_WRONLY | constants.O_NONBLOCK);
      unlinkSync(script);
      // Our read end of the channel first.
      fdIn = openSync(toParent, constants.O_RDONLY | constants.O_NONBLOCK);
      child = spawn(process.execPath, ['--no-node-snapshot', '--input-type=module', '-', toChild, toParent, ivmPath, String(this.memoryLimitMB)], {
        cwd: '/',
        stdio: [scriptIn, 'ignore', errFd],
      });
      closeSync(scriptIn);
      scriptIn = -1;
      child.unref();
      child.on('error', () => {}); // reported through the FIFOs (start failure or end of file)
      const until = Date.now() + START_TIMEOUT_MS;
      feed(scriptOut, code, until, child, errFd);
      closeSync(scriptOut);
      scriptOut = -1;
      fdOut = blocking(openFifo(toChild, constants.O_WRONLY, until, child, errFd), 'w');
      // The child's hello: until it opens its end, a non-blocking read sees end of file.
      const channel = new SyncChannel(fdIn, fdOut);
      for (let tries = 0; ; tries++) {
        try {
          const hello = channel.receive(until) as { t?: string };
          if (hello.t !== 'hello') throw startFailure(errFd);
          break;
        } catch (e) {
          if (!(e instanceof ChannelClosed)) throw e;
          if (Date.now() > until || childGone(child)) throw startFailure(errFd);
          sleepSync(tries < 50 ? 1 : 10);
        }
      }
      fdIn = channel.fdIn = blocking(fdIn, 'r');
      const connection: Connection = new Connection(child, errFd, channel, (r) => this.#serve(connection, r));
      connection.peer.request({ op: 'shim', code: shimChunk().code, filename: shimChunk().filename });
      return connection;
    } catch (e) {
      for (const fd of [fdIn, fdOut, scriptIn, scriptOut, errFd]) if (fd >= 0) closeSync(fd);
      child?.kill('SIGKILL');
      throw e instanceof Failure ? e.thrown : e;
    } finally {
      // Started or not, the names go: a child that said hello has opened both FIFOs.
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The child's host callbacks, answered by the environment that owns the sandbox. */
  #serve(connection: Connection, r: Request): { value: unknown } {
    if (r.op !== 'cb') throw new Error(`lambda-sim: unexpected request ${String(r.op)} from the sandbox process`);
    const handle = connection.handles.get(Number(r['h']));
    if (handle === undefined) throw new Error('lambda-sim: the environment was reset');
    const fn = handle.callbacks[String(r['name']) as keyof HostCallbacks] as ((...args: unknown[]) => unknown) | undefined;
    if (fn === undefined) throw new Error(`lambda-sim: unknown host callback ${String(r['name'])}`);
    return { value: fn(...(r['args'] as unknown[])) };
  }
}
