/**
 * The value codec of host calls (host modules, the runtime-provided AWS SDK): JSON, plus the types
 * AWS SDK inputs and outputs carry that JSON loses (bytes, dates, bigints, undefined in objects is
 * simply dropped as JSON does) and errors with their name, message and own fields
 * ($metadata, $fault, code…). Used on both sides of the isolate boundary, so it is plain ES2022.
 */

import { MAX_BIGINT_DIGITS } from './limits.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENC = new Uint8Array(64);
const DEC = new Uint8Array(256).fill(255);
for (let i = 0; i < 64; i++) {
  ENC[i] = B64.charCodeAt(i);
  DEC[B64.charCodeAt(i)] = i;
}
const fromCodes = String.fromCharCode as (...codes: number[]) => string;
const applyFn = Reflect.apply;

/** ASCII codes to a string, in slices small enough for an argument list. */
function ascii(codes: Uint8Array): string {
  const parts: string[] = [];
  for (let at = 0; at < codes.length; at += 32768) parts.push(applyFn(fromCodes, null, codes.subarray(at, at + 32768) as unknown as number[]) as string);
  return parts.join('');
}

/** Base64 through byte tables: the sandbox has no btoa, and string concatenation per byte was 4 s for 20 MiB. */
function toBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ENC[v >> 18]!;
    out[o++] = ENC[(v >> 12) & 63]!;
    out[o++] = ENC[(v >> 6) & 63]!;
    out[o++] = ENC[v & 63]!;
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out[o++] = ENC[v >> 18]!;
    out[o++] = ENC[(v >> 12) & 63]!;
    out[o++] = i + 1 < n ? ENC[(v >> 6) & 63]! : 61;
    out[o++] = 61;
  }
  return ascii(out);
}

function fromBase64(s: string): Uint8Array {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let bits = 0, acc = 0, o = 0;
  for (let i = 0; i < end; i++) {
    acc = ((acc << 6) | (DEC[s.charCodeAt(i) & 255]! & 63)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** The bytes of `parts`, one after the other, in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * An error as it crosses the boundary: no stack. A host error's stack names the host's files
 * (dist/control/aws-sdk.js:102, node:internal/…), and the sandbox builds its own anyway.
 */
export interface EncodedError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
}

export function encode(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return { $bytes: toBase64(raw) };
    if (raw instanceof ArrayBuffer) return { $bytes: toBase64(new Uint8Array(raw)) };
    if (raw instanceof Date) return { $date: raw.getTime() };
    if (typeof raw === 'bigint') return { $bigint: raw.toString() };
    if (raw instanceof Set) return { $set: [...raw] };
    if (raw instanceof Map) return { $map: [...raw] };
    return v;
  }) ?? 'null';
}

function bigIntOf(text: string): bigint {
  const digits = text.startsWith('-') || text.startsWith('+') ? text.length - 1 : text.length;
  if (digits > MAX_BIGINT_DIGITS) throw new RangeError(`lambda-sim: a BigInt of more than ${MAX_BIGINT_DIGITS} digits cannot cross the sandbox boundary`);
  return BigInt(text);
}

export function decode(json: string, makeBytes: (bytes: Uint8Array) => Uint8Array = (b) => b): unknown {
  // The reviver is slow; most values carry no tagged type at all.
  if (!json.includes('{"$')) return JSON.parse(json);
  return JSON.parse(json, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1) {
        if (typeof o['$bytes'] === 'string') return makeBytes(fromBase64(o['$bytes']));
        if (typeof o['$date'] === 'number') return new Date(o['$date']);
        if (typeof o['$bigint'] === 'string') return bigIntOf(o['$bigint']);
        if (Array.isArray(o['$set'])) return new Set(o['$set']);
        if (Array.isArray(o['$map'])) return new Map(o['$map'] as Array<[unknown, unknown]>);
      }
    }
    return v;
  });
}

/**
 * An error's fields as they may cross: every nested error (a `cause`, an SDK error's `$response`,
 * one in an array or an instance's property) loses its stack, at any depth up to 16 levels; deeper
 * values are left out.
 */
function withoutStacks(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (depth > 16) return undefined;
  if (v instanceof Uint8Array || v instanceof ArrayBuffer || v instanceof Date) return v;
  if (Array.isArray(v)) return v.map((x) => withoutStacks(x, depth + 1));
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, withoutStacks(x, depth + 1)]));
  if (v instanceof Set) return new Set([...v].map((x) => withoutStacks(x, depth + 1)));
  const out: Record<string, unknown> = v instanceof Error ? { name: v.name, message: v.message } : {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (k === 'stack' && (v instanceof Error || typeof x === 'string')) continue;
    out[k] = withoutStacks(x, depth + 1);
  }
  return out;
}

export function encodeError(error: unknown): string {
  if (error instanceof Error || (error !== null && typeof error === 'object' && 'message' in error)) {
    const e = error as Error & Record<string, unknown>;
    const fields: Record<string, unknown> = {};
    for (const k of Object.keys(e)) if (k !== 'stack' && k !== 'message' && k !== 'name') fields[k] = withoutStacks(e[k], 0);
    let fieldsJson: unknown;
    try {
      fieldsJson = JSON.parse(encode(fields));
    } catch {
      fieldsJson = {};
    }
    return JSON.stringify({ name: String(e.name ?? 'Error'), message: String(e.message ?? ''), fields: fieldsJson });
  }
  return JSON.stringify({ name: 'Error', message: String(error), fields: {} });
}
