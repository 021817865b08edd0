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
 * `/` makes esbuild walk the whole file system before it loads the first match, so each package
 * file with a dynamic import is first printed by esbuild with its syntax minified (comments,
 * parentheses, escapes and constant templates folded away) and scanned for such imports, which are
 * refused without the walk; what the scan misses is refused at the first match. Bundling also has
 * a budget: real time, bytes and files read.
 *
 * esbuild cannot cancel a running build; only stopping its service ends one. A `ZipFile` package
 * (it may come from anybody: over HTTP, from a handler) is built by a service of its own, so
 * stopping it stops nobody else's build. Source and Path packages, which only in-process code can
 * give, share the process's service: a build another package's guard interrupted runs again.
 */
import { createRequire } from 'node:module';
import { realpathSync, statSync, readFileSync } from 'node:fs';
import { dirname, extname, join, parse, resolve, sep } from 'node:path';
import * as sharedEsbuild from 'esbuild';
import type { BuildOptions, BuildResult, Plugin, SameShape } from 'esbuild';
import { HostLimitExceededError, InvalidParameterValueException } from '../errors.js';
import { hostTimeout } from '../kernel/host-time.js';
import { MAX_UNZIPPED_BYTES } from './package-zip.js';

type Esbuild = typeof sharedEsbuild;
const require = createRequire(import.meta.url);

/**
 * A second copy of esbuild's JavaScript API, with a service (child process) of its own: the
 * module keeps its service in module state, so a fresh module instance is a fresh service (about
 * 13 ms to start here). The process's module cache is left as it was.
 */
function privateEsbuild(): Esbuild {
  const path = require.resolve('esbuild');
  const cached = require.cache[path];
  delete require.cache[path];
  try {
    return require(path) as Esbuild;
  } finally {
    if (cached !== undefined) require.cache[path] = cached;
    else delete require.cache[path];
  }
}

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

const LOADERS: Readonly<Record<string, 'js' | 'jsx' | 'ts' | 'tsx'>> = {
  '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx', '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx',
};
/** A call whose argument is not one plain string literal: the files worth printing before the scan. */
const DYNAMIC_CALL = /\b(?:import|require)\s*\((?!\s*(['"])[^'"\n]*\1\s*[,)])/;
/**
 * The literal start of an `import(` / `require(` argument that esbuild turns into a glob, in code
 * esbuild printed: a template literal up to its first `${`, or a quoted string followed by `+`
 * (esbuild keeps comments inside `import()`, where bundlers read magic comments).
 */
const GLOB_IMPORT = /\b(?:import|require)\(\s*(?:\/\*[^]*?\*\/\s*)*(?:`([^`$]*)\$\{|(['"])([^'"\n]*)\2 ?\+)/g;

/**
 * Builds running on the shared service, each with the way to interrupt it. `stop()` kills the
 * service but leaves the promises of its running builds pending for good: they are rejected here.
 */
const running = new Set<(error: Error) => void>();

/** What an interrupted build is rejected with: another package's guard stopped the service, run it again. */
const SERVICE_STOPPED = Symbol('the shared esbuild service was stopped');

function stopSharedService(): void {
  const interrupted = [...running];
  running.clear();
  void sharedEsbuild.stop();
  for (const interrupt of interrupted) interrupt(SERVICE_STOPPED as unknown as Error);
}

/** Times a build on the shared service is run again after an interruption. */
const MAX_INTERRUPTIONS = 5;

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

  /** The service this package is built by: its own for a ZIP (see the file's comment). */
  readonly #esbuild: Esbuild;
  readonly #private: boolean;

  constructor(kind: PackageKind, root: string, budget: BundleBudget, display: (file: string) => string) {
    this.#kind = kind;
    this.#private = kind === 'zip';
    this.#esbuild = this.#private ? privateEsbuild() : sharedEsbuild;
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
    this.#interrupt?.(error);
    if (this.#private) void this.#esbuild.stop();
    else stopSharedService();
  }

  /** Rejects the build running now (its own promise stays pending once its service is stopped). */
  #interrupt: ((error: Error) => void) | undefined;

  get violation(): Error | undefined {
    return this.#violation;
  }

  /** Checks a file esbuild is about to load; an error text when it may not. */
  async check(path: string): Promise<string | undefined> {
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
    } else {
      const loader = LOADERS[extname(path)];
      if (loader !== undefined) await this.#scan(path, loader);
    }
    return this.violation?.message;
  }

  /**
   * Refuses a glob import whose literal directory lies outside where matches may be, before
   * esbuild walks it. The file is printed by esbuild first (syntax minified), so a comment, a
   * parenthesis, an escape or a constant `${'.'}` in the argument does not hide the path.
   */
  async #scan(path: string, loader: 'js' | 'jsx' | 'ts' | 'tsx'): Promise<void> {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return;
    }
    if (!DYNAMIC_CALL.test(text)) return;
    let printed: string;
    try {
      printed = (await this.#esbuild.transform(text, { loader, minifySyntax: true, legalComments: 'none', logLevel: 'silent' })).code;
    } catch {
      return; // a syntax error: esbuild reports it, and globs nothing
    }
    GLOB_IMPORT.lastIndex = 0;
    for (let m = GLOB_IMPORT.exec(printed); m !== null; m = GLOB_IMPORT.exec(printed)) {
      const prefix = m[1] ?? m[3] ?? '';
      if (!prefix.startsWith('./') && !prefix.startsWith('../') && !prefix.startsWith('/')) continue;
      const dir = resolve(dirname(path), prefix.slice(0, prefix.lastIndexOf('/') + 1));
      if (!this.#inside(dir) && !this.#inside(dir + sep)) {
        this.fail(outside(`${dir.endsWith(sep) ? dir : dir + sep} (the dynamic import ${JSON.stringify(m[0])} in ${this.#display(path)})`));
        return;
      }
    }
  }

  /** The plugin that checks every file esbuild loads. */
  plugin(): Plugin {
    return {
      name: 'lambda-sim-guard',
      setup: (b) => {
        b.onLoad({ filter: /.*/, namespace: 'file' }, async (args) => {
          const refused = await this.check(args.path);
          return refused === undefined ? undefined : { errors: [{ text: refused }] };
        });
      },
    };
  }

  /** Runs one build under the budget; a violation is thrown as its typed error. */
  async build<O extends BuildOptions>(options: SameShape<BuildOptions, O>): Promise<BuildResult<O>> {
    for (let attempt = 0; ; attempt++) {
      const interrupted = new Promise<never>((_, reject) => {
        this.#interrupt = reject;
      });
      if (!this.#private) running.add(this.#interrupt!);
      const timer = hostTimeout(this.#budget.timeoutMs, () =>
        this.fail(new HostLimitExceededError(`lambda-sim stopped bundling the handler code after ${this.#budget.timeoutMs} ms of real time (its budget)`)),
      );
      try {
        return await Promise.race([this.#esbuild.build(options), interrupted]);
      } catch (error) {
        if (this.#violation !== undefined) throw this.#violation;
        if ((error as unknown) !== SERVICE_STOPPED) throw error;
        if (attempt >= MAX_INTERRUPTIONS) {
          throw new HostLimitExceededError(`lambda-sim's bundling of the handler code was interrupted ${attempt + 1} times by other packages that broke their own budget; try again`);
        }
      } finally {
        running.delete(this.#interrupt!);
        this.#interrupt = undefined;
        timer.cancel();
      }
    }
  }

  /** The build is over: a package's own service goes with it. */
  async close(): Promise<void> {
    if (this.#private) await this.#esbuild.stop();
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
