/**
 * `fs` and `fs/promises` basics over the environment's in-memory `/tmp`, which lives on the host so
 * it survives warm invokes and environment resets (as Lambda's does). Outside `/tmp` the deployment
 * package is readable (runtime/package-files.ts) and everything is read-only (EROFS on write).
 */
import { host } from './host.js';
import { lazy } from './lazy.js';
import { utf8Decode, utf8Encode } from './text.js';

const ERR = '\u0000ERR';

type Data = string | Uint8Array | ArrayBufferView;
type Opts = string | { encoding?: string | null; flag?: string; recursive?: boolean; withFileTypes?: boolean; force?: boolean } | undefined | null;

interface StatJson { size: number; isDir: boolean; mtimeMs: number; birthtimeMs: number }

function call(op: string, path: unknown, a?: unknown, b?: unknown): unknown {
  const p = toPath(path);
  const r = host.fs(op, p, a, b);
  if (typeof r === 'string' && r.startsWith(ERR)) {
    const info = JSON.parse(r.slice(ERR.length)) as { code: string; errno: number; syscall: string; message: string; path: string };
    const e = new Error(info.message) as Error & Record<string, unknown>;
    Object.assign(e, { errno: info.errno, code: info.code, syscall: info.syscall, path: info.path });
    throw e;
  }
  return r;
}

function toPath(p: unknown): string {
  if (typeof p === 'string') return p;
  if (p instanceof Uint8Array) return utf8Decode(p, false);
  if (p !== null && typeof p === 'object' && 'href' in p) return decodeURIComponent(String((p as unknown as { pathname: string }).pathname));
  const e = new TypeError(`The "path" argument must be of type string or an instance of Buffer or URL. Received ${p === null ? 'null' : typeof p}`) as TypeError & { code: string };
  e.code = 'ERR_INVALID_ARG_TYPE';
  throw e;
}

function encodingOf(options: Opts): string | null {
  if (typeof options === 'string') return options;
  return options?.encoding ?? null;
}

function toBytes(data: Data, options: Opts): Uint8Array {
  if (typeof data === 'string') {
    const enc = encodingOf(options) ?? 'utf8';
    if (enc === 'utf8' || enc === 'utf-8') return utf8Encode(data);
    return fromBuffer().from(data, enc) as Uint8Array;
  }
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const e = new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.') as TypeError & { code: string };
  e.code = 'ERR_INVALID_ARG_TYPE';
  throw e;
}

interface BufferClass {
  from(x: unknown, enc?: string): unknown;
}

/** The sandbox's Buffer (the same lazily loaded one as the global). */
function fromBuffer(): BufferClass {
  return lazy<{ Buffer: BufferClass }>('buffer').Buffer;
}

class Stats {
  size: number; mtimeMs: number; birthtimeMs: number; atimeMs: number; ctimeMs: number;
  mtime: Date; birthtime: Date; atime: Date; ctime: Date;
  mode: number; uid = 993; gid = 990; nlink = 1; dev = 0; ino = 0; rdev = 0; blksize = 4096; blocks: number;
  readonly #dir: boolean;
  constructor(s: StatJson) {
    this.#dir = s.isDir;
    this.size = s.size;
    this.mtimeMs = this.atimeMs = this.ctimeMs = s.mtimeMs;
    this.birthtimeMs = s.birthtimeMs;
    this.mtime = new Date(s.mtimeMs);
    this.atime = new Date(s.mtimeMs);
    this.ctime = new Date(s.mtimeMs);
    this.birthtime = new Date(s.birthtimeMs);
    this.mode = s.isDir ? 0o40755 : 0o100644;
    this.blocks = Math.ceil(s.size / 512);
  }
  isFile(): boolean { return !this.#dir; }
  isDirectory(): boolean { return this.#dir; }
  isSymbolicLink(): boolean { return false; }
  isFIFO(): boolean { return false; }
  isSocket(): boolean { return false; }
  isBlockDevice(): boolean { return false; }
  isCharacterDevice(): boolean { return false; }
}

class Dirent {
  constructor(readonly name: string, readonly parentPath: string, readonly _dir: boolean) {}
  get path(): string { return this.parentPath; }
  isFile(): boolean { return !this._dir; }
  isDirectory(): boolean { return this._dir; }
  isSymbolicLink(): boolean { return false; }
}

function decodeOut(bytes: Uint8Array, options: Opts): unknown {
  const enc = encodingOf(options);
  if (enc === null || enc === 'buffer') return fromBuffer().from(bytes);
  if (enc === 'utf8' || enc === 'utf-8') return utf8Decode(bytes, false);
  return (fromBuffer().from(bytes) as { toString(e: string): string }).toString(enc);
}

const sync = {
  readFileSync(path: unknown, options?: Opts): unknown {
    return decodeOut(call('readFile', path) as Uint8Array, options);
  },
  writeFileSync(path: unknown, data: Data, options?: Opts): void {
    const flag = typeof options === 'object' && options !== null ? options.flag : undefined;
    call(flag === 'a' || flag === 'a+' ? 'appendFile' : 'writeFile', path, toBytes(data, options));
  },
  appendFileSync(path: unknown, data: Data, options?: Opts): void {
    call('appendFile', path, toBytes(data, options));
  },
  existsSync(path: unknown): boolean {
    try {
      return call('exists', path) === 'true';
    } catch {
      return false;
    }
  },
  mkdirSync(path: unknown, options?: Opts | number): string | undefined {
    const recursive = typeof options === 'object' && options !== null && options.recursive === true;
    const r = call('mkdir', path, recursive) as string;
    return r === '' ? undefined : r;
  },
  readdirSync(path: unknown, options?: Opts): unknown[] {
    const list = JSON.parse(call('readdir', path) as string) as Array<[string, boolean]>;
    if (typeof options === 'object' && options !== null && options.withFileTypes === true) {
      return list.map(([n, d]) => new Dirent(n, toPath(path), d));
    }
    return list.map(([n]) => n);
  },
  statSync(path: unknown, options?: { throwIfNoEntry?: boolean }): Stats | undefined {
    try {
      return new Stats(JSON.parse(call('stat', path) as string) as StatJson);
    } catch (e) {
      if (options?.throwIfNoEntry === false && (e as { code?: string }).code === 'ENOENT') return undefined;
      throw e;
    }
  },
  unlinkSync(path: unknown): void {
    call('unlink', path);
  },
  rmSync(path: unknown, options?: Opts): void {
    const o = typeof options === 'object' && options !== null ? options : {};
    call('rm', path, o.recursive === true, o.force === true);
  },
  rmdirSync(path: unknown, options?: Opts): void {
    const o = typeof options === 'object' && options !== null ? options : {};
    call('rmdir', path, o.recursive === true);
  },
  renameSync(from: unknown, to: unknown): void {
    call('rename', from, toPath(to));
  },
  copyFileSync(from: unknown, to: unknown): void {
    call('writeFile', to, call('readFile', from));
  },
  accessSync(path: unknown): void {
    call('stat', path);
  },
  mkdtempSync(prefix: string): string {
    const suffix = Math.random().toString(36).slice(2, 8);
    const p = `${prefix}${suffix}`;
    call('mkdir', p, false);
    return p;
  },
};
(sync as Record<string, unknown>)['lstatSync'] = sync.statSync;

type SyncName = keyof typeof sync;

function promisified(name: SyncName): (...args: unknown[]) => Promise<unknown> {
  const fn = sync[name] as (...args: unknown[]) => unknown;
  return (...args) => {
    try {
      return Promise.resolve(fn(...args));
    } catch (e) {
      return Promise.reject(e);
    }
  };
}

function callbackified(name: SyncName): (...args: unknown[]) => void {
  const fn = sync[name] as (...args: unknown[]) => unknown;
  return (...args) => {
    const cb = args.pop();
    if (typeof cb !== 'function') throw new TypeError('The "cb" argument must be of type function.');
    let result: unknown;
    let error: unknown = null;
    try {
      result = fn(...args);
    } catch (e) {
      error = e;
    }
    void Promise.resolve().then(() => (error === null ? cb(null, result) : cb(error)));
  };
}

const ASYNC: Array<[string, SyncName]> = [
  ['readFile', 'readFileSync'], ['writeFile', 'writeFileSync'], ['appendFile', 'appendFileSync'],
  ['mkdir', 'mkdirSync'], ['readdir', 'readdirSync'], ['stat', 'statSync'], ['lstat', 'statSync'],
  ['unlink', 'unlinkSync'], ['rm', 'rmSync'], ['rmdir', 'rmdirSync'], ['rename', 'renameSync'],
  ['copyFile', 'copyFileSync'], ['access', 'accessSync'], ['mkdtemp', 'mkdtempSync'],
];

export const fsPromises: Record<string, unknown> = {};
export const fs: Record<string, unknown> = { ...sync, promises: fsPromises, constants: { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 } };
// Streams are a chunk of their own (shim/fs-streams.ts): loaded when code first makes one.
// (Described here, not imported: the chunk imports this module, and a type import back would be a cycle.)
interface FsStreams {
  createReadStream(path: unknown, options?: unknown): unknown;
  createWriteStream(path: unknown, options?: unknown): unknown;
  ReadStream: unknown;
  WriteStream: unknown;
}
const fsStreams = (): FsStreams => lazy<FsStreams>('fs-streams');
fs['createReadStream'] = (path: unknown, options?: unknown): unknown => fsStreams().createReadStream(path, options);
fs['createWriteStream'] = (path: unknown, options?: unknown): unknown => fsStreams().createWriteStream(path, options);
for (const name of ['ReadStream', 'WriteStream'] as const) Object.defineProperty(fs, name, { enumerable: true, configurable: true, get: () => fsStreams()[name] });
for (const [name, s] of ASYNC) {
  fsPromises[name] = promisified(s);
  fs[name] = callbackified(s);
}
fs['exists'] = (path: unknown, cb: (x: boolean) => void): void => {
  const r = sync.existsSync(path);
  void Promise.resolve().then(() => cb(r));
};
fsPromises['constants'] = fs['constants'];
