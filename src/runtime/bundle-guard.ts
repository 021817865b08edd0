/**
 * What esbuild may read for a deployment package, and for how long.
 *
 * esbuild expands a template-literal or concatenated `import()` / `require()` (``import(`./x/${n}`)``,
 * `require('./x/' + n)`) into a glob over the file system and bundles every match, without asking
 * a plugin's `onResolve`: resolution checks alone never see those files. So every file esbuild
 * *loads* passes through {@link BundleGuard.check}:
 *
 * - a `ZipFile` or `Source` package reads only its own files (its directory, `node_modules` inside);
 * - a `Path` package is the developer's own code: files its static imports name may lie anywhere
 *   (a monorepo's shared code), but what a glob matches must lie in the package's directory or a
 *   `node_modules` directory its resolution could reach (the directory's and its ancestors').
 *
 * A file outside ends the build at once (InvalidParameterValueException naming it). A glob over
 * `/` makes esbuild walk the whole file system before it loads the first match, so the source of
 * each package file is also scanned for the plain forms of such imports before esbuild parses it
 * (refused without the walk); what the scan misses is refused at the first match. Bundling also has
 * a budget: real time, bytes and files read. Past it, or at a violation, the esbuild service is
 * stopped (the only way to interrupt a running build); builds of other packages it interrupted are
 * run again.
 */
import { realpathSync, statSync, readFileSync } from 'node:fs';
import { dirname, extname, join, parse, resolve, sep } from 'node:path';
import { build, stop, type BuildOptions, type BuildResult, type Plugin, type SameShape } from 'esbuild';
import { HostLimitExceededError, InvalidParameterValueException } from '../errors.js';
import { hostTimeout } from '../kernel/host-time.js';
import { MAX_UNZIPPED_BYTES } from './package-zip.js';

export interface BundleBudget {
  /** Real milliseconds one package's bundling may take. Default 30 000. */
  timeoutMs: number;
  /** Bytes of files esbuild may read for one package. Default: Lambda's unzipped limit, 262 144 000. */
  maxInputBytes: number;
  /** Files esbuild may read for one package. Default 100 000. */
  maxInputFiles: number;
}

export const DEFAULT_BUNDLE_BUDGET: BundleBudget = { timeoutMs: 30_000, maxInputBytes: MAX_UNZIPPED_BYTES, maxInputFiles: 100_000 };

/** The budget with its unset parts (absent or undefined) at their defaults. */
export function bundleBudget(given: Partial<BundleBudget> | undefined): BundleBudget {
  const out = { ...DEFAULT_BUNDLE_BUDGET };
  for (const key of Object.keys(out) as Array<keyof BundleBudget>) {
    const v = given?.[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export type PackageKind = 'zip' | 'source' | 'path';

const SCANNED = new Set(['.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx']);
/**
 * The literal start of an `import(` / `require(` argument that esbuild turns into a glob: a
 * template literal up to its first `${`, or a quoted string followed by `+`.
 */
const GLOB_IMPORT = /\b(?:import|require)\s*\(\s*(?:`([^`$]*)\$\{|(['"])([^'"\n]*)\2\s*\+)/g;

/**
 * Builds running now, each with the way to interrupt it. esbuild's `stop()` kills its service, but
 * leaves the promises of the builds that were running pending for good: they are rejected here.
 */
const running = new Set<(error: Error) => void>();

/** What an interrupted build is rejected with: another package's guard stopped the service, run it again. */
const SERVICE_STOPPED = new Error('lambda-sim stopped the esbuild service');

function stopService(): void {
  const interrupted = [...running];
  running.clear();
  void stop();
  for (const interrupt of interrupted) interrupt(SERVICE_STOPPED);
}

export class BundleGuard {
  readonly #kind: PackageKind;
  /** Where every file (zip, source) or every glob match (path) must lie. */
  readonly #roots: string[];
  readonly #budget: BundleBudget;
  readonly #display: (file: string) => string;
  /** Files a static import resolved to (a Path package's may lie anywhere). */
  readonly named = new Set<string>();
  #bytes = 0;
  #files = 0;
  #violation: Error | undefined;

  constructor(kind: PackageKind, root: string, budget: BundleBudget, display: (file: string) => string) {
    this.#kind = kind;
    this.#budget = budget;
    this.#display = display;
    const roots = new Set([root, safeRealpath(root)]);
    if (kind === 'path') {
      // node_modules directories Node's resolution looks in from the package's directory.
      for (let dir = root; ; dir = dirname(dir)) {
        roots.add(join(dir, 'node_modules'));
        roots.add(join(safeRealpath(dir), 'node_modules'));
        if (dir === parse(dir).root) break;
      }
    }
    this.#roots = [...roots];
  }

  /** A new build of the package starts: the budget's byte and file counts start again. */
  begin(): void {
    this.#bytes = 0;
    this.#files = 0;
  }

  /** The package's own files: where its statically resolved imports may lie (zip, source). */
  confines(path: string): boolean {
    return this.#kind === 'path' || this.#inside(path);
  }

  #inside(path: string): boolean {
    return this.#roots.some((dir) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep));
  }

  /** Records the first violation and stops the build it happened in. */
  fail(error: Error): void {
    if (this.#violation !== undefined) return;
    this.#violation = error;
    stopService();
  }

  get violation(): Error | undefined {
    return this.#violation;
  }

  /** Checks a file esbuild is about to load; an error text when it may not. */
  check(path: string): string | undefined {
    if (this.#violation !== undefined) return this.#violation.message;
    if (!this.#inside(path) && !(this.#kind === 'path' && this.named.has(path))) {
      this.fail(outside(this.#display(path)));
      return this.violation?.message;
    }
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      return undefined; // esbuild reports the missing file itself
    }
    this.#bytes += size;
    this.#files++;
    if (this.#bytes > this.#budget.maxInputBytes) {
      this.fail(new InvalidParameterValueException(`The handler code reads more than ${this.#budget.maxInputBytes} bytes of files when bundled (Lambda's unzipped size limit); the last was ${this.#display(path)}`));
    } else if (this.#files > this.#budget.maxInputFiles) {
      this.fail(new HostLimitExceededError(`lambda-sim bundles at most ${this.#budget.maxInputFiles} files for one function; the handler code reads more (the last was ${this.#display(path)})`));
    } else if (SCANNED.has(extname(path))) this.#scan(path, size);
    return this.violation?.message;
  }

  /** Refuses a glob import whose literal directory lies outside where matches may be, before esbuild walks it. */
  #scan(path: string, size: number): void {
    if (size > 16 * 1048576) return; // generated bundles: the per-file check still holds
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return;
    }
    if (!text.includes('import') && !text.includes('require')) return;
    GLOB_IMPORT.lastIndex = 0;
    for (let m = GLOB_IMPORT.exec(text); m !== null; m = GLOB_IMPORT.exec(text)) {
      const prefix = m[1] ?? m[3] ?? '';
      if (!prefix.startsWith('./') && !prefix.startsWith('../') && !prefix.startsWith('/')) continue;
      const dir = resolve(dirname(path), prefix.slice(0, prefix.lastIndexOf('/') + 1));
      if (!this.#inside(dir) && !this.#inside(dir + sep)) {
        this.fail(outside(`${dir}${sep} (the dynamic import ${JSON.stringify(m[0])} in ${this.#display(path)})`));
        return;
      }
    }
  }

  /** The plugin that checks every file esbuild loads. */
  plugin(): Plugin {
    return {
      name: 'lambda-sim-guard',
      setup: (b) => {
        b.onLoad({ filter: /.*/, namespace: 'file' }, (args) => {
          const refused = this.check(args.path);
          return refused === undefined ? undefined : { errors: [{ text: refused }] };
        });
      },
    };
  }

  /** Runs one build under the budget; a violation is thrown as its typed error. */
  async build<O extends BuildOptions>(options: SameShape<BuildOptions, O>): Promise<BuildResult<O>> {
    for (let attempt = 0; ; attempt++) {
      let interrupt: (error: Error) => void = () => {};
      const interrupted = new Promise<never>((_, reject) => {
        interrupt = reject;
      });
      running.add(interrupt);
      const timer = hostTimeout(this.#budget.timeoutMs, () =>
        this.fail(new HostLimitExceededError(`lambda-sim stopped bundling the handler code after ${this.#budget.timeoutMs} ms of real time (its budget)`)),
      );
      try {
        return await Promise.race([build(options), interrupted]);
      } catch (error) {
        if (this.#violation !== undefined) throw this.#violation;
        if (error === SERVICE_STOPPED && attempt < 5) continue;
        throw error;
      } finally {
        running.delete(interrupt);
        timer.cancel();
      }
    }
  }
}

function outside(what: string): InvalidParameterValueException {
  return new InvalidParameterValueException(
    `The handler code makes the bundler read ${what}, outside its deployment package. A template-literal or concatenated import() / require() ` +
      'is expanded into every file its fixed part can match: keep that part inside the package (e.g. `./locales/${name}.json`).',
  );
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
