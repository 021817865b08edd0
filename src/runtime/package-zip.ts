/**
 * Extracting a `ZipFile` deployment package into a private directory, under Lambda's size limits
 * and a host bound on its number of entries, checked before anything is inflated or written: a
 * 1 MB ZIP of zeros can inflate to a gigabyte.
 *
 * The unzipped size is the sum of the sizes the archive declares. fflate inflates every entry
 * into a buffer of exactly its declared size (an entry that lies about it comes out cut, never
 * longer), so the declared sum is also a bound on the memory and disk the package takes here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { HostLimitExceededError, InvalidParameterValueException, RequestEntityTooLargeException } from '../errors.js';

/** Lambda's limit on a ZIP uploaded directly (CreateFunction / UpdateFunctionCode): 50 MB. */
export const MAX_ZIPPED_BYTES = 52_428_800;
/** Lambda's limit on a package's unzipped size (with its layers): 250 MB. */
export const MAX_UNZIPPED_BYTES = 262_144_000;
/** lambda-sim's own bound on the entries it writes for one package (real packages have a few thousand). */
export const MAX_PACKAGE_ENTRIES = 100_000;

/** Checks a package's size and entries from its central directory, without inflating anything. */
export function checkZip(bytes: Uint8Array): void {
  if (bytes.length > MAX_ZIPPED_BYTES) {
    throw new RequestEntityTooLargeException(`Zipped size must be smaller than ${MAX_ZIPPED_BYTES} bytes`);
  }
  let total = 0;
  let entries = 0;
  try {
    unzipSync(bytes, {
      filter: (file) => {
        total += file.originalSize;
        entries++;
        if (total > MAX_UNZIPPED_BYTES) throw new InvalidParameterValueException(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);
        if (entries > MAX_PACKAGE_ENTRIES) {
          throw new HostLimitExceededError(`lambda-sim extracts at most ${MAX_PACKAGE_ENTRIES} entries from a deployment package; this one has more`);
        }
        return false;
      },
    });
  } catch (cause) {
    if (cause instanceof InvalidParameterValueException || cause instanceof HostLimitExceededError) throw cause;
    throw new InvalidParameterValueException(`Could not unzip uploaded file. Please check your file, then try to upload again. (${(cause as Error).message})`);
  }
}

/** Writes the package's files under `dir` (checked first with {@link checkZip}). */
export function extractZip(bytes: Uint8Array, dir: string): void {
  checkZip(bytes);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (cause) {
    throw new InvalidParameterValueException(`Could not unzip uploaded file. Please check your file, then try to upload again. (${(cause as Error).message})`);
  }
  for (const [name, data] of Object.entries(files)) {
    const target = resolve(dir, name);
    if (!target.startsWith(dir + sep)) throw new InvalidParameterValueException(`Code.ZipFile entry '${name}' points outside the package`);
    if (name.endsWith('/')) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, data);
    }
  }
}
