/**
 * Reading a `ZipFile` deployment package into a private directory, under Lambda's size limits and
 * a host bound on its entries. A ZIP can lie: a 1 MB archive of zeros inflates to a gigabyte; a
 * central directory can declare 41 bytes for entries that point, stored, at the same 20 MB of
 * data; a deflate stream declared as 1 byte can inflate for seconds. So the archive is read here,
 * not trusted to a general-purpose unzip:
 *
 * - the central directory is checked first, before anything is inflated or written: the zipped size,
 *   the number of entries, the declared unzipped sum, only stored (0) and deflate (8) entries, no
 *   encryption, every entry's bytes inside the archive and no two entries sharing bytes;
 * - a stored entry must declare as many bytes as it holds; a deflate entry is inflated in small
 *   steps and refused the moment it passes its declared size, so the work is bounded by the
 *   declared sum (at most 250 MB), whatever the stream says.
 *
 * fflate does the inflating (streaming).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { Inflate } from 'fflate';
import { HostLimitExceededError, InvalidParameterValueException, RequestEntityTooLargeException } from '../errors.js';

/** Lambda's limit on a ZIP uploaded directly (CreateFunction / UpdateFunctionCode): 50 MB. */
export const MAX_ZIPPED_BYTES = 52_428_800;
/** Lambda's limit on a package's unzipped size (with its layers): 250 MB. */
export const MAX_UNZIPPED_BYTES = 262_144_000;
/** lambda-sim's own bound on the entries it writes for one package (real packages have a few thousand). */
export const MAX_PACKAGE_ENTRIES = 100_000;
/** Compressed bytes inflated per step: a step's output is at most ~1032 times it (deflate's ratio). */
const INFLATE_STEP = 4096;

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  readonly compressedSize: number;
  /** The declared (unzipped) size. */
  readonly size: number;
  /** Where the entry's compressed bytes start in the archive. */
  readonly dataStart: number;
}

function corrupt(detail: string): InvalidParameterValueException {
  return new InvalidParameterValueException(`Could not unzip uploaded file. Please check your file, then try to upload again. (${detail})`);
}

/** The archive's entries, checked (see the file's comment); throws the typed error that fits. */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  if (bytes.length > MAX_ZIPPED_BYTES) throw new RequestEntityTooLargeException(`Zipped size must be smaller than ${MAX_ZIPPED_BYTES} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): number => {
    const high = u32(at + 4);
    if (high >= 0x200000) throw corrupt('a size or offset is beyond what a package can hold');
    return high * 0x100000000 + u32(at);
  };
  const within = (at: number, length: number): boolean => at >= 0 && length >= 0 && at + length <= bytes.length;

  // The end of central directory record: the last signature in the final 64 KiB + 22 bytes.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= 0 && at >= bytes.length - 22 - 65_535; at--) {
    if (u32(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end of central directory record');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (eocd >= 20 && u32(eocd - 20) === 0x07064b50) {
    const z = u64(eocd - 12);
    if (!within(z, 56) || u32(z) !== 0x06064b50) throw corrupt('a broken ZIP64 end of central directory');
    count = u64(z + 32);
    cdSize = u64(z + 40);
    cdOffset = u64(z + 48);
  }
  if (count > MAX_PACKAGE_ENTRIES) throw new HostLimitExceededError(`lambda-sim extracts at most ${MAX_PACKAGE_ENTRIES} entries from a deployment package; this one has ${count}`);
  if (!within(cdOffset, cdSize)) throw corrupt('the central directory lies outside the file');

  const entries: ZipEntry[] = [];
  const spans: Array<[number, number]> = [];
  let total = 0;
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (!within(at, 46) || at + 46 > cdOffset + cdSize || u32(at) !== 0x02014b50) throw corrupt(`central directory entry ${i} is broken`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let offset = u32(at + 42);
    if (!within(at + 46, nameLength + extraLength + commentLength)) throw corrupt(`central directory entry ${i} is broken`);
    const rawName = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = Buffer.from(rawName).toString(flags & 0x800 ? 'utf8' : 'latin1');
    // ZIP64: the sizes and offset that do not fit 32 bits are in extra field 0x0001, in this order.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = u16(e);
      const length = u16(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        if (size === 0xffffffff && f + 8 <= e + 4 + length) (size = u64(f)), (f += 8);
        if (compressedSize === 0xffffffff && f + 8 <= e + 4 + length) (compressedSize = u64(f)), (f += 8);
        if (offset === 0xffffffff && f + 8 <= e + 4 + length) offset = u64(f);
      }
      e += 4 + length;
    }
    at += 46 + nameLength + extraLength + commentLength;
    if (flags & 0x1) throw corrupt(`entry '${name}' is encrypted`);
    if (method !== 0 && method !== 8) throw corrupt(`entry '${name}' uses compression method ${method} (only stored and deflate are supported)`);
    if (method === 0 && compressedSize !== size) throw corrupt(`stored entry '${name}' declares ${size} bytes but holds ${compressedSize}`);
    total += size;
    if (total > MAX_UNZIPPED_BYTES) throw new InvalidParameterValueException(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);
    if (!within(offset, 30) || u32(offset) !== 0x04034b50) throw corrupt(`entry '${name}' has no local header`);
    const dataStart = offset + 30 + u16(offset + 26) + u16(offset + 28);
    if (!within(dataStart, compressedSize) || dataStart + compressedSize > cdOffset) throw corrupt(`entry '${name}' lies outside the file`);
    spans.push([offset, dataStart + compressedSize]);
    entries.push({ name, method, compressedSize, size, dataStart });
  }
  // No two entries may share bytes (overlapping entries multiply what a small archive unzips to).
  spans.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) if (spans[i]![0] < spans[i - 1]![1]) throw corrupt('two entries share the same bytes');
  return entries;
}

/** The entry's bytes, inflated in steps and refused the moment they pass the declared size. */
export function contents(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const data = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
  if (entry.method === 0) return data;
  const out = new Uint8Array(entry.size);
  let filled = 0;
  let ended = false;
  const inflate = new Inflate((chunk, final) => {
    if (filled + chunk.length > entry.size) throw corrupt(`entry '${entry.name}' inflates past its declared ${entry.size} bytes`);
    out.set(chunk, filled);
    filled += chunk.length;
    if (final) ended = true;
  });
  try {
    for (let at = 0; at < data.length; at += INFLATE_STEP) inflate.push(data.subarray(at, Math.min(data.length, at + INFLATE_STEP)), at + INFLATE_STEP >= data.length);
    if (data.length === 0) inflate.push(new Uint8Array(0), true);
  } catch (cause) {
    if (cause instanceof InvalidParameterValueException) throw cause;
    throw corrupt(`entry '${entry.name}': ${(cause as Error).message}`);
  }
  if (!ended || filled !== entry.size) throw corrupt(`entry '${entry.name}' inflates to ${filled} bytes, not the ${entry.size} it declares`);
  return out;
}

/** Writes the entries {@link readZip} checked under `dir`. */
export function extractZip(bytes: Uint8Array, entries: readonly ZipEntry[], dir: string): void {
  for (const entry of entries) {
    const target = resolve(dir, entry.name);
    if (!target.startsWith(dir + sep)) throw new InvalidParameterValueException(`Code.ZipFile entry '${entry.name}' points outside the package`);
    if (entry.name.endsWith('/')) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    const data = contents(bytes, entry);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
}
