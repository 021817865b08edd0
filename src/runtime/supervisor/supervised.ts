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
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { EnvironmentSetupError } from '../../errors.js';
import type { HandlerBundle } from '../bundle.js';
import type { HostCallbacks, SandboxEntry } from '../sandbox-build.js';
import { SandboxCounter, SandboxLostError, type SandboxFactory, type SandboxHandle, type SandboxStats } from '../sandbox-host.js';
import { shimChunk, type SandboxChunk } from '../shim-source.js';
import { ChannelClosed, Failure, RpcPeer, SyncChannel, sleepSync, WATCHDOG_MARK, type Request } from './channel.js';

export interface SupervisedSandboxOptions {
  /** Resident memory of the sandbox process, MB, past which it is killed. Default 4096. */
  memoryLimitMB?: number | undefined;
}

const START_TIMEOUT_MS = 30_000;

let childScript: string | undefined;
/**
 * The child's code as one file, bundled once per process from child.ts (or child.js when built),
 * at a path named by its content hash: processes side by side share it, and it never piles up.
 * Written to a private name first, then renamed into place (atomic).
 */
function childScriptPath(): string {
  if (childScript !== undefined && existsSync(childScript)) return childScript;
  const entry = ['./child.ts', './child.js'].map((c) => fileURLToPath(new URL(c, import.meta.url))).find((p) => existsSync(p));
  if (entry === undefined) throw new EnvironmentSetupError('SUPERVISOR_MISSING', 'lambda-sim: the supervised sandbox process sources (runtime/supervisor/child.ts) are missing from the installed package');
  const out = buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent', external: ['isolated-vm'] });
  const code = out.outputFiles[0]!.text;
  const file = join(tmpdir(), `lambda-sim-child-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== code) {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, code);
    renameSync(temp, file);
  }
  childScript = file;
  return file;
}

/** FIFO directories of live children: removed at exit if close() never came (the children exit on their own). */
const openDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of openDirs) rmSync(dir, { recursive: true, force: true });
});

/** One child process and its channel. */
class Connection {
  readonly peer: RpcPeer;
  dead = false;
  readonly handles = new Map<number, RemoteSandbox>();
  constructor(
    readonly child: ChildProcess,
    readonly dir: string,
    channel: SyncChannel,
    serve: (r: Request) => { value: unknown },
  ) {
    this.peer = new RpcPeer(channel, serve);
    openDirs.add(dir);
  }

  /** What the child left on stderr before it died (the watchdog's or V8's last words), read at its death. */
  words = '';

  close(): void {
    const channel = this.peer.channel;
    for (const fd of [channel.fdIn, channel.fdOut]) {
      try {
        if (fd >= 0) closeSync(fd);
      } catch {
        /* closed */
      }
    }
    // A nested frame still unwinding must not write to whatever reuses these numbers.
    channel.fdIn = -1;
    channel.fdOut = -1;
    openDirs.delete(this.dir);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Opens a FIFO without blocking, retrying while its other end is not open yet (ENXIO). */
function openFifo(path: string, flags: number, until: number, child: ChildProcess, dir: string): number {
  for (let tries = 0; ; tries++) {
    try {
      return openSync(path, flags | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENXIO') throw e;
    }
    if (Date.now() > until || childGone(child)) throw startFailure(dir);
    sleepSync(tries < 50 ? 1 : 10);
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

/** The end of what a child wrote to stderr (its directory's stderr.log). */
function lastWords(dir: string): string {
  try {
    return readFileSync(join(dir, 'stderr.log'), 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

function startFailure(dir: string): EnvironmentSetupError {
  const words = lastWords(dir).trim().split('\n').slice(-5).join(' | ');
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
  runChunk(chunk: SandboxChunk): void {
    this.#op('chunk', { name: chunk.name, code: chunk.code, filename: chunk.filename });
  }
  heapStats(): { used: number; external: number } | undefined {
    if (this.disposed) return undefined;
    try {
      return this.#op('heap') as { used: number; external: number };
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
      connection.words = lastWords(connection.dir);
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

  #start(): Connection {
    const dir = mkdtempSync(join(tmpdir(), 'lambda-sim-supervisor-'));
    const toChild = join(dir, 'to-child');
    const toParent = join(dir, 'to-parent');
    try {
      execFileSync('mkfifo', [toChild, toParent]);
    } catch (cause) {
      rmSync(dir, { recursive: true, force: true });
      throw new EnvironmentSetupError('SUPERVISOR_UNSUPPORTED', "lambda-sim's supervised mode needs POSIX FIFOs (the mkfifo command), which this system lacks", { cause });
    }
    const script = childScriptPath();
    const ivmPath = createRequire(import.meta.url).resolve('isolated-vm');
    // Our read end first (a FIFO opened for reading without blocking succeeds at once).
    const readNb = openSync(toParent, constants.O_RDONLY | constants.O_NONBLOCK);
    const stderr = openSync(join(dir, 'stderr.log'), 'w');
    const child = spawn(process.execPath, ['--no-node-snapshot', script, toChild, toParent, ivmPath, String(this.memoryLimitMB)], {
      stdio: ['ignore', 'ignore', stderr],
    });
    closeSync(stderr);
    child.unref();
    child.on('error', () => {}); // reported through the FIFOs (start failure or end of file)
    const until = Date.now() + START_TIMEOUT_MS;
    let fdIn = readNb;
    let fdOut = -1;
    try {
      fdOut = blocking(openFifo(toChild, constants.O_WRONLY, until, child, dir), 'w');
      // The child's hello: until it opens its end, a non-blocking read sees end of file.
      const channel = new SyncChannel(fdIn, fdOut);
      for (let tries = 0; ; tries++) {
        try {
          const hello = channel.receive(until) as { t?: string };
          if (hello.t !== 'hello') throw startFailure(dir);
          break;
        } catch (e) {
          if (!(e instanceof ChannelClosed)) throw e;
          if (Date.now() > until || childGone(child)) throw startFailure(dir);
          sleepSync(tries < 50 ? 1 : 10);
        }
      }
      fdIn = channel.fdIn = blocking(fdIn, 'r');
      const connection: Connection = new Connection(child, dir, channel, (r) => this.#serve(connection, r));
      connection.peer.request({ op: 'shim', code: shimChunk().code, filename: shimChunk().filename });
      return connection;
    } catch (e) {
      for (const fd of [fdIn, fdOut]) if (fd >= 0) closeSync(fd);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw e instanceof Failure ? e.thrown : e;
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
