/**
 * The supervised sandbox process and its parent talk over two FIFOs with synchronous reads and
 * writes: a sandbox call is a synchronous call on both sides (the simulation's order of events must
 * not depend on the host loop), and host callbacks made during it nest inside it. Frames are a
 * 4-byte length and a V8-serialized message.
 *
 * Both sides run the same loop ({@link RpcPeer.request}): send a request, then until its answer
 * comes, serve the other side's requests (a sandbox call makes host callbacks; a host callback may
 * call into the sandbox again: strictly nested, so answers arrive last-in first-out).
 */
import { readSync, writeSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { ChannelClosed } from '../../errors.js';

/** Written to stderr by the child's watchdog before it kills the process, so the parent can say why. */
export const WATCHDOG_MARK = 'lambda-sim-supervisor: killed by its watchdog';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread for `ms` (fractions allowed). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

export { ChannelClosed };

function isCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes(String((e as { code?: unknown }).code));
}

/** Waits out a non-blocking descriptor's EAGAIN: spin briefly, then sleep in short steps. */
function backoff(tries: number): void {
  if (tries > 200) sleepSync(tries > 2000 ? 1 : 0.05);
}

export class SyncChannel {
  readonly #header = Buffer.alloc(4);
  constructor(
    public fdIn: number,
    public fdOut: number,
  ) {}

  send(message: unknown): void {
    const body = serialize(message);
    const frame = Buffer.allocUnsafe(4 + body.length);
    frame.writeUInt32LE(body.length, 0);
    body.copy(frame, 4);
    let offset = 0;
    let tries = 0;
    while (offset < frame.length) {
      try {
        offset += writeSync(this.fdOut, frame, offset, frame.length - offset);
        tries = 0;
      } catch (e) {
        if (isCode(e, 'EAGAIN')) backoff(++tries);
        else if (isCode(e, 'EPIPE', 'EBADF', 'ECONNRESET')) throw new ChannelClosed('the other side closed its end');
        else throw e;
      }
    }
  }

  /** The next message; with `until` (Date.now() ms), a non-blocking descriptor waits no longer. */
  receive(until = Number.POSITIVE_INFINITY): unknown {
    this.#fill(this.#header, 4, until);
    const length = this.#header.readUInt32LE(0);
    const body = Buffer.allocUnsafe(length);
    this.#fill(body, length, until);
    return deserialize(body);
  }

  #fill(buffer: Buffer, length: number, until: number): void {
    let offset = 0;
    let tries = 0;
    while (offset < length) {
      let n: number;
      try {
        n = readSync(this.fdIn, buffer, offset, length - offset, null);
      } catch (e) {
        if (isCode(e, 'EAGAIN')) {
          if (tries > 200 && Date.now() > until) throw new ChannelClosed('no answer in time');
          backoff(++tries);
          continue;
        }
        if (isCode(e, 'EBADF', 'ECONNRESET')) throw new ChannelClosed('the other side closed its end');
        throw e;
      }
      if (n === 0) throw new ChannelClosed('end of file');
      offset += n;
      tries = 0;
    }
  }
}

export interface ErrorInfo {
  name: string;
  message: string;
  stack: string | undefined;
}

export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e), stack: undefined };
}

/** An error from the other side, as an Error with the same name, message and stack. */
export function revive(info: ErrorInfo): Error {
  const e = new Error(info.message);
  e.name = info.name;
  if (info.stack !== undefined) e.stack = info.stack;
  return e;
}

/**
 * What a request threw, as it crosses: an Error by name, message and stack (revived as an Error), any
 * other value as itself (`throw 42` arrives as 42, as it would in-process). `d`: a handle op's
 * isolate was disposed of (its memory limit) by the time the answer left.
 */
export class Failure {
  constructor(
    readonly thrown: unknown,
    readonly d = false,
  ) {}
}

type Thrown = { isError: true; error: ErrorInfo } | { isError: false; value: unknown };

function thrownOf(e: unknown): Thrown {
  return e instanceof Error ? { isError: true, error: errorInfo(e) } : { isError: false, value: e };
}

export interface Request {
  op: string;
  [key: string]: unknown;
}
interface Answer {
  t: 'res';
  ok: boolean;
  value?: unknown;
  thrown?: Thrown;
  d?: boolean;
}

export class RpcPeer {
  constructor(
    readonly channel: SyncChannel,
    /** Serves the other side's requests; what it returns is the answer (throw a Failure to set `d`). */
    readonly serve: (request: Request) => { value: unknown; d?: boolean },
    /** Whether an exception from `serve` should go through the channel as an answer. */
    readonly fatal: (e: unknown) => boolean = (e) => e instanceof ChannelClosed,
  ) {}

  /** Sends a request and serves the other side until its answer; throws a Failure with what it threw. */
  request(request: Request): { value: unknown; d: boolean } {
    this.channel.send({ t: 'req', ...request });
    for (;;) {
      const m = this.channel.receive() as (Answer | ({ t: 'req' } & Request));
      if (m.t === 'res') {
        if (m.ok) return { value: m.value, d: m.d === true };
        const t = m.thrown!;
        throw new Failure(t.isError ? revive(t.error) : t.value, m.d === true);
      }
      this.serveOne(m);
    }
  }

  /** Serves one request of the other side and sends its answer. */
  serveOne(m: Request): void {
    let answer: Answer;
    try {
      const r = this.serve(m);
      answer = { t: 'res', ok: true, value: r.value, ...(r.d === true ? { d: true } : {}) };
    } catch (e) {
      if (this.fatal(e)) throw e;
      const f = e instanceof Failure ? e : new Failure(e);
      answer = { t: 'res', ok: false, thrown: thrownOf(f.thrown), ...(f.d ? { d: true } : {}) };
    }
    try {
      this.channel.send(answer);
    } catch (e) {
      // A thrown value V8 cannot serialise (a function, say): its text crosses instead.
      if (!(e instanceof Error && e.name === 'DataCloneError') || answer.ok) throw e;
      this.channel.send({ ...answer, thrown: { isError: false, value: String((answer.thrown as { value?: unknown }).value) } });
    }
  }
}
