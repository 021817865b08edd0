/**
 * Builds the sandbox-side code once per process with esbuild: the runtime shim
 * (src/runtime/shim/main.ts, an IIFE script) and the lazily loaded chunks (Node's util.inspect,
 * Buffer, events, path). The TypeScript sources ship in the package so that the exact shim that was
 * tested is the one that runs.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, type Metafile } from 'esbuild';
import type { ExternalCopy } from 'isolated-vm';
import type { Ivm } from './isolated-vm.js';
import { HOST_CALLBACKS, type SandboxChunk } from './sandbox-contract.js';

export type { SandboxChunk } from './sandbox-contract.js';
import { SHARED_SHIM_MODULES, SHIM_CHUNKS } from './shim/chunk-names.js';


function shimEntry(): string {
  for (const candidate of ['./shim/main.ts', '../../src/runtime/shim/main.ts']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('lambda-sim: the sandbox shim sources (src/runtime/shim/main.ts) are missing from the installed package');
}

let shim: SandboxChunk | undefined;

export function shimChunk(): SandboxChunk {
  if (shim === undefined) {
    const out = buildSync({
      entryPoints: [shimEntry()],
      bundle: true,
      format: 'iife',
      // Strict throughout: no shim function is reachable through a handler function's `.caller`.
      banner: { js: "'use strict';" },
      platform: 'neutral',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
    });
    shim = { name: 'shim', filename: 'file:///var/runtime/index.mjs', code: out.outputFiles[0]!.text };
  }
  return shim;
}

/**
 * Runs the shim's hot paths with stand-in host callbacks, so the code cache made afterwards holds
 * their compiled code too (a cache made at compile time holds only the top level).
 */
const WARMUP = `
__lambda_setup(JSON.stringify({ env: { A: 'b' }, seedWords: [1, 2, 3, 4], nodeVersion: '0', versions: {}, startedAt: 0, functionName: 'f',
  functionVersion: '$LATEST', memoryLimitInMB: '128', logGroupName: 'g', logStreamName: 's', runtime: 'nodejs20.x', exportPath: 'handler', handlerString: 'index.handler' }));
__lambda_register({ handler: async (event, context) => { console.log('warm', 'up'); return { event, left: context.getRemainingTimeInMillis() }; } });
__lambda_invoke('id\\n1000\\ntrace\\narn', '{"a":1}', '');
__lambda_drained();
`;

let shimCache: { value: ExternalCopy<ArrayBuffer> | undefined } | undefined;

/**
 * V8 code cache of the shim after a warm-up run, made once per process in a throwaway isolate: a
 * cold start then compiles almost nothing (measured: the shim's evaluation and setup take about
 * half the time they take from a compile-time cache). Undefined if the warm-up fails; environments
 * then compile normally.
 */
export function shimCodeCache(ivm: Ivm): ExternalCopy<ArrayBuffer> | undefined {
  if (shimCache === undefined) {
    const chunk = shimChunk();
    const isolate = new ivm.Isolate({ memoryLimit: 64 });
    try {
      const context = isolate.createContextSync();
      for (const name of HOST_CALLBACKS) context.global.setSync(`__lh_${name}`, new ivm.Callback(() => (name === 'now' ? 0 : '')));
      isolate.compileScriptSync(chunk.code, { filename: chunk.filename }).runSync(context);
      context.evalSync(WARMUP);
      const script = isolate.compileScriptSync(chunk.code, { filename: chunk.filename, produceCachedData: true }) as { cachedData?: ExternalCopy<ArrayBuffer> };
      shimCache = { value: script.cachedData };
    } catch {
      shimCache = { value: undefined };
    } finally {
      isolate.dispose();
    }
  }
  return shimCache.value;
}

export { HOST_CALLBACKS } from './sandbox-build.js';

/** What each lazy chunk is: the package (resolved from lambda-sim's own dependencies). */
const LAZY_SOURCES: Record<string, string> = {
  inspect: 'node-inspect-extracted',
  buffer: 'buffer/',
  events: 'events/',
  path: 'path-browserify',
  stream: 'readable-stream',
  string_decoder: 'string_decoder/',
  /** Node's legacy url.parse/format/resolve (the npm port of them), with Node's querystring. */
  'legacy-url': 'url/',
  punycode: 'punycode/',
  /** The WHATWG streams (ReadableStream…), for fetch's bodies and node:stream/web. */
  'web-streams': 'web-streams-polyfill',
  // The shim's own heavier modules (util, the crypto keys, the small built-ins, zlib…): './x.ts'.
  ...Object.fromEntries(SHIM_CHUNKS.map((n) => [n, `./${n}.ts`])),
};

/** Packages a chunk's package imports, answered by files of the shim instead. */
const CHUNK_ALIASES: Record<string, Record<string, string>> = {
  'legacy-url': { qs: './qs-adapter.cjs' },
};

/**
 * Node built-ins that chunks import from each other: served by the sandbox's module table, so every
 * chunk shares one Buffer, one EventEmitter, one process (Buffer.isBuffer works across them).
 * (esbuild's synchronous API takes no plugins, so they are externals plus a `require` in scope.)
 */
const SHARED_NAMES = ['buffer', 'events', 'string_decoder', 'process', 'util', 'stream', 'querystring', 'punycode'];

const lazyChunks = new Map<string, SandboxChunk>();

/** A shim chunk may import only shared shim modules and other chunks: anything else would be `undefined` in the sandbox. */
function checkShimImports(name: string, meta: Metafile): void {
  const known = new Set<string>([...SHARED_SHIM_MODULES, ...SHIM_CHUNKS]);
  for (const input of Object.values(meta.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external || !imp.path.startsWith('./')) continue;
      const mod = imp.path.slice(2).replace(/\.js$/, '');
      if (!known.has(mod)) throw new Error(`lambda-sim: the shim chunk '${name}' imports ${imp.path}, which is neither shared (shim/chunk-names.ts) nor a chunk`);
    }
  }
}

export function lazyChunk(name: string): SandboxChunk | undefined {
  let chunk = lazyChunks.get(name);
  if (chunk === undefined) {
    const pkg = LAZY_SOURCES[name];
    if (pkg === undefined) return undefined;
    const own = pkg.startsWith('./');
    const out = buildSync({
      stdin: {
        // Packages resolve from lambda-sim's dependencies; './x.ts' chunks are shim sources (by
        // absolute path: the `./x.js` externals below are import paths, the entry is not one).
        contents: `export default require(${JSON.stringify(own ? join(dirname(shimEntry()), pkg) : pkg)});`,
        resolveDir: own ? dirname(shimEntry()) : fileURLToPath(new URL('.', import.meta.url)),
        loader: 'js',
      },
      bundle: true,
      format: 'iife',
      globalName: '__chunk',
      platform: 'browser',
      target: 'es2022',
      write: false,
      metafile: own,
      logLevel: 'silent',
      legalComments: 'none',
      define: { 'process.env.NODE_DEBUG': 'undefined' },
      alias: Object.fromEntries(Object.entries(CHUNK_ALIASES[name] ?? {}).map(([from, file]) => [from, join(dirname(shimEntry()), file)])),
      // Shared built-ins stay `require` calls, answered by the sandbox's module table; a shim
      // chunk's own imports (`./x.js`) are the main shim's modules or other chunks (shim/internals.ts).
      external: [...SHARED_NAMES.filter((n) => LAZY_SOURCES[name]?.replace(/\/$/, '') !== n).flatMap((n) => [n, `${n}/`]), ...(own ? [...SHARED_SHIM_MODULES, ...SHIM_CHUNKS].map((n) => `./${n}.js`) : [])],
    });
    if (own) checkShimImports(name, out.metafile!);
    // The script's value is a factory: the shim calls it with its own `require` (see shim/lazy.ts).
    // Strict: a getter or function the handler planted (a replaced Object.defineProperty) that the
    // chunk calls must not find this wrapper, and its `require`, through `.caller` (issue 16's rules).
    const code = `(function (require) {\n'use strict';\n${out.outputFiles[0]!.text}\nreturn __chunk.default;\n})`;
    // Shim sources sit beside the runtime (index.mjs); packages under its node_modules.
    chunk = { name, filename: own ? `file:///var/runtime/${name}.js` : `file:///var/runtime/node_modules/${name}.js`, code };
    lazyChunks.set(name, chunk);
  }
  return chunk;
}
