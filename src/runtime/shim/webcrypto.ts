/**
 * Web Crypto for the sandbox (a shim chunk, loaded when code first reaches `crypto.subtle`,
 * `CryptoKey` or `SubtleCrypto`): every `subtle` method is an asynchronous host call computed by
 * the host's own `crypto.subtle` (runtime/host-webcrypto.ts). A CryptoKey holds its material in a
 * private field and sends it along with each operation; `extractable` is enforced here. jose 6
 * (Web Crypto only) signs and verifies JWTs on it.
 */
import { callHost } from './hostcall.js';
import { lazy } from './lazy.js';
import type { DOMException as DOMExceptionClass } from './dom-exception.js';

interface WireKey {
  type: 'secret' | 'public' | 'private';
  algorithm: Record<string, unknown>;
  usages: string[];
  extractable: boolean;
  material: Uint8Array;
}

const DOM_ERRORS = new Set(['OperationError', 'NotSupportedError', 'InvalidAccessError', 'DataError', 'SyntaxError', 'QuotaExceededError', 'InvalidStateError', 'NotAllowedError']);
const domException = (message: string, name: string): Error => new (lazy<{ DOMException: typeof DOMExceptionClass }>('dom-exception').DOMException)(message, name);

let constructing = false;

export class CryptoKey {
  /** The key's data, in a private field (not a WeakMap: handler code can replace WeakMap.prototype.set). */
  readonly #wire: WireKey;
  constructor(w?: WireKey) {
    if (!constructing || w === undefined) throw new TypeError('Illegal constructor');
    this.#wire = w;
  }
  static wireOf(key: unknown): WireKey | undefined {
    return key !== null && typeof key === 'object' && #wire in key ? (key as CryptoKey).#wire : undefined;
  }
  get type(): string {
    return wire(this).type;
  }
  get extractable(): boolean {
    return wire(this).extractable;
  }
  get algorithm(): Record<string, unknown> {
    return algorithmView(wire(this).algorithm);
  }
  get usages(): string[] {
    return [...wire(this).usages];
  }
  get [Symbol.toStringTag](): string {
    return 'CryptoKey';
  }
}

function wire(key: unknown): WireKey {
  const w = CryptoKey.wireOf(key);
  if (w === undefined) throw new TypeError('The "key" argument must be an instance of CryptoKey.');
  return w;
}

/** The algorithm as a key exposes it: bytes as Uint8Array (publicExponent), the hash as { name }. */
function algorithmView(a: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) out[k] = v instanceof Uint8Array ? v.slice() : v !== null && typeof v === 'object' ? { ...(v as object) } : v;
  return out;
}

function keyOf(w: WireKey): CryptoKey {
  constructing = true;
  try {
    return new CryptoKey(w);
  } finally {
    constructing = false;
  }
}

function isWireKey(v: unknown): v is WireKey {
  return v !== null && typeof v === 'object' && 'material' in v && 'usages' in v;
}

function keysOf(result: unknown): unknown {
  if (isWireKey(result)) return keyOf(result);
  const pair = result as { publicKey: WireKey; privateKey: WireKey };
  return { publicKey: keyOf(pair.publicKey), privateKey: keyOf(pair.privateKey) };
}

/** BufferSource → bytes (a copy: the caller may change its buffer while the host works). */
function source(v: unknown, what = 'data'): Uint8Array {
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  throw new TypeError(`Failed to execute on 'SubtleCrypto': ${what} is not of type 'BufferSource'.`);
}

function algorithmArg(algorithm: unknown): unknown {
  if (typeof algorithm === 'string') return algorithm;
  if (algorithm === null || typeof algorithm !== 'object') throw new TypeError("Failed to execute on 'SubtleCrypto': The provided value is not of type 'AlgorithmIdentifier'.");
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(algorithm)) {
    const v = (algorithm as Record<string, unknown>)[k];
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) out[k] = source(v, `algorithm.${k}`);
    else if (v instanceof CryptoKey) out[k] = wire(v);
    else if (k === 'hash' && v !== null && typeof v === 'object') out[k] = { name: String((v as { name?: unknown }).name) };
    else out[k] = v;
  }
  if (typeof (algorithm as { name?: unknown }).name === 'string') out['name'] = (algorithm as { name: string }).name;
  return out;
}

const toArrayBuffer = (b: unknown): ArrayBuffer => {
  const u = b as Uint8Array;
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
};

function subtleCall(op: string, args: Record<string, unknown>): Promise<unknown> {
  return (callHost('webcrypto', op, [args]) as Promise<unknown>).catch((error: unknown) => {
    const e = error as { name?: string; message?: string };
    throw typeof e?.name === 'string' && DOM_ERRORS.has(e.name) ? domException(String(e.message), e.name) : error;
  });
}

/** Runs `fn` as the spec's methods do: argument errors reject the promise instead of throwing. */
function promised<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}

function usable(key: unknown, usage: string): WireKey {
  const w = wire(key);
  if (!w.usages.includes(usage)) throw domException(`The requested operation is not valid for the provided key (it has no '${usage}' usage)`, 'InvalidAccessError');
  return w;
}

export class SubtleCrypto {
  constructor() {
    if (!constructing) throw new TypeError('Illegal constructor');
  }
  digest(algorithm: unknown, data: unknown): Promise<ArrayBuffer> {
    return promised(() => subtleCall('digest', { algorithm: algorithmArg(algorithm), data: source(data) }).then(toArrayBuffer));
  }
  importKey(format: string, keyData: unknown, algorithm: unknown, extractable: boolean, usages: string[]): Promise<CryptoKey> {
    return promised(() =>
      subtleCall('importKey', { format: String(format), keyData: format === 'jwk' ? JSON.parse(JSON.stringify(keyData)) : source(keyData, 'keyData'), algorithm: algorithmArg(algorithm), extractable: extractable === true, usages: [...usages] }).then(
        (w) => keysOf(w) as CryptoKey,
      ),
    );
  }
  exportKey(format: string, key: CryptoKey): Promise<ArrayBuffer | Record<string, unknown>> {
    return promised(() => {
      const w = wire(key);
      if (!w.extractable) throw domException('key is not extractable', 'InvalidAccessError');
      return subtleCall('exportKey', { format: String(format), key: w }).then((r) => (r instanceof Uint8Array ? toArrayBuffer(r) : (r as Record<string, unknown>)));
    });
  }
  generateKey(algorithm: unknown, extractable: boolean, usages: string[]): Promise<unknown> {
    return promised(() => subtleCall('generateKey', { algorithm: algorithmArg(algorithm), extractable: extractable === true, usages: [...usages] }).then(keysOf));
  }
  sign(algorithm: unknown, key: CryptoKey, data: unknown): Promise<ArrayBuffer> {
    return promised(() => subtleCall('sign', { algorithm: algorithmArg(algorithm), key: usable(key, 'sign'), data: source(data) }).then(toArrayBuffer));
  }
  verify(algorithm: unknown, key: CryptoKey, signature: unknown, data: unknown): Promise<boolean> {
    return promised(() => subtleCall('verify', { algorithm: algorithmArg(algorithm), key: usable(key, 'verify'), signature: source(signature, 'signature'), data: source(data) }) as Promise<boolean>);
  }
  encrypt(algorithm: unknown, key: CryptoKey, data: unknown): Promise<ArrayBuffer> {
    return promised(() => subtleCall('encrypt', { algorithm: algorithmArg(algorithm), key: usable(key, 'encrypt'), data: source(data) }).then(toArrayBuffer));
  }
  decrypt(algorithm: unknown, key: CryptoKey, data: unknown): Promise<ArrayBuffer> {
    return promised(() => subtleCall('decrypt', { algorithm: algorithmArg(algorithm), key: usable(key, 'decrypt'), data: source(data) }).then(toArrayBuffer));
  }
  deriveBits(algorithm: unknown, key: CryptoKey, length?: number | null): Promise<ArrayBuffer> {
    return promised(() => subtleCall('deriveBits', { algorithm: algorithmArg(algorithm), key: usable(key, 'deriveBits'), length: length ?? null }).then(toArrayBuffer));
  }
  deriveKey(algorithm: unknown, key: CryptoKey, derivedKeyType: unknown, extractable: boolean, usages: string[]): Promise<CryptoKey> {
    return promised(() =>
      subtleCall('deriveKey', { algorithm: algorithmArg(algorithm), key: usable(key, 'deriveKey'), derivedKeyType: algorithmArg(derivedKeyType), extractable: extractable === true, usages: [...usages] }).then(
        (w) => keysOf(w) as CryptoKey,
      ),
    );
  }
  wrapKey(format: string, key: CryptoKey, wrappingKey: CryptoKey, algorithm: unknown): Promise<ArrayBuffer> {
    return promised(() => {
      if (!wire(key).extractable) throw domException('key is not extractable', 'InvalidAccessError');
      return subtleCall('wrapKey', { format: String(format), key: wire(key), wrappingKey: usable(wrappingKey, 'wrapKey'), algorithm: algorithmArg(algorithm) }).then(toArrayBuffer);
    });
  }
  unwrapKey(format: string, wrappedKey: unknown, unwrappingKey: CryptoKey, algorithm: unknown, unwrappedKeyAlgorithm: unknown, extractable: boolean, usages: string[]): Promise<CryptoKey> {
    return promised(() =>
      subtleCall('unwrapKey', {
        format: String(format), wrappedKey: source(wrappedKey, 'wrappedKey'), unwrappingKey: usable(unwrappingKey, 'unwrapKey'), algorithm: algorithmArg(algorithm),
        unwrappedKeyAlgorithm: algorithmArg(unwrappedKeyAlgorithm), extractable: extractable === true, usages: [...usages],
      }).then((w) => keysOf(w) as CryptoKey),
    );
  }
  get [Symbol.toStringTag](): string {
    return 'SubtleCrypto';
  }
}

constructing = true;
/** The one SubtleCrypto of this sandbox (crypto.subtle, webcrypto.subtle). */
export const subtle = new SubtleCrypto();
constructing = false;

/** `crypto.webcrypto.CryptoKey` checks, as node:crypto's KeyObject.from does. */
export const isCryptoKey = (v: unknown): boolean => v instanceof CryptoKey;
