/**
 * The Node built-ins the sandbox provides, by name. Bundles reach them through virtual modules
 * that call `require(name)` on this table (see src/runtime/builtins.ts for the host-side list that
 * decides at create time what is provided and what is refused).
 */
import { cryptoModule } from './crypto.js';
import { fs, fsPromises } from './fs.js';
import { hostModule } from './hostcall.js';
import { sdkModule, type SdkShape } from './sdk.js';
import { lazy } from './lazy.js';
import { util } from './util.js';
import { urlModule } from './url-module.js';
import type { ModuleShape } from './builtin-shape.js';
import { completeModule, stubModule } from './unsupported.js';
import { diagnosticsChannel, domainModule, moduleModule, perfHooks, readlineModule, streamConsumers, tty, workerThreads } from './small-modules.js';
import { process } from './process.js';
import { assert, asyncHooks, Console, querystring, streamWeb } from './extra-modules.js';
import * as timers from './timers.js';
import { URL, URLSearchParams } from './url.js';

type Factory = () => unknown;

function os(): unknown {
  return {
    EOL: '\n',
    platform: () => 'linux',
    type: () => 'Linux',
    arch: () => 'x64',
    release: () => '5.10.0-lambda',
    tmpdir: () => '/tmp',
    homedir: () => '/home/sbx_user1051',
    hostname: () => '169.254.10.1',
    endianness: () => 'LE',
    cpus: () => [],
    totalmem: () => Number(process.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] ?? 128) * 1048576,
    freemem: () => 0,
    uptime: () => process.uptime(),
    loadavg: () => [0, 0, 0],
    networkInterfaces: () => ({}),
    userInfo: () => ({ username: 'sbx_user1051', uid: 993, gid: 990, shell: null, homedir: '/home/sbx_user1051' }),
  };
}

const table: Record<string, Factory> = {
  fs: () => fs,
  'fs/promises': () => fsPromises,
  path: () => lazy('path'),
  'path/posix': () => lazy('path'),
  events: () => lazy('events'),
  buffer: () => lazy('buffer'),
  util,
  crypto: () => cryptoModule,
  timers: () => ({ ...timers.publicTimers, promises: timers.promises }),
  'timers/promises': () => timers.promises,
  url: urlModule,
  punycode: () => lazy('punycode'),
  process: () => process,
  os,
  stream: () => lazy('stream'),
  'stream/promises': () => (lazy<{ promises?: unknown }>('stream')).promises,
  string_decoder: () => lazy('string_decoder'),
  querystring: () => querystring,
  // The module is the global console's methods (own properties, as Node's are) and Console.
  console: () => {
    const global = (globalThis as unknown as { console: Record<string, unknown> }).console;
    const out: Record<string, unknown> = {};
    for (let o: object | null = global; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
      for (const k of Object.getOwnPropertyNames(o)) if (k !== 'constructor' && !(k in out)) out[k] = global[k];
    }
    out['Console'] = Console;
    return out;
  },
  async_hooks: () => asyncHooks,
  'stream/web': () => streamWeb,
  assert: () => assert,
  'assert/strict': () => assert,
  zlib: () => (lazy<{ default: unknown }>('zlib')).default,
  'util/types': () => (util() as { types: unknown }).types,
  sys: () => requireBuiltin('util'),
  tty: () => ({ ...tty }),
  worker_threads: () => ({ ...workerThreads }),
  module: () => moduleModule(requireBuiltin),
  diagnostics_channel: diagnosticsChannel,
  perf_hooks: perfHooks,
  domain: domainModule,
  readline: readlineModule,
  'stream/consumers': streamConsumers,
};

const cache = new Map<string, unknown>();
let hostShapes: Record<string, { functions: string[]; values: string }> = {};

/** The host modules this environment may import (set up by main.ts). */
export function registerHostModules(shapes: Record<string, { functions: string[]; values: string }>): void {
  hostShapes = shapes;
}

let sdkShapes: Record<string, SdkShape> = {};

/** Descriptions of the AWS SDK packages this environment's bundle imports (set up by main.ts). */
export function registerSdkShapes(shapes: Record<string, SdkShape>): void {
  sdkShapes = shapes;
}

function notFound(name: string): Error {
  const e = new Error(`Cannot find module '${name}'`) as Error & { code: string };
  e.code = 'MODULE_NOT_FOUND';
  return e;
}

/** Host-served modules: `sdk:<package>` (the runtime-provided AWS SDK) and `host:<name>` (host modules). */
function hostServed(name: string): unknown {
  const [kind, target] = [name.slice(0, name.indexOf(':')), name.slice(name.indexOf(':') + 1)];
  if (kind === 'sdk') {
    const shape = sdkShapes[target];
    if (shape === undefined) throw notFound(target);
    return sdkModule(target, shape, (other) => (sdkShapes[other] === undefined ? undefined : (requireBuiltin(`sdk:${other}`) as Record<string, unknown>)));
  }
  const shape = hostShapes[target];
  if (shape === undefined) throw notFound(target);
  return hostModule(target, shape);
}

/**
 * `require` for built-ins and host-served modules, as the bundle's virtual modules call it. A
 * bundle passes the host's shape of each built-in it imports: what the table lacks is completed
 * from it (or the whole module stubbed), see unsupported.ts. `process` is the sandbox's own
 * (Lambda's surface, not the host's: no binding, dlopen or mainModule) and is never completed.
 */
export function requireBuiltin(name: string, shape?: ModuleShape): unknown {
  if (name.startsWith('sdk:') || name.startsWith('host:')) {
    let m = cache.get(name);
    if (m === undefined) {
      m = hostServed(name);
      cache.set(name, m);
    }
    return m;
  }
  const bare = name.startsWith('node:') ? name.slice(5) : name;
  let m = cache.get(bare);
  if (m === undefined) {
    const f = table[bare];
    if (f === undefined) {
      if (shape === undefined) throw notFound(name);
      m = stubModule(bare, shape);
    } else {
      m = f();
      if (shape !== undefined && bare !== 'process') m = completeModule(bare, m, shape);
    }
    cache.set(bare, m);
  } else if (shape !== undefined && !completed.has(bare) && bare !== 'process') {
    // Loaded first by a chunk (without a shape): completed now, once.
    m = completeModule(bare, m, shape);
  }
  if (shape !== undefined) completed.add(bare);
  return m;
}

const completed = new Set<string>();
