/**
 * node:crypto's keys, signatures, ciphers and key derivation in the sandbox, computed on the host
 * (runtime/host-crypto.ts) through the `crypto` host callback. A KeyObject holds its key as data
 * (DER or bytes) in a private field; every operation sends it along. jsonwebtoken (RS256 through
 * createVerify/createPublicKey) and jose's Node build (KeyObject, crypto.sign/verify) use these.
 *
 * Not seeded: generated keys and randomised signatures (ECDSA, RSA-PSS) use the host's randomness.
 */
import { decode, encode } from './codec.js';
import { host } from './host.js';
import { rebuildError } from './hostcall.js';
import { MAX_HASH_CHUNK } from './limits.js';
import { lazy } from './lazy.js';

interface BufferLike {
  from(x: unknown, enc?: string): Uint8Array & { toString(enc?: string): string };
  concat(list: Uint8Array[]): Uint8Array & { toString(enc?: string): string };
  isBuffer(x: unknown): boolean;
}
const Buf = (): BufferLike => (lazy<{ Buffer: BufferLike }>('buffer')).Buffer;

interface KeyData {
  type: 'secret' | 'public' | 'private';
  der: Uint8Array;
  asymmetricKeyType?: string;
  asymmetricKeyDetails?: Record<string, unknown>;
}

/** One host crypto operation; the host's errors come back with their code (ERR_OSSL_…). */
function call(op: string, args: Record<string, unknown>): unknown {
  const answer = host.crypto(op, encode(args));
  if (answer[0] === 'e') throw rebuildError(answer.slice(1));
  return decode(answer.slice(1), (b) => Buf().from(b));
}

const dataOf = new WeakMap<object, KeyData>();

function bytesIn(data: unknown, enc?: string): Uint8Array | string {
  if (typeof data === 'string') return enc === undefined || enc === 'utf8' || enc === 'utf-8' ? data : Buf().from(data, enc);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw Object.assign(new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.'), { code: 'ERR_INVALID_ARG_TYPE' });
}

function out(bytes: Uint8Array, enc?: string): unknown {
  const b = Buf().from(bytes);
  return enc === undefined || enc === 'buffer' ? b : b.toString(enc);
}

export class KeyObject {
  constructor(type: unknown, data?: KeyData) {
    if (data === undefined || (type !== 'secret' && type !== 'public' && type !== 'private')) {
      throw Object.assign(new TypeError('The "type" argument must be one of: \'secret\', \'public\', \'private\'. Use createSecretKey, createPublicKey or createPrivateKey'), { code: 'ERR_INVALID_ARG_VALUE' });
    }
    dataOf.set(this, data);
  }
  get type(): string {
    return dataOf.get(this)!.type;
  }
  get asymmetricKeyType(): string | undefined {
    return dataOf.get(this)!.asymmetricKeyType;
  }
  get asymmetricKeyDetails(): Record<string, unknown> | undefined {
    const d = dataOf.get(this)!.asymmetricKeyDetails;
    return d === undefined ? undefined : { ...d };
  }
  get symmetricKeySize(): number | undefined {
    const d = dataOf.get(this)!;
    return d.type === 'secret' ? d.der.length : undefined;
  }
  export(options?: Record<string, unknown>): unknown {
    return call('export', { key: keyArg(this), options: options ?? null });
  }
  equals(other: unknown): boolean {
    if (!(other instanceof KeyObject)) throw Object.assign(new TypeError('The "otherKeyObject" argument must be an instance of KeyObject.'), { code: 'ERR_INVALID_ARG_TYPE' });
    const a = dataOf.get(this)!;
    const b = dataOf.get(other)!;
    if (a.type !== b.type || a.der.length !== b.der.length) return false;
    for (let i = 0; i < a.der.length; i++) if (a.der[i] !== b.der[i]) return false;
    return true;
  }
  get [Symbol.toStringTag](): string {
    return 'KeyObject';
  }
}
class SecretKeyObject extends KeyObject {}
class PublicKeyObject extends KeyObject {}
class PrivateKeyObject extends KeyObject {}

function keyObject(data: KeyData): KeyObject {
  const Ctor = data.type === 'secret' ? SecretKeyObject : data.type === 'public' ? PublicKeyObject : PrivateKeyObject;
  return new Ctor(data.type, data);
}

/** A key argument as the host takes it: a KeyObject as its data, anything else as given. */
function keyArg(key: unknown): unknown {
  if (key instanceof KeyObject) return { $key: dataOf.get(key) };
  if (key !== null && typeof key === 'object' && !(key instanceof Uint8Array) && !ArrayBuffer.isView(key)) {
    const o = { ...(key as Record<string, unknown>) };
    if (o['key'] instanceof KeyObject) o['key'] = { $key: dataOf.get(o['key'] as KeyObject) };
    return o;
  }
  return ArrayBuffer.isView(key) ? bytesIn(key) : key;
}

export const isKeyObject = (v: unknown): boolean => v instanceof KeyObject;

const createKey = (kind: 'public' | 'private' | 'secret') => (key: unknown, encoding?: string): KeyObject =>
  keyObject(call('createKey', { kind, key: kind === 'secret' ? bytesIn(key, encoding) : keyArg(key) }) as KeyData);

function oneShot(op: 'sign' | 'verify', algorithm: unknown, data: unknown, key: unknown, signature?: unknown): unknown {
  const args: Record<string, unknown> = { algorithm: algorithm ?? null, data: bytesIn(data), key: keyArg(key) };
  if (op === 'verify') args['signature'] = bytesIn(signature);
  return call(op, args);
}

/** createSign / createVerify: data is kept in the sandbox until sign()/verify() (one host call). */
class Signing {
  readonly #chunks: Uint8Array[] = [];
  #size = 0;
  constructor(readonly algorithm: string) {}
  update(data: unknown, enc?: string): this {
    const b = Buf().from(bytesIn(data, enc));
    this.#size += b.length;
    if (this.#size > MAX_HASH_CHUNK) throw new RangeError(`lambda-sim: signing more than ${MAX_HASH_CHUNK} bytes at once is not supported`);
    this.#chunks.push(b);
    return this;
  }
  write(data: unknown, enc?: string): boolean {
    this.update(data, enc);
    return true;
  }
  end(data?: unknown, enc?: string): this {
    if (data !== undefined) this.update(data, enc);
    return this;
  }
  protected data(): Uint8Array {
    return Buf().concat(this.#chunks);
  }
}
class Sign extends Signing {
  sign(key: unknown, enc?: string): unknown {
    return out(oneShot('sign', this.algorithm, this.data(), key) as Uint8Array, enc);
  }
}
class Verify extends Signing {
  verify(key: unknown, signature: unknown, enc?: string): boolean {
    return oneShot('verify', this.algorithm, this.data(), key, typeof signature === 'string' ? Buf().from(signature, enc ?? 'utf8') : signature) as boolean;
  }
}

let nextCipher = 1;
const AEAD = /-(gcm|ccm|ocb)$|^chacha20-poly1305$/i;

class CipherBase {
  readonly #id = nextCipher++;
  #tag: Uint8Array | undefined;
  #done = false;
  constructor(readonly algorithm: string, key: unknown, iv: unknown, options: unknown, readonly decipher: boolean) {
    call('cipherInit', { id: this.#id, decipher, algorithm: String(algorithm), key: key instanceof KeyObject ? keyArg(key) : bytesIn(key), iv: iv === null || iv === undefined ? null : bytesIn(iv), options: options ?? null });
  }
  #step(step: string, extra: Record<string, unknown> = {}): unknown {
    return call('cipher', { id: this.#id, step, ...extra });
  }
  update(data: unknown, inputEnc?: string, outputEnc?: string): unknown {
    if (this.#done) throw Object.assign(new Error('Unsupported state'), { code: 'ERR_CRYPTO_INVALID_STATE' });
    const input = Buf().from(bytesIn(data, inputEnc));
    const parts: Uint8Array[] = [];
    for (let at = 0; at < input.length || at === 0; at += MAX_HASH_CHUNK) {
      parts.push(this.#step('update', { data: input.subarray(at, Math.min(input.length, at + MAX_HASH_CHUNK)) }) as Uint8Array);
      if (at + MAX_HASH_CHUNK >= input.length) break;
    }
    return out(Buf().concat(parts), outputEnc);
  }
  final(outputEnc?: string): unknown {
    if (this.#done) throw Object.assign(new Error('Unsupported state'), { code: 'ERR_CRYPTO_INVALID_STATE' });
    this.#done = true;
    const r = this.#step('final', { tag: !this.decipher && AEAD.test(this.algorithm) }) as { out: Uint8Array; tag: Uint8Array | null };
    if (r.tag !== null) this.#tag = r.tag;
    return out(r.out, outputEnc);
  }
  setAAD(data: unknown, options?: unknown): this {
    this.#step('setAAD', { data: bytesIn(data), options: options ?? null });
    return this;
  }
  setAutoPadding(value = true): this {
    this.#step('setAutoPadding', { value });
    return this;
  }
  getAuthTag(): unknown {
    if (this.decipher || this.#tag === undefined) throw Object.assign(new Error('Invalid state for operation getAuthTag'), { code: 'ERR_CRYPTO_INVALID_STATE' });
    return Buf().from(this.#tag);
  }
  setAuthTag(tag: unknown): this {
    if (!this.decipher) throw Object.assign(new Error('Invalid state for operation setAuthTag'), { code: 'ERR_CRYPTO_INVALID_STATE' });
    this.#step('setAuthTag', { data: bytesIn(tag) });
    return this;
  }
}
class Cipheriv extends CipherBase {}
class Decipheriv extends CipherBase {}

/** Node's callback form of a synchronous host computation: the callback runs on a later turn. */
function later<T>(compute: () => T, cb: unknown): void {
  if (typeof cb !== 'function') throw Object.assign(new TypeError('The "callback" argument must be of type function.'), { code: 'ERR_INVALID_ARG_TYPE' });
  let result: T;
  try {
    result = compute();
  } catch (error) {
    void Promise.resolve().then(() => (cb as (e: unknown) => void)(error));
    return;
  }
  void Promise.resolve().then(() => (cb as (e: null, v: T) => void)(null, result));
}

function pbkdf2Sync(password: unknown, salt: unknown, iterations: number, keylen: number, digest: string): unknown {
  return out(call('pbkdf2', { password: bytesIn(password), salt: bytesIn(salt), iterations, keylen, digest }) as Uint8Array);
}
function scryptSync(password: unknown, salt: unknown, keylen: number, options?: unknown): unknown {
  return out(call('scrypt', { password: bytesIn(password), salt: bytesIn(salt), keylen, options: options ?? null }) as Uint8Array);
}
function hkdfSync(digest: string, ikm: unknown, salt: unknown, info: unknown, keylen: number): ArrayBuffer {
  const b = call('hkdf', { digest, ikm: ikm instanceof KeyObject ? keyArg(ikm) : bytesIn(ikm), salt: bytesIn(salt), info: bytesIn(info), keylen }) as Uint8Array;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function generateKeyPairSync(type: string, options?: Record<string, unknown>): { publicKey: unknown; privateKey: unknown } {
  const pair = call('generateKeyPair', { type, options: options ?? {} }) as { publicKey: KeyData; privateKey: KeyData };
  const publicKey = keyObject(pair.publicKey);
  const privateKey = keyObject(pair.privateKey);
  const pub = options?.['publicKeyEncoding'] as Record<string, unknown> | undefined;
  const priv = options?.['privateKeyEncoding'] as Record<string, unknown> | undefined;
  return { publicKey: pub === undefined ? publicKey : publicKey.export(pub), privateKey: priv === undefined ? privateKey : privateKey.export(priv) };
}

let lists: { hashes: string[]; ciphers: string[]; curves: string[] } | undefined;
const listsOf = (): { hashes: string[]; ciphers: string[]; curves: string[] } => (lists ??= call('lists', {}) as { hashes: string[]; ciphers: string[]; curves: string[] });

const rsa = (fn: string) => (key: unknown, data: unknown): unknown => out(call('encrypt', { fn, key: keyArg(key), data: bytesIn(data) }) as Uint8Array);

/** What the shim's `crypto` module gains from this file. */
export const cryptoKeys = {
  KeyObject,
  createSecretKey: createKey('secret'),
  createPublicKey: createKey('public'),
  createPrivateKey: createKey('private'),
  sign: (algorithm: unknown, data: unknown, key: unknown, cb?: unknown): unknown => {
    if (cb !== undefined) return later(() => out(oneShot('sign', algorithm, data, key) as Uint8Array), cb);
    return out(oneShot('sign', algorithm, data, key) as Uint8Array);
  },
  verify: (algorithm: unknown, data: unknown, key: unknown, signature: unknown, cb?: unknown): unknown => {
    if (cb !== undefined) return later(() => oneShot('verify', algorithm, data, key, signature), cb);
    return oneShot('verify', algorithm, data, key, signature);
  },
  createSign: (algorithm: string): Sign => new Sign(String(algorithm)),
  createVerify: (algorithm: string): Verify => new Verify(String(algorithm)),
  Sign,
  Verify,
  createCipheriv: (algorithm: string, key: unknown, iv: unknown, options?: unknown): Cipheriv => new Cipheriv(algorithm, key, iv, options, false),
  createDecipheriv: (algorithm: string, key: unknown, iv: unknown, options?: unknown): Decipheriv => new Decipheriv(algorithm, key, iv, options, true),
  Cipheriv,
  Decipheriv,
  pbkdf2Sync,
  pbkdf2: (password: unknown, salt: unknown, iterations: number, keylen: number, digest: string, cb: unknown): void => later(() => pbkdf2Sync(password, salt, iterations, keylen, digest), cb),
  scryptSync,
  scrypt: (password: unknown, salt: unknown, keylen: number, options: unknown, cb?: unknown): void =>
    typeof options === 'function' ? later(() => scryptSync(password, salt, keylen), options) : later(() => scryptSync(password, salt, keylen, options), cb),
  hkdfSync,
  hkdf: (digest: string, ikm: unknown, salt: unknown, info: unknown, keylen: number, cb: unknown): void => later(() => hkdfSync(digest, ikm, salt, info, keylen), cb),
  generateKeyPairSync,
  generateKeyPair: (type: string, options: Record<string, unknown> | undefined, cb: unknown): void => {
    const callback = typeof options === 'function' ? options : cb;
    later(() => generateKeyPairSync(type, typeof options === 'function' ? undefined : options), (e: unknown, pair?: { publicKey: unknown; privateKey: unknown }) =>
      (callback as (e: unknown, pub?: unknown, priv?: unknown) => void)(e, pair?.publicKey, pair?.privateKey),
    );
  },
  publicEncrypt: rsa('publicEncrypt'),
  privateDecrypt: rsa('privateDecrypt'),
  privateEncrypt: rsa('privateEncrypt'),
  publicDecrypt: rsa('publicDecrypt'),
  getHashes: (): string[] => [...listsOf().hashes],
  getCiphers: (): string[] => [...listsOf().ciphers],
  getCurves: (): string[] => [...listsOf().curves],
};
