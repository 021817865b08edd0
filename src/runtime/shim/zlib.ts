/** `zlib` for the sandbox, by fflate (loaded as a lazy chunk): the sync and callback forms of the common codecs. */
import { decompressSync, deflateSync, gunzipSync, gzipSync, inflateSync, unzlibSync, zlibSync } from 'fflate';

type Codec = (data: Uint8Array) => Uint8Array;
type Input = string | Uint8Array | ArrayBufferView | ArrayBuffer;

const bytes = (input: Input): Uint8Array => {
  if (typeof input === 'string') return (globalThis as unknown as { Buffer: { from(s: string): Uint8Array } }).Buffer.from(input);
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return new Uint8Array(input);
};

const toBuffer = (u8: Uint8Array): Uint8Array => (globalThis as unknown as { Buffer: { from(x: Uint8Array): Uint8Array } }).Buffer.from(u8);

const CODECS: Record<string, Codec> = {
  gzip: (d) => gzipSync(d),
  gunzip: (d) => gunzipSync(d),
  deflate: (d) => zlibSync(d),
  inflate: (d) => unzlibSync(d),
  deflateRaw: (d) => deflateSync(d),
  inflateRaw: (d) => inflateSync(d),
  unzip: (d) => decompressSync(d),
};

const zlib: Record<string, unknown> = { constants: { Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1 } };
for (const [name, codec] of Object.entries(CODECS)) {
  zlib[`${name}Sync`] = (input: Input): Uint8Array => {
    try {
      return toBuffer(codec(bytes(input)));
    } catch (e) {
      throw Object.assign(new Error((e as Error).message || 'invalid compressed data'), { code: 'Z_DATA_ERROR', errno: -3 });
    }
  };
  zlib[name] = (input: Input, optionsOrCb: unknown, maybeCb?: unknown): void => {
    const cb = (typeof optionsOrCb === 'function' ? optionsOrCb : maybeCb) as (e: Error | null, r?: Uint8Array) => void;
    let result: Uint8Array | undefined;
    let error: Error | null = null;
    try {
      result = (zlib[`${name}Sync`] as (i: Input) => Uint8Array)(input);
    } catch (e) {
      error = e as Error;
    }
    void Promise.resolve().then(() => (error === null ? cb(null, result) : cb(error)));
  };
}

export default zlib;
