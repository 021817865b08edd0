/**
 * The tsconfig a `ZipFile` or `Source` package is bundled with. esbuild looks for tsconfig.json
 * files up the directory tree and follows their `extends` anywhere: a package's
 * `{ "extends": "/any/host/file" }` made it read any file of the host (a FIFO hung the build, a
 * device fed it gigabytes), and any local user could plant `tmpdir()/tsconfig.json` for every
 * package extracted there. So lookup is off (esbuild's `tsconfigRaw`), and the package's own root
 * tsconfig.json is read here, its `extends` chain followed only inside the package (a relative
 * path, or a package in its own node_modules), and only `compilerOptions` is kept.
 *
 * What a package loses: tsconfig.json files in its subdirectories (esbuild would use the nearest
 * one per file) and `extends` outside it.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** Largest tsconfig file read; deeper `extends` chains than this many links are cut. */
const MAX_TSCONFIG_BYTES = 1_048_576;
const MAX_EXTENDS = 8;

/** JSON with comments and trailing commas, as tsconfig files are written; undefined if it is not. */
export function parseJsonc(text: string): unknown {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else out += c;
  }
  try {
    return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
  } catch {
    return undefined;
  }
}

function inside(root: string, path: string): boolean {
  return path.startsWith(root + sep);
}

/** A regular file of the package, read if small enough. */
function readConfig(root: string, path: string): Record<string, unknown> | undefined {
  if (!inside(root, path)) return undefined;
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.size > MAX_TSCONFIG_BYTES) return undefined;
  } catch {
    return undefined;
  }
  const parsed = parseJsonc(readFileSync(path, 'utf8'));
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** Where an `extends` entry points, if inside the package. */
function extended(root: string, from: string, target: string): string | undefined {
  const candidates = target.startsWith('.') || target.startsWith('/')
    ? [resolve(dirname(from), target), resolve(dirname(from), `${target}.json`)]
    : [join(root, 'node_modules', target), join(root, 'node_modules', target, 'tsconfig.json'), join(root, 'node_modules', `${target}.json`)];
  return candidates.find((p) => inside(root, p) && readConfig(root, p) !== undefined);
}

function compilerOptions(root: string, file: string, depth: number): Record<string, unknown> {
  const config = readConfig(root, file);
  if (config === undefined) return {};
  let merged: Record<string, unknown> = {};
  const bases = typeof config['extends'] === 'string' ? [config['extends']] : Array.isArray(config['extends']) ? config['extends'] : [];
  if (depth < MAX_EXTENDS) {
    for (const base of bases) {
      if (typeof base !== 'string') continue;
      const path = extended(root, file, base);
      if (path !== undefined) merged = { ...merged, ...compilerOptions(root, path, depth + 1) };
    }
  }
  const own = config['compilerOptions'];
  return own !== null && typeof own === 'object' && !Array.isArray(own) ? { ...merged, ...(own as Record<string, unknown>) } : merged;
}

/** esbuild's `tsconfigRaw` for a package rooted at `root` (its tsconfig.json, confined). */
export function packageTsconfig(root: string): string {
  return JSON.stringify({ compilerOptions: compilerOptions(root, join(root, 'tsconfig.json'), 0) });
}
