/**
 * node:crypto's keys, signatures, ciphers and key derivation for the sandbox, computed by the
 * host's OpenSSL (V8 in an isolate has none). The shim's `crypto` module (shim/crypto-keys.ts)
 * calls one host callback, `crypto(op, args)`, with arguments in the host-call codec.
 *
 * Keys cross as data, never as host objects: an asymmetric key as its DER (PKCS#8 private, SPKI
 * public), a secret key as its bytes, with its type and details; every operation imports what it
 * is given. Ciphers in progress are host state per environment, bounded as hashes are (the least
 * recently used is dropped past MAX_OPEN_CIPHERS; using it then is a RangeError). What a call
 * accepts is bounded before any work (data per call, RSA modulus, KDF iterations): its host time
 * is charged to the invocation only when it returns.
 *
 * Not seeded (the host's randomness): generated keys, and signatures whose scheme is randomised
 * (ECDSA, RSA-PSS). Everything else is a function of its inputs.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  getCiphers,
  getCurves,
  getHashes,
  hkdfSync,
  pbkdf2Sync,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  scryptSync,
  sign,
  verify,
  type Cipher,
  type Decipher,
  type KeyObject,
} from 'node:crypto';
import { MAX_HASH_CHUNK } from './shim/limits.js';

/** A key as it crosses the boundary. */
export interface KeyData {
  type: 'secret' | 'public' | 'private';
  /** DER: PKCS#8 for private keys, SPKI for public; the raw bytes of a secret key. */
  der: Uint8Array;
  asymmetricKeyType?: string;
  asymmetricKeyDetails?: Record<string, unknown>;
}

/** Ciphers an environment may have in progress on the host; past it the least recently used is dropped. */
export const MAX_OPEN_CIPHERS = 1024;
/** Largest RSA (or DSA) modulus the host generates: 8192 bits (a 16384-bit key takes minutes). */
export const MAX_MODULUS_BITS = 8192;
/** Most PBKDF2 iterations one call may ask for (10 million: seconds of host CPU already). */
export const MAX_KDF_ITERATIONS = 10_000_000;

function bytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) {
    if (v.length > MAX_HASH_CHUNK) throw new RangeError(`lambda-sim: ${what} of ${v.length} bytes is over the host's ${MAX_HASH_CHUNK} per crypto call`);
    return v;
  }
  if (typeof v === 'string') {
    if (v.length > MAX_HASH_CHUNK) throw new RangeError(`lambda-sim: ${what} of ${v.length} characters is over the host's ${MAX_HASH_CHUNK} per crypto call`);
    return Buffer.from(v, 'utf8');
  }
  throw Object.assign(new TypeError(`The "${what}" argument must be of type string or an instance of Buffer, TypedArray, or DataView.`), { code: 'ERR_INVALID_ARG_TYPE' });
}

function isKeyData(v: unknown): v is { $key: KeyData } {
  return v !== null && typeof v === 'object' && '$key' in v;
}

/** A host KeyObject from what the sandbox gave: a key it holds ({ $key }), or a key input as Node takes them. */
function keyOf(input: unknown, want: 'public' | 'private' | 'secret' | 'any'): KeyObject {
  if (isKeyData(input)) {
    const k = input.$key;
    const der = Buffer.from(k.der);
    if (k.type === 'secret') return createSecretKey(der);
    const key = k.type === 'private' ? createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) : createPublicKey({ key: der, format: 'der', type: 'spki' });
    if (want === 'public' && key.type === 'private') return createPublicKey(key);
    return key;
  }
  const given: Record<string, unknown> = input !== null && typeof input === 'object' && !(input instanceof Uint8Array) ? { ...(input as Record<string, unknown>) } : { key: input };
  if (isKeyData(given['key'])) return keyOf(given['key'], want);
  if (typeof given['key'] === 'string' && (given['key'] as string).length > MAX_HASH_CHUNK) throw new RangeError('lambda-sim: a key over 8 MiB');
  if (given['key'] instanceof Uint8Array) given['key'] = Buffer.from(given['key']);
  if (given['passphrase'] instanceof Uint8Array) given['passphrase'] = Buffer.from(given['passphrase']);
  switch (want) {
    case 'secret':
      return createSecretKey(Buffer.from(bytes(given['key'], 'key')));
    case 'private':
      return createPrivateKey(given as never);
    case 'public':
      return createPublicKey(given as never);
    default:
      try {
        return createPrivateKey(given as never);
      } catch {
        return createPublicKey(given as never);
      }
  }
}

/** A host KeyObject as the sandbox will hold it. */
export function keyData(key: KeyObject): KeyData {
  if (key.type === 'secret') return { type: 'secret', der: new Uint8Array(key.export()) };
  const der = key.type === 'private' ? key.export({ format: 'der', type: 'pkcs8' }) : key.export({ format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails === undefined ? undefined : JSON.parse(JSON.stringify(key.asymmetricKeyDetails, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as Record<string, unknown>;
  return { type: key.type, der: new Uint8Array(der), ...(key.asymmetricKeyType === undefined ? {} : { asymmetricKeyType: key.asymmetricKeyType }), ...(details === undefined ? {} : { asymmetricKeyDetails: details }) };
}

function exported(value: unknown): unknown {
  return Buffer.isBuffer(value) ? new Uint8Array(value) : value;
}

/** Most bytes a key derivation may produce in one call. */
export const MAX_DERIVED_BYTES = 1_048_576;
/** Most memory scrypt may use on the host (Node's own default maxmem is 32 MiB). */
export const MAX_SCRYPT_MEMORY = 256 * 1_048_576;

function checkModulus(options: Record<string, unknown> | undefined): void {
  for (const field of ['modulusLength', 'primeLength', 'divisorLength']) {
    const bits = Number(options?.[field] ?? 0);
    if (bits > MAX_MODULUS_BITS) throw new RangeError(`lambda-sim: the host generates keys of at most ${MAX_MODULUS_BITS} bits (asked: ${field} ${bits})`);
  }
  if (options?.['prime'] !== undefined) throw new RangeError('lambda-sim: generating a key pair over a given prime is not supported');
}

function keylen(v: unknown): number {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 0 && n <= MAX_DERIVED_BYTES)) throw new RangeError(`lambda-sim: a derived key of ${String(v)} bytes is refused (at most ${MAX_DERIVED_BYTES} per call)`);
  return n;
}

function scryptOptions(v: unknown): Record<string, number> | undefined {
  if (v === null || v === undefined) return undefined;
  const o = v as Record<string, number>;
  const N = Number(o['N'] ?? o['cost'] ?? 16384);
  const r = Number(o['r'] ?? o['blockSize'] ?? 8);
  const maxmem = Number(o['maxmem'] ?? 32 * 1_048_576);
  if (!(128 * N * r <= MAX_SCRYPT_MEMORY) || maxmem > MAX_SCRYPT_MEMORY) throw new RangeError(`lambda-sim: scrypt may use at most ${MAX_SCRYPT_MEMORY} bytes of host memory`);
  return o;
}

/** One environment's crypto on the host: its ciphers in progress. */
export class HostCrypto {
  readonly #ciphers = new Map<number, Cipher | Decipher>();

  /** The `crypto` host callback: `op` with its arguments (decoded), an answer to encode. */
  run(op: string, a: Record<string, unknown>): unknown {
    switch (op) {
      case 'createKey': {
        const kind = a['kind'] as 'public' | 'private' | 'secret';
        return keyData(keyOf(a['key'], kind));
      }
      case 'export': {
        const key = keyOf(a['key'], 'any');
        const options = (a['options'] ?? undefined) as Record<string, unknown> | undefined;
        if (key.type === 'secret') return options?.['format'] === 'jwk' ? key.export({ format: 'jwk' }) : exported(key.export());
        if (options?.['passphrase'] instanceof Uint8Array) options['passphrase'] = Buffer.from(options['passphrase']);
        return exported(key.export(options as never));
      }
      case 'equals':
        return keyOf(a['a'], 'any').equals(keyOf(a['b'], 'any'));
      case 'sign':
        return new Uint8Array(sign(a['algorithm'] as string | null, bytes(a['data'], 'data'), signingKey(a['key'], 'private') as never));
      case 'verify':
        return verify(a['algorithm'] as string | null, bytes(a['data'], 'data'), signingKey(a['key'], 'public') as never, bytes(a['signature'], 'signature'));
      case 'encrypt': {
        const fn = { publicEncrypt, privateDecrypt, privateEncrypt, publicDecrypt }[a['fn'] as 'publicEncrypt'];
        if (fn === undefined) throw new TypeError(`lambda-sim: unknown operation ${String(a['fn'])}`);
        const wantsPrivate = a['fn'] === 'privateDecrypt' || a['fn'] === 'privateEncrypt';
        const key = signingKey(a['key'], wantsPrivate ? 'private' : 'public');
        return new Uint8Array(fn(key as never, bytes(a['data'], 'data')));
      }
      case 'cipherInit': {
        const id = Number(a['id']);
        const key = a['key'] !== null && typeof a['key'] === 'object' && isKeyData(a['key']) ? keyOf(a['key'], 'secret') : Buffer.from(bytes(a['key'], 'key'));
        const iv = a['iv'] === null ? null : Buffer.from(bytes(a['iv'], 'iv'));
        const options = (a['options'] ?? undefined) as { authTagLength?: number } | undefined;
        const cipher = a['decipher'] === true ? createDecipheriv(String(a['algorithm']), key, iv, options as never) : createCipheriv(String(a['algorithm']), key, iv, options as never);
        this.#ciphers.delete(id);
        this.#ciphers.set(id, cipher);
        if (this.#ciphers.size > MAX_OPEN_CIPHERS) this.#ciphers.delete(this.#ciphers.keys().next().value!);
        return null;
      }
      case 'cipher': {
        const id = Number(a['id']);
        const cipher = this.#ciphers.get(id);
        if (cipher === undefined) throw new RangeError(`lambda-sim: this cipher was dropped: more than ${MAX_OPEN_CIPHERS} ciphers were in progress in this environment`);
        this.#ciphers.delete(id);
        this.#ciphers.set(id, cipher); // most recently used
        switch (a['step']) {
          case 'update':
            return new Uint8Array(cipher.update(bytes(a['data'], 'data')));
          case 'final': {
            this.#ciphers.delete(id);
            const out = new Uint8Array(cipher.final());
            const tag = 'getAuthTag' in cipher && a['tag'] === true ? new Uint8Array((cipher as Cipher & { getAuthTag(): Buffer }).getAuthTag()) : null;
            return { out, tag };
          }
          case 'setAAD':
            (cipher as Cipher & { setAAD(b: Buffer, o?: object): void }).setAAD(Buffer.from(bytes(a['data'], 'data')), (a['options'] ?? undefined) as never);
            return null;
          case 'setAuthTag':
            (cipher as Decipher & { setAuthTag(b: Buffer): void }).setAuthTag(Buffer.from(bytes(a['data'], 'tag')));
            return null;
          case 'setAutoPadding':
            cipher.setAutoPadding(a['value'] !== false);
            return null;
          default:
            throw new TypeError(`lambda-sim: unknown cipher step ${String(a['step'])}`);
        }
      }
      case 'pbkdf2': {
        const iterations = Number(a['iterations']);
        if (iterations > MAX_KDF_ITERATIONS) throw new RangeError(`lambda-sim: PBKDF2 with more than ${MAX_KDF_ITERATIONS} iterations is refused (the host would work past the invocation's CPU budget)`);
        return new Uint8Array(pbkdf2Sync(bytes(a['password'], 'password'), bytes(a['salt'], 'salt'), iterations, keylen(a['keylen']), String(a['digest'])));
      }
      case 'scrypt':
        return new Uint8Array(scryptSync(bytes(a['password'], 'password'), bytes(a['salt'], 'salt'), keylen(a['keylen']), scryptOptions(a['options']) as never));
      case 'hkdf':
        return new Uint8Array(hkdfSync(String(a['digest']), keyOrBytes(a['ikm']), bytes(a['salt'], 'salt'), bytes(a['info'], 'info'), keylen(a['keylen'])));
      case 'generateKeyPair': {
        const options = (a['options'] ?? {}) as Record<string, unknown>;
        checkModulus(options);
        const { publicKeyEncoding: _p, privateKeyEncoding: _q, ...plain } = options;
        const pair = generateKeyPairSync(String(a['type']) as 'rsa', plain as never) as unknown as { publicKey: KeyObject; privateKey: KeyObject };
        return { publicKey: keyData(pair.publicKey), privateKey: keyData(pair.privateKey) };
      }
      case 'lists':
        return { hashes: getHashes(), ciphers: getCiphers(), curves: getCurves() };
      default:
        throw new TypeError(`lambda-sim: unknown crypto operation ${op}`);
    }
  }

  /** The sandbox is gone: its ciphers with it. */
  clear(): void {
    this.#ciphers.clear();
  }
}

/** A key for sign/verify/encrypt, with Node's options (padding, saltLength, dsaEncoding) kept. */
function signingKey(input: unknown, want: 'public' | 'private'): KeyObject | Record<string, unknown> {
  if (input !== null && typeof input === 'object' && !(input instanceof Uint8Array) && !isKeyData(input) && 'key' in input) {
    const { key, padding, saltLength, dsaEncoding, oaepHash, oaepLabel, ...rest } = input as Record<string, unknown>;
    const options: Record<string, unknown> = { key: keyOf(isKeyData(key) ? key : { ...rest, key }, want) };
    for (const [k, v] of Object.entries({ padding, saltLength, dsaEncoding, oaepHash })) if (v !== undefined) options[k] = v;
    if (oaepLabel instanceof Uint8Array) options['oaepLabel'] = Buffer.from(oaepLabel);
    return options;
  }
  return keyOf(input, want);
}

function keyOrBytes(v: unknown): KeyObject | Uint8Array {
  return isKeyData(v) ? keyOf(v, 'secret') : bytes(v, 'ikm');
}

export { constants as cryptoConstants };
