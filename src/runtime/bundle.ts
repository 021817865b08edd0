/**
 * Turns a function's `Code` into one ES module for the sandbox, with esbuild: TypeScript, ESM or
 * CommonJS, relative imports and `node_modules`, top-level await, an external source map so stack
 * traces name the user's files and lines.
 *
 * Create-time errors (InvalidParameterValueException): a missing `Path`, a corrupt or oversized
 * ZIP, a glob import reaching outside the package (see bundle-guard.ts). Every Node built-in
 * resolves (see shim/unsupported.ts): none is refused at create time.
 * Failures Lambda reports at init instead (a handler module that does not exist, a syntax error, an
 * unresolvable package) are returned as a deferred `initError`, so they surface as
 * `Runtime.ImportModuleError` / `Runtime.UserCodeSyntaxError` on invoke, as on Lambda.
 */
import type { ModelSpec } from './model-spec.js';
import { existsSync, realpathSync, mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { build, type BuildFailure, type Message, type Plugin } from 'esbuild';
import { InvalidParameterValueException } from '../errors.js';
import { BundleGuard, bundleBudget, type BundleBudget, type PackageKind } from './bundle-guard.js';
import { extractZip, readZip } from './package-zip.js';
import { packageTsconfig } from './package-tsconfig.js';
import { BUILTIN_FILTER, builtinName } from './builtins.js';
import { builtinShape } from './builtin-shapes.js';
import { parseHandlerName } from './handler-name.js';
import type { Ivm } from './isolated-vm.js';

export { BUNDLE_FILENAME } from './sandbox-contract.js';
import { BUNDLE_FILENAME } from './sandbox-contract.js';
export { TASK_ROOT } from './package-files.js';
import { directoryFiles, TASK_ROOT, zipFiles, type PackageFiles } from './package-files.js';

/** Source, Path and Model are lambda-sim's own (in-process) code sources; ZipFile is the API's. */
export type FunctionCode = { Source: string } | { Path: string } | { ZipFile: Uint8Array } | { Model: ModelSpec };

export interface InitFailure {
  errorType: string;
  errorMessage: string;
}

export interface HandlerBundle {
  readonly code: string;
  readonly exportPath: string;
  /** An init failure Lambda would report on invoke (the code is not run). */
  readonly initError: InitFailure | undefined;
  /** Size of the deployment package in bytes (CodeSize). */
  readonly codeSize: number;
  /** Runtime-provided AWS SDK packages the code imports (served by the host). */
  readonly sdkPackages: readonly string[];
  /** Maps a position in the bundle to the user's file, line and column. */
  mapPosition(line: number, column: number): [string, number, number] | undefined;
  /** A modelled function: no code runs (see model.ts). */
  readonly model?: ModelSpec;
  /** The package's files as the sandbox reads them (read-only, at /var/task; see package-files.ts). */
  readonly files?: PackageFiles;
}

const EXTENSIONS = ['', '.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

/**
 * The Handler for `Code: { Path }`: for a directory, `handler` is the full Handler (default
 * `index.handler`); for a file, the export to call in it (default `handler`), e.g. `hello.handler`.
 */
export function handlerForPath(path: string, isDirectory: boolean, handler?: string): string {
  return isDirectory ? (handler ?? 'index.handler') : `${basename(path, extname(path))}.${handler ?? 'handler'}`;
}

/** The "bundle" of a modelled function: nothing to run, the model to follow. */
export function modelBundle(model: ModelSpec): HandlerBundle {
  const text = JSON.stringify(model);
  return { code: text, exportPath: 'handler', initError: undefined, codeSize: Buffer.byteLength(text), sdkPackages: [], mapPosition: () => undefined, model };
}

function failed(initError: InitFailure, exportPath = 'handler', codeSize = 0): HandlerBundle {
  return { code: '', exportPath, initError, codeSize, sdkPackages: [], mapPosition: () => undefined };
}

function importModuleError(module: string, requireStack: string): InitFailure {
  return {
    errorType: 'Runtime.ImportModuleError',
    errorMessage: `Error: Cannot find module '${module}'\nRequire stack:\n- ${requireStack}`,
  };
}

export interface BundleOptions {
  ivm: Ivm;
  nodeMajor: number;
  cwd?: string;
  /** Names of host modules: imports of them are served by the host (see host-objects.ts). */
  hostModules?: ReadonlySet<string>;
  /** Real time, bytes and files one package's bundling may take (see bundle-guard.ts). */
  budget?: Partial<BundleBudget>;
}

/** AWS SDK v3 packages Lambda's Node.js runtime provides (served by the host, see src/control/aws-sdk.ts). */
export const SDK_FILTER = /^@aws-sdk\/(client-[a-z0-9-]+|lib-dynamodb|lib-storage|s3-request-presigner)$/;

interface Entry {
  /** What the package is: a ZIP's own node_modules/@aws-sdk copies win over the runtime's. */
  kind: PackageKind;
  /** The package's directory: what esbuild may read is confined to it (see bundle-guard.ts). */
  root: string;
  file: string;
  /** Directory whose files appear under /var/task (Zip, directory Path), for naming in traces. */
  taskRoot: string | undefined;
  /** What the sandbox may read of the package. */
  files: PackageFiles | undefined;
}

export async function bundleCode(
  code: FunctionCode,
  handler: string,
  options: BundleOptions,
): Promise<HandlerBundle> {
  const parsed = parseHandlerName(handler);
  const cwd = options.cwd ?? process.cwd();
  if ('Source' in code) {
    if (typeof code.Source !== 'string') throw new InvalidParameterValueException(`Code.Source must be a string of module text, got ${typeof code.Source}`);
    if (!parsed.ok) return failed(parsed);
    const { dir, root } = packageDir('lambda-sim-src-');
    try {
      const name = `${parsed.moduleRoot === '' ? '' : `${parsed.moduleRoot}/`}${parsed.module}.js`;
      const file = join(root, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, code.Source);
      return await bundleEntry({ kind: 'source', root, file, taskRoot: root, files: undefined }, parsed.exportPath, Buffer.byteLength(code.Source), options);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if ('ZipFile' in code) {
    const bytes = code.ZipFile;
    if (!(bytes instanceof Uint8Array)) throw new InvalidParameterValueException(`Code.ZipFile must be a Uint8Array of ZIP bytes, got ${typeof bytes}`);
    // The archive is checked first, from its central directory, before anything is inflated or written.
    const entries = readZip(bytes);
    if (!parsed.ok) return failed(parsed);
    const { dir, root } = packageDir('lambda-sim-zip-');
    try {
      extractZip(bytes, entries, root);
      const file = findModule(join(root, parsed.moduleRoot), parsed.module);
      if (file === undefined) return failed(importModuleError(parsed.module, '/var/runtime/index.mjs'), parsed.exportPath, bytes.length);
      return await bundleEntry({ kind: 'zip', root, file, taskRoot: root, files: zipFiles(bytes, entries) }, parsed.exportPath, bytes.length, options);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if ('Path' in code) {
    if (typeof code.Path !== 'string' || code.Path === '') throw new InvalidParameterValueException(`Code.Path must be a file or directory path, got '${String(code.Path)}'`);
    const path = resolve(cwd, code.Path);
    if (!existsSync(path)) throw new InvalidParameterValueException(`Code.Path '${code.Path}' does not exist (resolved to ${path})`);
    if (statSync(path).isDirectory()) {
      if (!parsed.ok) return failed(parsed);
      const file = findModule(join(path, parsed.moduleRoot), parsed.module);
      if (file === undefined) return failed(importModuleError(parsed.module, '/var/runtime/index.mjs'), parsed.exportPath);
      return bundleEntry({ kind: 'path', root: path, file, taskRoot: undefined, files: directoryFiles(path) }, parsed.exportPath, statSync(file).size, options);
    }
    // A file: the handler's export part names the export.
    const exportPath = parsed.ok ? parsed.exportPath : handler.includes('.') ? handler.slice(handler.indexOf('.') + 1) : handler;
    if (!parsed.ok && parsed.errorMessage !== 'Bad handler') return failed(parsed);
    return bundleEntry({ kind: 'path', root: dirname(path), file: path, taskRoot: undefined, files: directoryFiles(dirname(path), { hideDotfiles: true }) }, exportPath, statSync(path).size, options);
  }
  throw new InvalidParameterValueException('Code must have exactly one of Source, Path or ZipFile');
}

/**
 * A private directory (mkdtemp: 0700) for a ZipFile or Source package: the package goes in `task/`,
 * beside an empty package.json, so esbuild's search for the package scope (`type`, `imports`,
 * `sideEffects`) stops there instead of reaching a package.json someone planted in the shared
 * temporary directory. (tsconfig lookup is off for these packages: see package-tsconfig.ts.)
 */
function packageDir(prefix: string): { dir: string; root: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'package.json'), '{}');
  const root = join(dir, 'task');
  mkdirSync(root);
  return { dir, root };
}

function findModule(dir: string, module: string): string | undefined {
  for (const ext of EXTENSIONS) {
    const f = join(dir, module + ext);
    if (existsSync(f) && statSync(f).isFile()) return f;
  }
  return undefined;
}

/** Whether a package.json between `file` and the package root (inclusive) scopes it. */
function scopedInside(file: string, root: string): boolean {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return true;
    if (dir === root || dirname(dir) === dir || !dir.startsWith(root)) return false;
  }
}

function displayName(file: string, entry: Entry): string {
  if (entry.taskRoot !== undefined) {
    const rel = relative(entry.taskRoot, file).split(sep).join('/');
    return rel === '' ? TASK_ROOT : `${TASK_ROOT}/${rel}`;
  }
  return file;
}

async function bundleEntry(entry: Entry, exportPath: string, codeSize: number, options: BundleOptions): Promise<HandlerBundle> {
  const sdkPackages = new Set<string>();
  const missing = new Set<string>();
  const outdir = dirname(entry.file);
  const outfile = join(outdir, '__lambda_sim_bundle.mjs');

  const guard = new BundleGuard(entry.kind, entry.root, bundleBudget(options.budget), (file) => displayName(file, entry));
  const plugin: Plugin = {
    name: 'lambda-sim',
    setup(b) {
      const hostModules = options.hostModules ?? new Set<string>();
      if (hostModules.size > 0) {
        b.onResolve({ filter: /.*/ }, (args) => (hostModules.has(args.path) ? { path: args.path, namespace: 'lambda-host' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'lambda-host' }, (args) => ({
          contents: `module.exports = globalThis.__lambdaRequire(${JSON.stringify(`host:${args.path}`)});`,
          loader: 'js',
        }));
      }
      // The runtime-provided AWS SDK, unless a deployment package ships its own copy (which wins, as on Lambda).
      b.onResolve({ filter: SDK_FILTER }, (args) => {
        if (entry.kind === 'zip' && existsSync(join(entry.root, 'node_modules', args.path))) return undefined;
        sdkPackages.add(args.path);
        return { path: args.path, namespace: 'lambda-sdk' };
      });
      b.onLoad({ filter: /.*/, namespace: 'lambda-sdk' }, (args) => ({
        contents: `module.exports = globalThis.__lambdaRequire(${JSON.stringify(`sdk:${args.path}`)});`,
        loader: 'js',
      }));
      // Every built-in resolves: to the shim's implementation, completed with the host's export
      // names (what is not simulated throws when called: see shim/unsupported.ts).
      b.onResolve({ filter: BUILTIN_FILTER }, (args) => {
        const name = builtinName(args.path);
        if (name === undefined) return undefined;
        return { path: name, namespace: 'lambda-builtin' };
      });
      b.onResolve({ filter: /.*/ }, (args) => (missing.has(args.path) ? { path: args.path, namespace: 'lambda-missing', pluginData: args.importer } : undefined));
      // Every import esbuild resolves to a file is recorded (a Path package's static imports may
      // lie anywhere); a ZipFile or Source package (from the API, over HTTP, or deployed by a
      // handler) sees only its own files: an import that resolves outside it (absolute, ../) is
      // missing, as on Lambda. What esbuild then loads is checked by the guard's plugin.
      const resolving = { resolving: true };
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === resolving) return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: resolving, with: args.with });
        if (r.errors.length > 0 || r.namespace !== 'file' || r.path === '') return undefined;
        if (guard.confines(r.path)) {
          guard.named.add(r.path);
          // Lambda sees only the package: a package.json above a Path directory must not decide
          // its .js files' module type (resolved here, esbuild applies no package scope's type and
          // goes by the file's syntax, as Node's module detection does).
          if (entry.kind === 'path' && /\.jsx?$/.test(r.path) && !scopedInside(r.path, entry.root)) return { path: r.path, sideEffects: r.sideEffects };
          return undefined;
        }
        return { path: args.path, namespace: 'lambda-missing', pluginData: args.importer };
      });
      b.onLoad({ filter: /.*/, namespace: 'lambda-builtin' }, (args) => {
        const shape = builtinShape(args.path);
        return {
          contents: `module.exports = globalThis.__lambdaRequire(${JSON.stringify(args.path)}${shape === undefined ? '' : `, ${JSON.stringify(shape)}`});`,
          loader: 'js',
        };
      });
      b.onLoad({ filter: /.*/, namespace: 'lambda-missing' }, (args) => {
        const e = importModuleError(args.path, displayName(String(args.pluginData), entry));
        return {
          // The error type travels in the message: isolated-vm copies errors by constructor, not name.
          contents: `throw new Error(${JSON.stringify(`\u0000${e.errorType}\u0000${e.errorMessage}`)});`,
          loader: 'js',
        };
      });
    },
  };

  const run = () =>
    guard.build({
      entryPoints: [entry.file],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: `node${options.nodeMajor}`,
      keepNames: true,
      sourcemap: 'external',
      sourcesContent: false,
      write: false,
      outfile,
      metafile: false,
      logLevel: 'silent',
      plugins: [plugin, guard.plugin()],
      ...(entry.kind === 'path' ? {} : { tsconfigRaw: packageTsconfig(entry.root) }),
      define: {
        __dirname: JSON.stringify(displayName(outdir, entry)),
        __filename: JSON.stringify(displayName(entry.file, entry)),
        // The module's own URL, as Node gives it (isolated-vm's modules have an empty import.meta).
        'import.meta.url': JSON.stringify(pathToFileURL(displayName(entry.file, entry)).href),
        'import.meta.dirname': JSON.stringify(displayName(outdir, entry)),
        'import.meta.filename': JSON.stringify(displayName(entry.file, entry)),
      },
      resolveExtensions: ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main'],
      // As Node resolves `exports`: `import` matches the "import" condition, `require()` the
      // "require" one. esbuild adds those two (and "default") by each import's kind; listing them
      // here made both hold everywhere, so `require('pg-pool')` inside pg got pg-pool's ESM wrapper.
      conditions: ['node'],
    });

  let result;
  try {
    for (let attempt = 0; ; attempt++) {
      sdkPackages.clear();
      guard.begin();
      try {
        result = await run();
        break;
      } catch (error) {
        const errors = (error as BuildFailure).errors ?? [];
        const syntax = errors.find((m) => !isResolveError(m));
        if (syntax !== undefined) return failed(syntaxError(syntax, entry, options.ivm), exportPath, codeSize);
        const unresolved = errors.map(unresolvedSpecifier).filter((s): s is string => s !== undefined && !missing.has(s));
        if (unresolved.length === 0 || attempt > 20) throw error;
        for (const s of unresolved) missing.add(s);
      }
    }
  } finally {
    await guard.close();
  }
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!.text;
  const mapText = result.outputFiles.find((f) => f.path.endsWith('.map'))?.text;
  let traceMap: TraceMap | undefined;
  const sourceNames = new Map<string, string>();
  return {
    code: js.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n'),
    exportPath,
    initError: undefined,
    codeSize,
    sdkPackages: [...sdkPackages].sort(),
    ...(entry.files === undefined ? {} : { files: entry.files }),
    mapPosition(line, column) {
      if (mapText === undefined) return undefined;
      traceMap ??= new TraceMap(mapText);
      const p = originalPositionFor(traceMap, { line, column: column - 1 });
      if (p.source === null || p.line === null || p.column === null) return undefined;
      let name = sourceNames.get(p.source);
      if (name === undefined) {
        name = displayName(resolve(outdir, p.source), entry);
        sourceNames.set(p.source, name);
      }
      return [name, p.line, p.column + 1];
    },
  };
}

function isResolveError(m: Message): boolean {
  return m.text.startsWith('Could not resolve');
}

function unresolvedSpecifier(m: Message): string | undefined {
  return /^Could not resolve "(.+?)"/.exec(m.text)?.[1];
}

/** V8's compile error as Lambda words it: `SyntaxError: <message>`, without isolated-vm's `[file:line:col]` suffix. */
export function syntaxErrorMessage(e: unknown): string {
  const text = e instanceof Error ? e.message.replace(/ \[[^\]]*\]$/, '') : String(e);
  return text.startsWith('SyntaxError') ? text : `SyntaxError: ${text}`;
}

/**
 * Lambda reports a syntax error with V8's message ("SyntaxError: Unexpected token '}'"). For
 * JavaScript files we ask V8 (a scratch isolate) for it; TypeScript gets esbuild's message.
 */
function syntaxError(m: Message, entry: Entry, ivm: Ivm): InitFailure {
  const file = m.location?.file;
  let message = `SyntaxError: ${m.text}`;
  if (file !== undefined && /^\.(c|m)?js$/.test(extname(file))) {
    const isolate = new ivm.Isolate({ memoryLimit: 16 });
    try {
      const path = resolve(file);
      isolate.compileModuleSync(readFileSync(path, 'utf8'), { filename: displayName(path, entry) });
    } catch (e) {
      message = syntaxErrorMessage(e);
    } finally {
      isolate.dispose();
    }
  }
  return { errorType: 'Runtime.UserCodeSyntaxError', errorMessage: message };
}
