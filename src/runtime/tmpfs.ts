/**
 * An execution environment's `/tmp`: an in-memory tree on the host, so it outlives sandbox resets
 * (as Lambda's /tmp survives a runtime restart in the same environment) and is bounded by the
 * function's EphemeralStorage size. Errors carry Node's codes and messages.
 */
const ERR = '\u0000ERR';

interface FileNode {
  dir: false;
  data: Uint8Array;
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
};

const SYSCALL: Record<string, string> = {
  readFile: 'open', writeFile: 'open', appendFile: 'open', exists: 'access', mkdir: 'mkdir', readdir: 'scandir',
  stat: 'stat', unlink: 'unlink', rm: 'rm', rmdir: 'rmdir', rename: 'rename',
};

class FsError {
  constructor(readonly code: string) {}
}

export class TmpFs {
  readonly #nodes = new Map<string, FileNode | DirNode>();
  #used = 0;

  constructor(readonly capacityBytes: number, private readonly now: () => number) {
    this.#nodes.set('/tmp', { dir: true, mtimeMs: now(), birthtimeMs: now() });
  }

  get usedBytes(): number {
    return this.#used;
  }

  /** The host side of the shim's `host.fs(op, path, a, b)`. */
  op(op: string, rawPath: string, a: unknown, b: unknown): unknown {
    const path = normalise(rawPath);
    try {
      return this.#run(op, path, a, b);
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
        if (n === undefined) throw new FsError('ENOENT');
        if (n.dir) throw new FsError('EISDIR');
        return n.data.slice();
      }
      case 'writeFile':
      case 'appendFile': {
        this.#writable(path);
        const data = a instanceof Uint8Array ? a : new Uint8Array(0);
        this.#parentDir(path);
        const n = this.#nodes.get(path);
        if (n?.dir === true) throw new FsError('EISDIR');
        const old = n?.data ?? new Uint8Array(0);
        const next = op === 'appendFile' ? concat(old, data) : data.slice();
        if (this.#used - old.length + next.length > this.capacityBytes) throw new FsError('ENOSPC');
        this.#used += next.length - old.length;
        this.#nodes.set(path, { dir: false, data: next, mtimeMs: this.now(), birthtimeMs: n?.birthtimeMs ?? this.now() });
        return '';
      }
      case 'exists':
        return this.#nodes.has(path) ? 'true' : 'false';
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
              this.#nodes.set(cur, { dir: true, mtimeMs: this.now(), birthtimeMs: this.now() });
              if (first === '') first = cur;
            } else if (!n.dir) throw new FsError('ENOTDIR');
          }
          return first;
        }
        this.#parentDir(path);
        this.#nodes.set(path, { dir: true, mtimeMs: this.now(), birthtimeMs: this.now() });
        return '';
      }
      case 'readdir': {
        const n = this.#nodes.get(path);
        if (n === undefined) throw new FsError('ENOENT');
        if (!n.dir) throw new FsError('ENOTDIR');
        return JSON.stringify(this.#children(path).map((c) => [c.slice(path.length + 1), this.#nodes.get(c)!.dir]));
      }
      case 'stat': {
        const n = this.#nodes.get(path);
        if (n === undefined) throw new FsError('ENOENT');
        return JSON.stringify({ size: n.dir ? 4096 : n.data.length, isDir: n.dir, mtimeMs: n.mtimeMs, birthtimeMs: n.birthtimeMs });
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
          const kids = this.#descendants(path);
          if (kids.length > 0 && a !== true) throw new FsError(op === 'rm' ? 'EISDIR' : 'ENOTEMPTY');
          if (op === 'rm' && a !== true) throw new FsError('EISDIR');
          for (const k of kids) this.#remove(k);
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
          if (target.dir && this.#descendants(to).length > 0) throw new FsError('ENOTEMPTY');
          this.#remove(to);
        }
        const moved = [path, ...this.#descendants(path)];
        for (const p of moved) {
          const node = this.#nodes.get(p)!;
          this.#nodes.delete(p);
          this.#nodes.set(to + p.slice(path.length), node);
        }
        return '';
      }
      default:
        throw new Error(`lambda-sim: unknown fs operation ${op}`);
    }
  }

  #writable(path: string): void {
    if (path !== '/tmp' && !path.startsWith('/tmp/')) throw new FsError(this.#nodes.has(path) ? 'EROFS' : path.startsWith('/tmp') ? 'ENOENT' : 'EROFS');
  }

  #parentDir(path: string): void {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    const p = this.#nodes.get(parent);
    if (p === undefined) throw new FsError('ENOENT');
    if (!p.dir) throw new FsError('ENOTDIR');
  }

  #children(path: string): string[] {
    const prefix = `${path}/`;
    return [...this.#nodes.keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).sort();
  }

  #descendants(path: string): string[] {
    const prefix = `${path}/`;
    return [...this.#nodes.keys()].filter((k) => k.startsWith(prefix));
  }

  #remove(path: string): void {
    const n = this.#nodes.get(path);
    if (n !== undefined && !n.dir) this.#used -= n.data.length;
    this.#nodes.delete(path);
  }
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

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
