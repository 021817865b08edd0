/**
 * Builds the sandbox-side code once per process with esbuild: the runtime shim
 * (src/runtime/shim/main.ts, an IIFE script) and the lazily loaded chunks (Node's util.inspect,
 * Buffer, events, path). The TypeScript sources ship in the package so that the exact shim that was
 * tested is the one that runs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

export interface SandboxChunk {
  readonly name: string;
  readonly filename: string;
  readonly code: string;
}

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

/** What each lazy chunk is: the package (resolved from lambda-sim's own dependencies). */
const LAZY_SOURCES: Record<string, string> = {
  inspect: 'node-inspect-extracted',
  buffer: 'buffer/',
  events: 'events/',
  path: 'path-browserify',
};

const lazyChunks = new Map<string, SandboxChunk>();

export function lazyChunk(name: string): SandboxChunk | undefined {
  let chunk = lazyChunks.get(name);
  if (chunk === undefined) {
    const pkg = LAZY_SOURCES[name];
    if (pkg === undefined) return undefined;
    const out = buildSync({
      stdin: {
        contents: `(globalThis.__lambdaLazy ??= {})[${JSON.stringify(name)}] = require(${JSON.stringify(pkg)});`,
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
        loader: 'js',
      },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
      define: { 'process.env.NODE_DEBUG': 'undefined' },
    });
    chunk = { name, filename: `file:///var/runtime/node_modules/${name}.js`, code: out.outputFiles[0]!.text };
    lazyChunks.set(name, chunk);
  }
  return chunk;
}
