/**
 * `zlib` for the sandbox (a shim chunk), computed by the host's own zlib and brotli
 * (runtime/host-zlib.ts): the bytes are Node's. The sync, callback and stream forms of every codec
 * (gzip, deflate, raw deflate, unzip, brotli) and `crc32` where the host line has it. A stream
 * gathers its input and runs it through one host call when it ends, so its output comes at the
 * end (piping a response through `createGunzip()`, as axios does, works as on Node).
 * `constants` and `codes` are the host's (the module is completed from the host's shape).
 */
import { concatBytes, decode, encode } from './codec.js';
import { host } from './host.js';
import { rebuildError } from './hostcall.js';
import { lazy } from './lazy.js';
import { MAX_ZLIB_INPUT } from './limits.js';
import { utf8Encode } from './text.js';

interface BufferLike {
  from(x: unknown): Uint8Array;
}
const Buf = (): BufferLike => lazy<{ Buffer: BufferLike }>('buffer').Buffer;

type Input = string | ArrayBuffer | ArrayBufferView;

function bytesOf(input: unknown): Uint8Array {
  if (typeof input === 'string') return utf8Encode(input);
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  const e = new TypeError(`The "buffer" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer. Received ${input === null ? 'null' : typeof input}`) as TypeError & { code: string };
  e.code = 'ERR_INVALID_ARG_TYPE';
  throw e;
}

function call(op: string, args: Record<string, unknown>): unknown {
  const answer = host.zlib(op, encode(args));
  if (answer[0] === 'e') throw rebuildError(answer.slice(1));
  return decode(answer.slice(1), (b) => Buf().from(b));
}

/** Only plain data of the options crosses (numbers, a dictionary's bytes, brotli's params). */
function optionsArg(options: unknown): Record<string, unknown> {
  if (options === null || typeof options !== 'object') return {};
  const o = options as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ['level', 'windowBits', 'memLevel', 'strategy', 'chunkSize', 'flush', 'finishFlush']) if (typeof o[k] === 'number') out[k] = o[k];
  if (o['dictionary'] !== undefined) out['dictionary'] = bytesOf(o['dictionary']);
  if (o['params'] !== null && typeof o['params'] === 'object') out['params'] = { ...(o['params'] as object) };
  return out;
}

function run(kind: string, data: Uint8Array, options: unknown): Uint8Array {
  if (data.length > MAX_ZLIB_INPUT) throw new RangeError(`lambda-sim: zlib input of ${data.length} bytes is over the sandbox's ${MAX_ZLIB_INPUT} per call`);
  return call('run', { kind, data, options: optionsArg(options) }) as Uint8Array;
}

const KINDS = {
  gzip: 'Gzip',
  gunzip: 'Gunzip',
  deflate: 'Deflate',
  inflate: 'Inflate',
  deflateRaw: 'DeflateRaw',
  inflateRaw: 'InflateRaw',
  unzip: 'Unzip',
  brotliCompress: 'BrotliCompress',
  brotliDecompress: 'BrotliDecompress',
} as const;

interface TransformLike {
  push(chunk: unknown): boolean;
  emit(event: string, ...args: unknown[]): boolean;
  once(event: string, fn: () => void): unknown;
  destroy(error?: Error): unknown;
  end(): unknown;
}
type TransformCtor = new (options?: object) => TransformLike;

/** A codec's stream: a Transform that runs its whole input through the host when it ends. */
function streamClass(kind: string, name: string): new (options?: object) => TransformLike {
  const Transform = lazy<{ Transform: TransformCtor }>('stream').Transform;
  const C = class extends Transform {
    readonly #options: unknown;
    readonly #chunks: Uint8Array[] = [];
    #size = 0;
    bytesWritten = 0;
    constructor(options?: object) {
      super({ ...(options ?? {}) });
      this.#options = options;
    }
    _transform(chunk: unknown, _encoding: string, cb: (e?: Error | null) => void): void {
      const b = bytesOf(chunk);
      this.#size += b.length;
      this.bytesWritten += b.length;
      if (this.#size > MAX_ZLIB_INPUT) {
        cb(new RangeError(`lambda-sim: a zlib stream's input over ${MAX_ZLIB_INPUT} bytes (it is compressed at its end, in one host call)`));
        return;
      }
      this.#chunks.push(b.slice());
      cb();
    }
    _flush(cb: (e?: Error | null, data?: unknown) => void): void {
      const all = concatBytes(this.#chunks);
      this.#chunks.length = 0;
      try {
        const out = run(kind, all, this.#options);
        cb(null, out.length > 0 ? out : undefined);
      } catch (error) {
        cb(error as Error);
      }
    }
    /** Output comes at the end; a flush asks for nothing earlier. */
    flush(kindOrCb?: unknown, cb?: () => void): void {
      const done = typeof kindOrCb === 'function' ? (kindOrCb as () => void) : cb;
      if (done !== undefined) void Promise.resolve().then(done);
    }
    params(_level: number, _strategy: number, cb?: () => void): void {
      if (cb !== undefined) void Promise.resolve().then(cb);
    }
    reset(): void {
      this.#chunks.length = 0;
      this.#size = 0;
    }
    close(cb?: () => void): void {
      if (cb !== undefined) this.once('close', cb);
      this.destroy();
    }
  };
  Object.defineProperty(C, 'name', { value: name });
  return C;
}

const zlib: Record<string, unknown> = {};
for (const [kind, name] of Object.entries(KINDS)) {
  let Stream: (new (options?: object) => TransformLike) | undefined;
  const streamOf = (): new (options?: object) => TransformLike => (Stream ??= streamClass(kind, name));
  Object.defineProperty(zlib, name, { enumerable: true, configurable: true, get: streamOf });
  zlib[`create${name}`] = (options?: object) => new (streamOf())(options);
  zlib[`${kind}Sync`] = (input: Input, options?: object): Uint8Array => run(kind, bytesOf(input), options);
  zlib[kind] = (input: Input, optionsOrCb: unknown, maybeCb?: unknown): void => {
    const cb = (typeof optionsOrCb === 'function' ? optionsOrCb : maybeCb) as (e: Error | null, r?: Uint8Array) => void;
    if (typeof cb !== 'function') throw Object.assign(new TypeError('The "callback" argument must be of type function'), { code: 'ERR_INVALID_ARG_TYPE' });
    let result: Uint8Array | undefined;
    let error: Error | null = null;
    try {
      result = run(kind, bytesOf(input), typeof optionsOrCb === 'function' ? undefined : optionsOrCb);
    } catch (e) {
      error = e as Error;
    }
    void Promise.resolve().then(() => (error === null ? cb(null, result) : cb(error)));
  };
}
zlib['crc32'] = (data: Input, value = 0): number => call('crc32', { data: bytesOf(data), value }) as number;

export default zlib;
