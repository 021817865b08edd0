/**
 * `fs.createReadStream` / `fs.createWriteStream` and their classes (a shim chunk, loaded on first
 * use), over the sandbox's file system: the environment's /tmp and the read-only package. A read
 * stream reads its file (or its start–end range) once, then hands it out in highWaterMark chunks;
 * a write stream writes each chunk through as it comes (flags 'w' truncate first, 'a' append).
 */
import { fs } from './fs.js';
import { lazy } from './lazy.js';

type Callback = (error?: Error | null) => void;
interface StreamBase {
  push(chunk: unknown): boolean;
  emit(event: string, ...args: unknown[]): boolean;
  destroy(error?: Error): unknown;
}
interface StreamModule {
  Readable: new (options?: object) => StreamBase;
  Writable: new (options?: object) => StreamBase;
}
interface ReadOptions {
  encoding?: string;
  start?: number;
  end?: number;
  highWaterMark?: number;
  flags?: string;
}
interface WriteOptions {
  encoding?: string;
  flags?: string;
}
type Sync = Record<string, (...args: unknown[]) => unknown>;
const sync = fs as unknown as Sync;
const streams = lazy<StreamModule>('stream');

const optionsOf = <T extends object>(options: unknown): T => (typeof options === 'string' ? ({ encoding: options } as T) : ((options ?? {}) as T));
const pathText = (path: unknown): string => (path !== null && typeof path === 'object' && 'href' in path ? decodeURIComponent((path as unknown as { pathname: string }).pathname) : String(path));

export class ReadStream extends streams.Readable {
  readonly path: string;
  bytesRead = 0;
  pending = true;
  readonly #start: number;
  readonly #end: number;
  readonly #chunk: number;
  #data: Uint8Array | undefined;
  #at = 0;
  #wanted = false;
  constructor(path: unknown, options?: unknown) {
    const o = optionsOf<ReadOptions>(options);
    super({ highWaterMark: o.highWaterMark ?? 65536, ...(o.encoding === undefined ? {} : { encoding: o.encoding }) });
    this.path = pathText(path);
    this.#start = o.start ?? 0;
    this.#end = o.end ?? Infinity;
    this.#chunk = o.highWaterMark ?? 65536;
    void Promise.resolve().then(() => this.#open());
  }
  #open(): void {
    try {
      const all = sync['readFileSync']!(this.path) as Uint8Array;
      this.#data = all.subarray(this.#start, Math.min(all.length, this.#end + 1));
      this.pending = false;
      this.emit('open', 3);
      this.emit('ready');
      if (this.#wanted) this.#next();
    } catch (error) {
      this.destroy(error as Error);
    }
  }
  _read(): void {
    // Before the file is open, the read waits for it; after, each completes later, as fs.read
    // does, so one chunk at a time reaches the consumer.
    if (this.#data === undefined) this.#wanted = true;
    else void Promise.resolve().then(() => this.#next());
  }
  #next(): void {
    const data = this.#data;
    if (data === undefined) return;
    if (this.#at >= data.length) {
      this.push(null);
      return;
    }
    const part = data.subarray(this.#at, this.#at + this.#chunk);
    this.#at += part.length;
    this.bytesRead += part.length;
    this.push(part);
  }
  close(cb?: Callback): void {
    this.destroy();
    if (cb !== undefined) void Promise.resolve().then(() => cb(null));
  }
}

export class WriteStream extends streams.Writable {
  readonly path: string;
  bytesWritten = 0;
  pending = true;
  readonly #encoding: string | undefined;
  constructor(path: unknown, options?: unknown) {
    const o = optionsOf<WriteOptions>(options);
    super({ decodeStrings: false });
    this.path = pathText(path);
    this.#encoding = o.encoding;
    try {
      if ((o.flags ?? 'w').startsWith('a')) sync['appendFileSync']!(this.path, '');
      else sync['writeFileSync']!(this.path, '');
      this.pending = false;
      void Promise.resolve().then(() => {
        this.emit('open', 3);
        this.emit('ready');
      });
    } catch (error) {
      void Promise.resolve().then(() => this.destroy(error as Error));
    }
  }
  _write(chunk: unknown, encoding: string, cb: Callback): void {
    try {
      const data = typeof chunk === 'string' ? chunk : (chunk as Uint8Array);
      sync['appendFileSync']!(this.path, data, typeof chunk === 'string' ? (this.#encoding ?? (encoding === 'buffer' ? 'utf8' : encoding)) : undefined);
      this.bytesWritten += typeof chunk === 'string' ? (lazy<{ Buffer: { byteLength(s: string, e?: string): number } }>('buffer').Buffer.byteLength(chunk, this.#encoding)) : (chunk as Uint8Array).length;
      cb();
    } catch (error) {
      cb(error as Error);
    }
  }
  close(cb?: Callback): void {
    (this as unknown as { end(cb?: () => void): void }).end(() => cb?.(null));
  }
}

export const createReadStream = (path: unknown, options?: unknown): ReadStream => new ReadStream(path, options);
export const createWriteStream = (path: unknown, options?: unknown): WriteStream => new WriteStream(path, options);
