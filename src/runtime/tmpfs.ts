/**
 * An execution environment's `/tmp`: an in-memory tree on the host, so it outlives sandbox resets
 * (as Lambda's /tmp survives a runtime restart in the same environment) and is bounded by the
 * function's EphemeralStorage size. Errors carry Node's codes and messages.
 *
 * Every operation costs the host time in proportion to what the sandbox sent or asked for, never to
 * the size of the whole tree or file: the sandbox's CPU budget does not count time spent in host
 * callbacks (isolated-vm stops only the sandbox's own code), so an operation whose host cost grows
 * with the tree would let a handler spend the host's time for free (test/security). Hence the
 * directory index, appends that grow a file's buffer geometrically instead of copying it, and
 * Linux's limits on path and name lengths (`mkdir -p` of a deep path keys every prefix: quadratic
 * in the path's length without them).
 */
import type { PackageFiles } from './package-files.js';

const ERR = '\u0000ERR';

interface FileNode {
  dir: false;
  /** The file is `data.subarray(0, size)`; the rest is room for appends. */
  data: Uint8Array;
  size: number;
  mtimeMs: number;
  birthtimeMs: number;
}
interface DirNode {
  dir: true;
  mtimeMs: number;
  birthtimeMs: number;
}

const ERRNO: Record<string, [number, string]> = {
  ENOENT: [-2, 'no such file or directory'],
  EEXIST: [-17, 'file already exists'],
  ENOTDIR: [-20, 'not a directory'],
  EISDIR: [-21, 'illegal operation on a directory'],
  ENOTEMPTY: [-39, 'directory not empty'],
  EROFS: [-30, 'read-only file system'],
  ENOSPC: [-28, 'no space left on device'],
  EINVAL: [-22, 'invalid argument'],
  ENAMETOOLONG: [-36, 'file name too long'],
};

/** Linux's limits: a path of at most PATH_MAX - 1 bytes, a name of at most NAME_MAX. They also bound the host's work per call. */
const PATH_MAX = 4096;
const NAME_MAX = 255;

function tooLong(path: string): boolean {
  if (path.length >= PATH_MAX || Buffer.byteLength(path) >= PATH_MAX) return true;
  return path.split('/').some((name) => name.length > NAME_MAX && Buffer.byteLength(name) > NAME_MAX);
}

const SYSCALL: Record<string, string> = {
  readFile: 'open', writeFile: 'open', appendFile: 'open', exists: 'access', mkdir: 'mkdir', readdir: 'scandir',
  stat: 'stat', unlink: 'unlink', rm: 'rm', rmdir: 'rmdir', rename: 'rename',
};

class FsError {
  constructor(readonly code: string) {}
}

/**
 * Files and directories a /tmp holds at most: one per 16 KiB of its size, mkfs.ext4's default
 * bytes-per-inode ratio (32,768 for Lambda's default 512 MB). Past it, creating one is ENOSPC, as
 * on Linux when the inodes run out. An empty file costs no storage but does cost the host memory
 * (about 1 KB each here): 50,000 of them held 200 MB of host heap and counted for nothing.
 */
const BYTES_PER_INODE = 16_384;
/** Host memory one node is taken to cost besides its path (its entry in the index, its record). */
export const HOST_BYTES_PER_NODE = 1024;
/** ... and per character of its path, which the index holds twice (as key and as a sibling). */
const HOST_BYTES_PER_PATH_CHAR = 4;

export class TmpFs {
  readonly #nodes = new Map<string, FileNode | DirNode>();
  /** Directory path → the paths of its entries. */
  readonly #children = new Map<string, Set<string>>();
  #used = 0;
  readonly maxNodes: number;

  constructor(readonly capacityBytes: number, private readonly now: () => number, private readonly files?: PackageFiles) {
    this.maxNodes = Math.max(1024, Math.floor(capacityBytes / BYTES_PER_INODE));
    this.#put('/tmp', { dir: true, mtimeMs: now(), birthtimeMs: now() });
  }

  get usedBytes(): number {
    return this.#used;
  }

  /** Files and directories under /tmp. */
  get nodeCount(): number {
    return this.#nodes.size - 1;
  }

  /** What this /tmp holds of the host's memory: its bytes, and its nodes' bookkeeping. */
  get hostBytes(): number {
    return this.#used + this.#metaBytes;
  }
  /** Host memory of the nodes' bookkeeping: {@link HOST_BYTES_PER_NODE} each, plus their paths. */
  #metaBytes = 0;
  static #meta(path: string): number {
    return HOST_BYTES_PER_NODE + path.length * HOST_BYTES_PER_PATH_CHAR;
  }

  /** The host side of the shim's `host.fs(op, path, a, b)`. */
  op(op: string, rawPath: string, a: unknown, b: unknown): unknown {
    try {
      if (tooLong(rawPath) || (op === 'rename' && tooLong(String(a)))) throw new FsError('ENAMETOOLONG');
      return this.#run(op, normalise(rawPath), a, b);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      const [errno, text] = ERRNO[e.code] ?? [-1, 'error'];
      const syscall = SYSCALL[op] ?? op;
      const extra = op === 'rename' ? ` -> '${String(a)}'` : '';
      return ERR + JSON.stringify({ code: e.code, errno, syscall, path: rawPath, message: `${e.code}: ${text}, ${syscall} '${rawPath}'${extra}` });
    }
  }

  #run(op: string, path: string, a: unknown, b: unknown): unknown {
    switch (op) {
      case 'readFile': {
        const n = this.#nodes.get(path);
        if (n === undefined) {
          const bytes = this.#outside(path)?.read(path);
          if (bytes !== undefined) return bytes;
          if (this.#outside(path)?.stat(path)?.isDir === true) throw new FsError('EISDIR');
          throw new FsError('ENOENT');
        }
        if (n.dir) throw new FsError('EISDIR');
        return n.data.slice(0, n.size);
      }
      case 'writeFile':
      case 'appendFile': {
        this.#writable(path);
        const data = a instanceof Uint8Array ? a : new Uint8Array(0);
        this.#parentDir(path);
        const n = this.#nodes.get(path);
        if (n?.dir === true) throw new FsError('EISDIR');
        const oldSize = n?.size ?? 0;
        const size = op === 'appendFile' ? oldSize + data.length : data.length;
        if (this.#used - oldSize + size > this.capacityBytes) throw new FsError('ENOSPC');
        this.#used += size - oldSize;
        const now = this.now();
        if (op === 'appendFile' && n !== undefined) {
          n.data = room(n.data, n.size, size);
          n.data.set(data, n.size);
          n.size = size;
          n.mtimeMs = now;
        } else this.#put(path, { dir: false, data: data.slice(), size, mtimeMs: now, birthtimeMs: n?.birthtimeMs ?? now });
        return '';
      }
      case 'exists':
        return this.#nodes.has(path) || this.#outside(path)?.stat(path) !== undefined ? 'true' : 'false';
      case 'mkdir': {
        this.#writable(path);
        if (this.#nodes.has(path)) {
          if (a === true && this.#nodes.get(path)!.dir) return '';
          throw new FsError('EEXIST');
        }
        if (a === true) {
          const parts = path.split('/').filter(Boolean);
          let cur = '';
          let first = '';
          for (const p of parts) {
            cur += `/${p}`;
            const n = this.#nodes.get(cur);
            if (n === undefined) {
              if (!cur.startsWith('/tmp')) throw new FsError('EROFS');
              this.#put(cur, { dir: true, mtimeMs: this.now(), birthtimeMs: this.now() });
              if (first === '') first = cur;
            } else if (!n.dir) throw new FsError('ENOTDIR');
          }
          return first;
        }
        this.#parentDir(path);
        this.#put(path, { dir: true, mtimeMs: this.now(), birthtimeMs: this.now() });
        return '';
      }
      case 'readdir': {
        const n = this.#nodes.get(path);
        if (n === undefined) {
          const listed = this.#outside(path)?.list(path);
          if (listed !== undefined) return JSON.stringify(listed);
          if (this.#outside(path)?.stat(path) !== undefined) throw new FsError('ENOTDIR');
          throw new FsError('ENOENT');
        }
        if (!n.dir) throw new FsError('ENOTDIR');
        const names = [...(this.#children.get(path) ?? [])].sort();
        return JSON.stringify(names.map((c) => [c.slice(path.length + 1), this.#nodes.get(c)!.dir]));
      }
      case 'stat': {
        const n = this.#nodes.get(path);
        if (n === undefined) {
          const st = this.#outside(path)?.stat(path);
          if (st === undefined) throw new FsError('ENOENT');
          return JSON.stringify({ size: st.size, isDir: st.isDir, mtimeMs: 0, birthtimeMs: 0 });
        }
        return JSON.stringify({ size: n.dir ? 4096 : n.size, isDir: n.dir, mtimeMs: n.mtimeMs, birthtimeMs: n.birthtimeMs });
      }
      case 'unlink': {
        this.#writable(path);
        const n = this.#nodes.get(path);
        if (n === undefined) throw new FsError('ENOENT');
        if (n.dir) throw new FsError('EISDIR');
        this.#remove(path);
        return '';
      }
      case 'rm':
      case 'rmdir': {
        this.#writable(path);
        const n = this.#nodes.get(path);
        if (n === undefined) {
          if (op === 'rm' && b === true) return '';
          throw new FsError('ENOENT');
        }
        if (n.dir) {
          if (path === '/tmp') throw new FsError('EROFS');
          const empty = (this.#children.get(path)?.size ?? 0) === 0;
          if (!empty && a !== true) throw new FsError(op === 'rm' ? 'EISDIR' : 'ENOTEMPTY');
          if (op === 'rm' && a !== true) throw new FsError('EISDIR');
          for (const k of this.#descendants(path).reverse()) this.#remove(k);
        } else if (op === 'rmdir') throw new FsError('ENOTDIR');
        this.#remove(path);
        return '';
      }
      case 'rename': {
        const to = normalise(String(a));
        this.#writable(path);
        this.#writable(to);
        const n = this.#nodes.get(path);
        if (n === undefined) throw new FsError('ENOENT');
        if (to === path) return '';
        if (n.dir && to.startsWith(`${path}/`)) throw new FsError('EINVAL'); // into its own subtree
        this.#parentDir(to);
        const target = this.#nodes.get(to);
        if (target !== undefined) {
          // POSIX rename replaces the target: a file by a file, an empty directory by a directory.
          if (target.dir && !n.dir) throw new FsError('EISDIR');
          if (!target.dir && n.dir) throw new FsError('ENOTDIR');
          if (target.dir && (this.#children.get(to)?.size ?? 0) > 0) throw new FsError('ENOTEMPTY');
          this.#remove(to);
        }
        // Parents before children: each node's new parent exists when it is put.
        const moved = [path, ...this.#descendants(path)].map((p) => [p, this.#nodes.get(p)!] as const);
        for (let i = moved.length - 1; i >= 0; i--) this.#delete(moved[i]![0]);
        for (const [p, node] of moved) this.#put(to + p.slice(path.length), node);
        return '';
      }
      default:
        throw new Error(`lambda-sim: unknown fs operation ${op}`);
    }
  }

  /**
   * The package's files (read-only: see package-files.ts), for a path this /tmp does not hold. A
   * Code.Path directory that lies under the host's /tmp (a CI checkout) is readable at its own path
   * too; what the handler writes to /tmp shadows it.
   */
  #outside(path: string): PackageFiles | undefined {
    return path === '/tmp' ? undefined : this.files;
  }

  #writable(path: string): void {
    if (path !== '/tmp' && !path.startsWith('/tmp/')) throw new FsError(this.#nodes.has(path) ? 'EROFS' : path.startsWith('/tmp') ? 'ENOENT' : 'EROFS');
  }

  #parentDir(path: string): void {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    const p = this.#nodes.get(parent);
    // A package directory (read-only) under the host's /tmp: writing into it is EROFS, as elsewhere.
    if (p === undefined) throw new FsError(this.#outside(parent)?.stat(parent)?.isDir === true ? 'EROFS' : 'ENOENT');
    if (!p.dir) throw new FsError('ENOTDIR');
  }

  /** Everything under `path`, parents before their children (no recursion: a tree can be deep). */
  #descendants(path: string): string[] {
    const out: string[] = [];
    for (let i = -1; i < out.length; i++) for (const c of this.#children.get(i < 0 ? path : out[i]!) ?? []) out.push(c);
    return out;
  }

  #put(path: string, node: FileNode | DirNode): void {
    if (!this.#nodes.has(path) && path !== '/tmp') {
      if (this.#nodes.size > this.maxNodes) throw new FsError('ENOSPC');
      this.#metaBytes += TmpFs.#meta(path);
      const parent = path.slice(0, path.lastIndexOf('/')) || '/';
      let siblings = this.#children.get(parent);
      if (siblings === undefined) this.#children.set(parent, (siblings = new Set()));
      siblings.add(path);
    }
    this.#nodes.set(path, node);
  }

  #delete(path: string): void {
    if (this.#nodes.delete(path) && path !== '/tmp') this.#metaBytes -= TmpFs.#meta(path);
    this.#children.delete(path);
    this.#children.get(path.slice(0, path.lastIndexOf('/')) || '/')?.delete(path);
  }

  #remove(path: string): void {
    const n = this.#nodes.get(path);
    if (n !== undefined && !n.dir) this.#used -= n.size;
    this.#delete(path);
  }
}

/**
 * `data` with room for `size` bytes, its first `used` kept: grown geometrically, so appends cost
 * amortised O(1) a byte, and a file holds at most twice its size of the host's memory.
 */
function room(data: Uint8Array, used: number, size: number): Uint8Array {
  if (size <= data.length) return data;
  const grown = new Uint8Array(Math.max(size, data.length * 2));
  grown.set(data.subarray(0, used));
  return grown;
}

function normalise(p: string): string {
  const parts: string[] = [];
  // Relative paths resolve against the working directory, /var/task (read-only).
  for (const seg of (p.startsWith('/') ? p : `/var/task/${p}`).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}
