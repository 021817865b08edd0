/**
 * Web Crypto (`crypto.subtle`) for the sandbox, computed by the host's own `crypto.subtle`. The
 * shim (shim/webcrypto.ts) makes an asynchronous host call, `webcrypto <op>`, whose answer comes
 * back as a simulated event (virtual time waits for it, as for any host work).
 *
 * Keys cross as data, never as host objects: a {@link WireKey} is its type, algorithm, usages,
 * extractability and material (raw for secret keys, PKCS#8 for private, SPKI for public); every
 * operation imports what it is given. Extractability is the sandbox's to enforce (the host
 * imports extractable so it can hand material back). Bounded before the work: 8 MiB of data per
 * call, RSA moduli of at most 8192 bits, 10 million PBKDF2 iterations, 1 MiB derived per call.
 * Not seeded: generated keys, and randomised schemes (ECDSA, RSA-PSS, RSA-OAEP), use the host's
 * randomness; AES-GCM and the rest are functions of their inputs (the IV is the caller's).
 */
import { webcrypto } from 'node:crypto';
import PQueue from 'p-queue';
import { MAX_HASH_CHUNK } from './shim/limits.js';
import { MAX_KDF_ITERATIONS, MAX_MODULUS_BITS } from './host-crypto.js';

type SubtleKey = webcrypto.CryptoKey;
const subtle = webcrypto.subtle;

export interface WireKey {
  type: 'secret' | 'public' | 'private';
  algorithm: Record<string, unknown>;
  usages: string[];
  extractable: boolean;
  material: Uint8Array;
}

/** Most bits one deriveBits may ask for (1 MiB). */
const MAX_DERIVED_BITS = 8 * 1048576;

/** Characters of a JWK to import (a 16384-bit RSA private key is about 12,000). */
const MAX_JWK_CHARS = 65_536;
/** Keys the host cannot import as extractable (Web Crypto forbids exporting them). */
const NEVER_EXTRACTABLE = new Set(['PBKDF2', 'HKDF']);

const formatOf = (type: WireKey['type']): 'raw' | 'pkcs8' | 'spki' => (type === 'secret' ? 'raw' : type === 'private' ? 'pkcs8' : 'spki');

function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`lambda-sim: ${what} must be bytes`);
  if (v.length > MAX_HASH_CHUNK) throw new RangeError(`lambda-sim: ${what} of ${v.length} bytes is over the host's ${MAX_HASH_CHUNK} per Web Crypto call`);
  return v;
}

function algorithmName(algorithm: unknown): string {
  return String(typeof algorithm === 'string' ? algorithm : (algorithm as { name?: unknown } | null)?.name ?? '').toUpperCase();
}

/** What an algorithm parameter may carry: strings, numbers, bytes, a hash, a key (ECDH's `public`): bounded. */
async function algorithmArg(raw: unknown): Promise<unknown> {
  if (typeof raw === 'string') return raw;
  if (raw === null || typeof raw !== 'object') throw new TypeError('lambda-sim: an algorithm must be a name or an object with a name');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v instanceof Uint8Array) out[k] = bytes(v, `algorithm.${k}`);
    else if (k === 'public' && v !== null && typeof v === 'object') out[k] = await importWire(v as WireKey);
    else if (k === 'hash' && v !== null && typeof v === 'object') out[k] = { name: String((v as { name?: unknown }).name) };
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  const name = algorithmName(out);
  // Numbers as WebIDL will read them (a string '50000000' is 50 million to the host's subtle).
  const numeric = (k: string): number => (out[k] === undefined ? 0 : Number(out[k]));
  if (numeric('modulusLength') > MAX_MODULUS_BITS) throw new RangeError(`lambda-sim: an RSA modulus over ${MAX_MODULUS_BITS} bits is refused`);
  if (name === 'PBKDF2' && numeric('iterations') > MAX_KDF_ITERATIONS) throw new RangeError(`lambda-sim: PBKDF2 past ${MAX_KDF_ITERATIONS} iterations is refused`);
  if (numeric('length') > MAX_DERIVED_BITS) throw new RangeError(`lambda-sim: a key or derivation of more than ${MAX_DERIVED_BITS} bits is refused`);
  return out;
}

/** PBKDF2's work is iterations × output blocks: bounded as one 10-million-iteration block. */
function checkKdfCost(algorithm: unknown, bits: number): void {
  if (algorithmName(algorithm) !== 'PBKDF2') return;
  const iterations = Number((algorithm as Record<string, unknown>)['iterations'] ?? 0);
  if (iterations * Math.max(1, Math.ceil(bits / 256)) > MAX_KDF_ITERATIONS) {
    throw new RangeError(`lambda-sim: PBKDF2 of ${iterations} iterations for ${bits} bits is refused (iterations × 256-bit blocks at most ${MAX_KDF_ITERATIONS})`);
  }
}

/** The size of a key the host really holds (the sandbox's algorithm fields are not trusted). */
function checkKeySize(key: SubtleKey): SubtleKey {
  const a = key.algorithm as unknown as Record<string, unknown>;
  if (Number(a['modulusLength'] ?? 0) > MAX_MODULUS_BITS) throw new RangeError(`lambda-sim: an RSA modulus over ${MAX_MODULUS_BITS} bits is refused`);
  if (Number(a['length'] ?? 0) > MAX_DERIVED_BITS) throw new RangeError(`lambda-sim: a key of more than ${MAX_DERIVED_BITS} bits is refused`);
  return key;
}

async function importWire(key: WireKey): Promise<SubtleKey> {
  if (key === null || typeof key !== 'object' || !['secret', 'public', 'private'].includes(key.type)) throw new TypeError('lambda-sim: not a CryptoKey');
  const usages = Array.isArray(key.usages) ? key.usages.map(String) : [];
  const algorithm = (await algorithmArg(key.algorithm)) as Record<string, unknown>;
  return checkKeySize(await subtle.importKey(formatOf(key.type), bytes(key.material, 'key material'), algorithm as never, !NEVER_EXTRACTABLE.has(algorithmName(algorithm)), usages as never));
}

/** A host CryptoKey as data, with the sandbox's extractability. */
async function wireOf(key: SubtleKey, extractable: boolean): Promise<WireKey> {
  const material = NEVER_EXTRACTABLE.has(key.algorithm.name.toUpperCase()) ? new Uint8Array(0) : new Uint8Array(await subtle.exportKey(formatOf(key.type), key));
  return { type: key.type, algorithm: { ...(key.algorithm as unknown as Record<string, unknown>) }, usages: [...key.usages], extractable, material };
}

async function keyResult(k: SubtleKey | webcrypto.CryptoKeyPair, extractable: boolean): Promise<unknown> {
  if ('privateKey' in k) return { publicKey: await wireOf(k.publicKey, true), privateKey: await wireOf(k.privateKey, extractable) };
  return wireOf(k, extractable);
}

const usagesArg = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const buffer = (b: ArrayBuffer): Uint8Array => new Uint8Array(b);

/**
 * Web Crypto jobs run on libuv's thread pool (4 threads by default), and a job the host started
 * runs to its end even when its host call times out: at most this many run at once in the process,
 * so file system and DNS work of the host (and of other simulators) keep threads.
 */
export const MAX_CONCURRENT_WEBCRYPTO_JOBS = 2;
const jobs = new PQueue({ concurrency: MAX_CONCURRENT_WEBCRYPTO_JOBS });

/** Jobs running and waiting (for tests and diagnostics). */
export function webcryptoJobs(): { running: number; waiting: number } {
  return { running: jobs.pending, waiting: jobs.size };
}

/** One `crypto.subtle` operation, arguments as the shim sends them, in the process's job queue. */
export function runSubtle(op: string, a: Record<string, unknown>): Promise<unknown> {
  return jobs.add(() => subtleOp(op, a));
}

async function subtleOp(op: string, a: Record<string, unknown>): Promise<unknown> {
  switch (op) {
    case 'digest':
      return buffer(await subtle.digest((await algorithmArg(a['algorithm'])) as never, bytes(a['data'], 'data')));
    case 'importKey': {
      const format = String(a['format']);
      const algorithm = (await algorithmArg(a['algorithm'])) as Record<string, unknown>;
      const extractable = a['extractable'] === true;
      if (format === 'jwk' && JSON.stringify(a['keyData'] ?? null).length > MAX_JWK_CHARS) throw new RangeError(`lambda-sim: a JWK of more than ${MAX_JWK_CHARS} characters is refused`);
      const keyData = format === 'jwk' ? (a['keyData'] as webcrypto.JsonWebKey) : bytes(a['keyData'], 'keyData');
      const key = checkKeySize(await subtle.importKey(format as never, keyData as never, algorithm as never, !NEVER_EXTRACTABLE.has(algorithmName(algorithm)), usagesArg(a['usages']) as never));
      if (NEVER_EXTRACTABLE.has(algorithmName(algorithm))) {
        return { type: 'secret', algorithm: { ...(key.algorithm as unknown as Record<string, unknown>) }, usages: [...key.usages], extractable: false, material: bytes(a['keyData'], 'keyData') };
      }
      return wireOf(key, extractable);
    }
    case 'exportKey':
      return exported(await importWire(a['key'] as WireKey), String(a['format']));
    case 'generateKey':
      return keyResult(await subtle.generateKey((await algorithmArg(a['algorithm'])) as never, true, usagesArg(a['usages']) as never), a['extractable'] === true);
    case 'sign':
      return buffer(await subtle.sign((await algorithmArg(a['algorithm'])) as never, await importWire(a['key'] as WireKey), bytes(a['data'], 'data')));
    case 'verify':
      return subtle.verify((await algorithmArg(a['algorithm'])) as never, await importWire(a['key'] as WireKey), bytes(a['signature'], 'signature'), bytes(a['data'], 'data'));
    case 'encrypt':
      return buffer(await subtle.encrypt((await algorithmArg(a['algorithm'])) as never, await importWire(a['key'] as WireKey), bytes(a['data'], 'data')));
    case 'decrypt':
      return buffer(await subtle.decrypt((await algorithmArg(a['algorithm'])) as never, await importWire(a['key'] as WireKey), bytes(a['data'], 'data')));
    case 'deriveBits': {
      const length = a['length'] === null || a['length'] === undefined ? null : Number(a['length']);
      if (length !== null && !(length >= 0 && length <= MAX_DERIVED_BITS)) throw new RangeError(`lambda-sim: deriving more than ${MAX_DERIVED_BITS} bits per call is refused`);
      const algorithm = await algorithmArg(a['algorithm']);
      checkKdfCost(algorithm, length ?? 0);
      return buffer(await subtle.deriveBits(algorithm as never, await importWire(a['key'] as WireKey), length as number));
    }
    case 'deriveKey': {
      const wanted = (await algorithmArg(a['derivedKeyType'])) as Record<string, unknown>;
      const algorithm = await algorithmArg(a['algorithm']);
      checkKdfCost(algorithm, Number(wanted['length'] ?? 512));
      const derived = await subtle.deriveKey(algorithm as never, await importWire(a['key'] as WireKey), wanted as never, true, usagesArg(a['usages']) as never);
      return wireOf(derived, a['extractable'] === true);
    }
    case 'wrapKey': {
      const wrapped = await subtle.wrapKey(String(a['format']) as never, await importWire(a['key'] as WireKey), await importWire(a['wrappingKey'] as WireKey), (await algorithmArg(a['algorithm'])) as never);
      return buffer(wrapped);
    }
    case 'unwrapKey': {
      const key = await subtle.unwrapKey(
        String(a['format']) as never,
        bytes(a['wrappedKey'], 'wrappedKey'),
        await importWire(a['unwrappingKey'] as WireKey),
        (await algorithmArg(a['algorithm'])) as never,
        (await algorithmArg(a['unwrappedKeyAlgorithm'])) as never,
        true,
        usagesArg(a['usages']) as never,
      );
      return wireOf(key, a['extractable'] === true);
    }
    default:
      throw new TypeError(`lambda-sim: unknown Web Crypto operation ${op}`);
  }
}

async function exported(key: SubtleKey, format: string): Promise<unknown> {
  const out = await subtle.exportKey(format as never, key);
  return out instanceof ArrayBuffer ? buffer(out) : out;
}
