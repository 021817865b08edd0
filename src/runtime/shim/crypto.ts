/**
 * `crypto`: seeded randomness (so runs replay) and hashes/HMACs computed by the host's node:crypto.
 */
import { host } from './host.js';
import { MAX_HASH_CHUNK } from './limits.js';
import { lazy } from './lazy.js';
import { fillRandom, randomUUID } from './random.js';
import { utf8Encode } from './text.js';

interface BufferLike {
  from(x: unknown, enc?: string): Uint8Array & { toString(enc?: string): string };
  concat(list: Uint8Array[]): Uint8Array;
}
const Buf = (): BufferLike => (lazy<{ Buffer: BufferLike }>('buffer')).Buffer;

function bytesOf(data: unknown, enc?: string): Uint8Array {
  if (typeof data === 'string') return enc === undefined || enc === 'utf8' || enc === 'utf-8' ? utf8Encode(data) : Buf().from(data, enc);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.');
}

export function getRandomValues<T extends ArrayBufferView | null>(array: T): T {
  if (!ArrayBuffer.isView(array) || array instanceof Float32Array || array instanceof Float64Array || array instanceof DataView) {
    const e = new TypeError("The data argument must be an integer-type TypedArray") as TypeError & { code: string };
    e.code = 'ERR_INVALID_ARG_TYPE';
    throw e;
  }
  if (array.byteLength > 65536) {
    const e = new Error(`The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`);
    e.name = 'QuotaExceededError';
    throw e;
  }
  fillRandom(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return array;
}


/** Bytes kept in the sandbox before they go to the host: small hashes cost one call, at digest. */
const PENDING = 1048576;
let nextHashId = 1;

class Hash {
  readonly #chunks: Uint8Array[] = [];
  #pending = 0;
  #done = false;
  /** Some of it went to the host already. */
  #started = false;
  readonly #id = nextHashId++;
  constructor(readonly algorithm: string, readonly key: Uint8Array | null) {}
  update(data: unknown, enc?: string): this {
    if (this.#done) throw Object.assign(new Error('Digest already called'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
    const bytes = bytesOf(data, enc);
    this.#chunks.push(bytes);
    this.#pending += bytes.length;
    if (this.#pending >= PENDING) this.#flush(false);
    return this;
  }
  /** Sends what is pending, in chunks the host accepts; the last call answers the digest when `final`. */
  #flush(final: boolean): Uint8Array | null {
    const all = new Uint8Array(this.#pending);
    let o = 0;
    for (const c of this.#chunks) {
      all.set(c, o);
      o += c.length;
    }
    this.#chunks.length = 0;
    this.#pending = 0;
    let answer: Uint8Array | null = null;
    for (let at = 0; at < all.length || (at === 0 && final); at += MAX_HASH_CHUNK) {
      const end = Math.min(all.length, at + MAX_HASH_CHUNK);
      answer = host.hash(this.#id, this.algorithm, this.key, all.subarray(at, end), final && end === all.length, this.#started);
      this.#started = true;
      if (end === all.length) break;
    }
    return answer;
  }
  digest(enc?: string): unknown {
    if (this.#done) throw Object.assign(new Error('Digest already called'), { code: 'ERR_CRYPTO_HASH_FINALIZED' });
    this.#done = true;
    const out = this.#flush(true)!;
    const b = Buf().from(out);
    return enc === undefined || enc === 'buffer' ? b : b.toString(enc);
  }
}

/** The module's own part; the keys, signatures and ciphers come from the crypto-keys chunk (modules.ts joins them). */
export const cryptoModule = {
  randomUUID,
  getRandomValues,
  randomBytes(n: number, cb?: (e: Error | null, b: Uint8Array) => void): unknown {
    const b = Buf().from(fillRandom(new Uint8Array(n)));
    if (cb === undefined) return b;
    void Promise.resolve().then(() => cb(null, b));
    return undefined;
  },
  randomInt(min: number, max?: number, cb?: (e: Error | null, n: number) => void): number | undefined {
    if (max === undefined || typeof max === 'function') {
      cb = max as unknown as typeof cb;
      max = min;
      min = 0;
    }
    const words = new Uint32Array(2);
    getRandomValues(words);
    const n = min + Math.floor(((words[0]! * 2 ** 32 + words[1]!) / 2 ** 64) * (max - min));
    if (cb === undefined) return n;
    void Promise.resolve().then(() => cb!(null, n));
    return undefined;
  },
  createHash: (algorithm: string) => new Hash(String(algorithm), null),
  createHmac: (algorithm: string, key: unknown) => new Hash(String(algorithm), bytesOf(key)),
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
    if (a.byteLength !== b.byteLength) throw new RangeError('Input buffers must have the same byte length');
    let d = 0;
    for (let i = 0; i < a.byteLength; i++) d |= a[i]! ^ b[i]!;
    return d === 0;
  },
};

/** The `crypto` global, also node:crypto's `webcrypto`: seeded random parts here, `subtle` a chunk computed on the host. */
export const webCrypto = {
  getRandomValues,
  randomUUID,
  get subtle(): unknown {
    return lazy<{ subtle: unknown }>('webcrypto').subtle;
  },
};
