/**
 * The deployment package as the sandbox's file system sees it: read-only, read lazily, as Lambda
 * mounts it at /var/task. A ZipFile's files are inflated from the archive on first read (bounded as
 * extraction is: see package-zip.ts); a `Path` directory's are read from disk, confined to that
 * directory (a symlink out of it reads nothing), and appear both under /var/task and under their
 * own absolute path (the `__dirname` of a `Path` bundle is the real directory, so traces name your
 * files). `Source` packages have no files besides their module.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { contents, type ZipEntry } from './package-zip.js';

/** Where Lambda mounts the package. */
export const TASK_ROOT = '/var/task';

export interface PackageStat {
  size: number;
  isDir: boolean;
}

export interface PackageFiles {
  /** The file's bytes at an absolute, normalised sandbox path, or undefined (no such file, or a directory). */
  read(path: string): Uint8Array | undefined;
  stat(path: string): PackageStat | undefined;
  /** A directory's entries, [name, isDirectory], sorted; undefined when it is not a directory of the package. */
  list(path: string): Array<[string, boolean]> | undefined;
}

/** The package-relative path of `path` under one of `mounts`, or undefined. '' is the package root. */
function relativeTo(path: string, mounts: readonly string[]): string | undefined {
  for (const m of mounts) {
    if (path === m) return '';
    if (path.startsWith(`${m}/`)) return path.slice(m.length + 1);
  }
  return undefined;
}

/** A ZIP package under /var/task. */
export function zipFiles(bytes: Uint8Array, entries: readonly ZipEntry[]): PackageFiles {
  const files = new Map<string, ZipEntry>();
  const dirs = new Map<string, Map<string, boolean>>([['', new Map()]]);
  const addDir = (rel: string): void => {
    let at = '';
    for (const part of rel.split('/').filter((p) => p !== '')) {
      const child = at === '' ? part : `${at}/${part}`;
      dirs.get(at)!.set(part, true);
      if (!dirs.has(child)) dirs.set(child, new Map());
      at = child;
    }
  };
  for (const e of entries) {
    const name = e.name.replace(/^\.?\/+/, '');
    if (name.endsWith('/')) {
      addDir(name);
      continue;
    }
    const slash = name.lastIndexOf('/');
    const dir = slash === -1 ? '' : name.slice(0, slash);
    addDir(dir);
    dirs.get(dir)!.set(name.slice(slash + 1), false);
    files.set(name, e);
  }
  const mounts = [TASK_ROOT];
  return {
    read(path) {
      const rel = relativeTo(path, mounts);
      const e = rel === undefined ? undefined : files.get(rel);
      return e === undefined ? undefined : contents(bytes, e);
    },
    stat(path) {
      const rel = relativeTo(path, mounts);
      if (rel === undefined) return undefined;
      if (dirs.has(rel)) return { size: 4096, isDir: true };
      const e = files.get(rel);
      return e === undefined ? undefined : { size: e.size, isDir: false };
    },
    list(path) {
      const rel = relativeTo(path, mounts);
      const d = rel === undefined ? undefined : dirs.get(rel);
      return d === undefined ? undefined : [...d].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    },
  };
}

/** Largest file of a directory package the sandbox may read in one call (Lambda's whole unzipped limit is 250 MB). */
export const MAX_PACKAGE_FILE_BYTES = 64 * 1048576;

/**
 * A directory package (`Code.Path`), under /var/task and under its own absolute path. For a `Path`
 * that names one file, its directory is served without dotfiles (`.env`, `.aws/`, `.git/` of a
 * repository root stay unreadable): deploy a directory to say exactly what the package holds.
 */
export function directoryFiles(root: string, options: { hideDotfiles?: boolean } = {}): PackageFiles {
  const hidden = (name: string): boolean => options.hideDotfiles === true && name.startsWith('.');
  const realRoot = realpathSync(root);
  const mounts = [TASK_ROOT, root.split(sep).join('/')];
  /** The real host path of a package path, or undefined when it leaves the package. */
  const host = (path: string): string | undefined => {
    const rel = relativeTo(path, mounts);
    if (rel === undefined || rel.split('/').some(hidden)) return undefined;
    try {
      const real = realpathSync(join(realRoot, ...rel.split('/')));
      const back = relative(realRoot, real);
      return back === '' || (back !== '..' && !back.startsWith(`..${sep}`) && !isAbsolute(back)) ? real : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    read(path) {
      const real = host(path);
      if (real === undefined) return undefined;
      const st = statSync(real);
      if (!st.isFile()) return undefined;
      if (st.size > MAX_PACKAGE_FILE_BYTES) throw new RangeError(`lambda-sim: ${path} is ${st.size} bytes, over the ${MAX_PACKAGE_FILE_BYTES} one read of a package file may return`);
      return new Uint8Array(readFileSync(real));
    },
    stat(path) {
      const real = host(path);
      if (real === undefined) return undefined;
      const st = statSync(real);
      return st.isDirectory() ? { size: 4096, isDir: true } : st.isFile() ? { size: st.size, isDir: false } : undefined;
    },
    list(path) {
      const real = host(path);
      if (real === undefined || !statSync(real).isDirectory()) return undefined;
      return readdirSync(real, { withFileTypes: true })
        .filter((d) => (d.isFile() || d.isDirectory()) && !hidden(d.name))
        .map((d): [string, boolean] => [d.name, d.isDirectory()])
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    },
  };
}
