/**
 * node:zlib for the sandbox, computed by the host's own zlib and brotli (so the bytes are Node's,
 * byte for byte). The shim's `zlib` module (shim/zlib.ts) calls one host callback,
 * `zlib(op, args)`, with arguments in the host-call codec: `run` {kind, data, options} answers
 * zlib's `<kind>Sync(data, options)`; `crc32` {data, value}. Nothing is kept on the host: the
 * shim's streams gather their input and run it through one call at the end (so a stream's output
 * comes at its end, not as it goes: README says so).
 *
 * Bounded before the work: 32 MiB of input per call, 64 MiB of output (a zip bomb fails with
 * Node's ERR_BUFFER_TOO_LARGE instead of filling the host). Only numeric options, a dictionary's
 * bytes and brotli's numeric params reach the host's zlib.
 */
import * as zlib from 'node:zlib';
import { MAX_ZLIB_INPUT } from './shim/limits.js';

/** Bytes one call may produce: past it the call fails (Node's own ERR_BUFFER_TOO_LARGE). */
export const MAX_ZLIB_OUTPUT = 64 * 1048576;

const KINDS = ['gzip', 'gunzip', 'deflate', 'inflate', 'deflateRaw', 'inflateRaw', 'unzip', 'brotliCompress', 'brotliDecompress'] as const;
type Kind = (typeof KINDS)[number];

const NUMBER_OPTIONS = ['level', 'windowBits', 'memLevel', 'strategy', 'chunkSize', 'flush', 'finishFlush'] as const;

/** Only plain numeric options (and brotli's numeric params, a dictionary's bytes) reach the host's zlib. */
function optionsOf(raw: unknown): zlib.ZlibOptions & zlib.BrotliOptions {
  const given = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { maxOutputLength: MAX_ZLIB_OUTPUT };
  for (const k of NUMBER_OPTIONS) if (typeof given[k] === 'number') out[k] = given[k];
  if (given['dictionary'] instanceof Uint8Array) out['dictionary'] = bytes(given['dictionary'], 'a dictionary');
  const params = given['params'];
  if (params !== null && typeof params === 'object') {
    const p: Record<number, number> = {};
    for (const [k, v] of Object.entries(params as Record<string, unknown>)) if (typeof v === 'number' && /^\d+$/.test(k)) p[Number(k)] = v;
    out['params'] = p;
  }
  return out as zlib.ZlibOptions & zlib.BrotliOptions;
}

function bytes(v: unknown, what: string): Buffer {
  if (!(v instanceof Uint8Array)) throw new TypeError(`lambda-sim: ${what} must be bytes`);
  if (v.length > MAX_ZLIB_INPUT) throw new RangeError(`lambda-sim: ${what} of ${v.length} bytes is over the host's ${MAX_ZLIB_INPUT} per zlib call`);
  return Buffer.from(v.buffer, v.byteOffset, v.length);
}

/**
 * Brotli at quality 10 and 11 (11 is its default) costs about 2 s of host CPU per MiB of text, in one
 * call the CPU budget cannot interrupt: such inputs are bounded at 1 MiB (lower qualities run at
 * zlib's speed and keep the 32 MiB bound).
 */
export const MAX_BROTLI_SLOW_INPUT = 1048576;

function checkBrotliCost(kind: string, size: number, options: zlib.BrotliOptions): void {
  if (kind !== 'brotliCompress' || size <= MAX_BROTLI_SLOW_INPUT) return;
  const quality = Number(options.params?.[zlib.constants.BROTLI_PARAM_QUALITY] ?? zlib.constants.BROTLI_DEFAULT_QUALITY);
  if (quality >= 10) {
    throw new RangeError(`lambda-sim: brotli at quality ${quality} of ${size} bytes is refused (at most ${MAX_BROTLI_SLOW_INPUT} bytes at quality 10 or 11: one call would hold the host for seconds per MiB); pass params { [BROTLI_PARAM_QUALITY]: 9 } or less`);
  }
}

/** The `zlib` callback's operations (stateless: see the file's comment). */
export function runZlib(op: string, a: Record<string, unknown>): unknown {
  switch (op) {
    case 'run': {
      const kind = String(a['kind']) as Kind;
      if (!KINDS.includes(kind)) throw new TypeError(`lambda-sim: unknown zlib kind ${kind}`);
      const fn = (zlib as unknown as Record<string, (d: Buffer, o: object) => Buffer>)[`${kind}Sync`]!;
      const data = bytes(a['data'], 'zlib input');
      const options = optionsOf(a['options']);
      checkBrotliCost(kind, data.length, options);
      return new Uint8Array(fn(data, options));
    }
    case 'crc32': {
      const crc32 = (zlib as unknown as { crc32?: (d: Uint8Array, v: number) => number }).crc32;
      if (typeof crc32 !== 'function') throw new TypeError('zlib.crc32 is not a function');
      return crc32(bytes(a['data'], 'crc32 input'), Number(a['value'] ?? 0) >>> 0);
    }
    default:
      throw new TypeError(`lambda-sim: unknown zlib operation ${op}`);
  }
}
