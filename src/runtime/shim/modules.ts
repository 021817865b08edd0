/**
 * The Node built-ins the sandbox provides, by name. Bundles reach them through virtual modules
 * that call `require(name)` on this table (see src/runtime/builtins.ts for the host-side list that
 * decides at create time what is provided and what is refused).
 */
import { cryptoModule, webCrypto } from './crypto.js';
import { fs, fsPromises } from './fs.js';
import { lazy } from './lazy.js';
import type { ModuleShape } from './builtin-shape.js';
import { process } from './process.js';
import * as timers from './timers.js';
import { URL, URLSearchParams } from './url.js';
// Chunks of the shim that load on first use (shim/chunk-names.ts): types only here.
import type * as CryptoKeys from './crypto-keys.js';
import type * as Dgram from './dgram.js';
import type * as Extra from './extra-modules.js';
import type * as HostObjects from './host-objects.js';
import type * as Http from './http.js';
import type * as Net from './net.js';
import type * as Sdk from './sdk.js';
import type * as Small from './small-modules.js';
import type * as Unsupported from './unsupported.js';
import type * as UrlModule from './url-module.js';
import type * as Util from './util.js';
import type * as WebFetch from './web-fetch.js';

type SdkShape = Sdk.SdkShape;
const small = (): typeof Small => lazy<typeof Small>('small-modules');
const extra = (): typeof Extra => lazy<typeof Extra>('extra-modules');
const unsupported = (): typeof Unsupported => lazy<typeof Unsupported>('unsupported');
const util = (): Record<string, unknown> => lazy<typeof Util>('util').util();

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
  crypto: () => {
    const m: Record<string, unknown> = { ...lazy<typeof CryptoKeys>('crypto-keys').cryptoKeys, ...cryptoModule, webcrypto: webCrypto };
    // A getter: the Web Crypto chunk loads when code reaches subtle, not when it imports crypto.
    Object.defineProperty(m, 'subtle', { enumerable: true, configurable: true, get: () => webCrypto.subtle });
    return m;
  },
  timers: () => ({ ...timers.publicTimers, promises: timers.promises }),
  'timers/promises': () => timers.promises,
  url: () => lazy<typeof UrlModule>('url-module').urlModule(),
  punycode: () => lazy('punycode'),
  process: () => process,
  os,
  stream: () => lazy('stream'),
  'stream/promises': () => (lazy<{ promises?: unknown }>('stream')).promises,
  string_decoder: () => lazy('string_decoder'),
  querystring: () => extra().querystring,
  // The module is the global console's methods (own properties, as Node's are) and Console.
  console: () => {
    const global = (globalThis as unknown as { console: Record<string, unknown> }).console;
    const out: Record<string, unknown> = {};
    for (let o: object | null = global; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
      for (const k of Object.getOwnPropertyNames(o)) if (k !== 'constructor' && !(k in out)) out[k] = global[k];
    }
    out['Console'] = extra().Console;
    return out;
  },
  async_hooks: () => extra().asyncHooks,
  http: () => lazy<typeof Http>('http').http,
  https: () => lazy<typeof Http>('http').https,
  net: () => ({ ...lazy<typeof Net>('net').net }),
  tls: () => ({ ...lazy<typeof Net>('net').tls }),
  dns: () => ({ ...lazy<typeof Net>('net').dns }),
  'dns/promises': () => ({ ...lazy<typeof Net>('net').dns.promises }),
  'stream/web': () => {
    const f = lazy<typeof WebFetch>('web-fetch');
    return { ...lazy<Record<string, unknown>>('web-streams'), TextEncoderStream: f.TextEncoderStream, TextDecoderStream: f.TextDecoderStream };
  },
  assert: () => extra().assert,
  'assert/strict': () => extra().assert,
  zlib: () => (lazy<{ default: unknown }>('zlib')).default,
  'util/types': () => (util() as { types: unknown }).types,
  sys: () => requireBuiltin('util'),
  tty: () => ({ ...small().tty }),
  worker_threads: () => ({ ...small().workerThreads }),
  module: () => small().moduleModule(requireBuiltin),
  diagnostics_channel: () => small().diagnosticsChannel(),
  perf_hooks: () => small().perfHooks(),
  domain: () => small().domainModule(),
  v8: () => small().v8Module(),
  readline: () => small().readlineModule(),
  'stream/consumers': () => small().streamConsumers(),
  dgram: () => ({ ...lazy<typeof Dgram>('dgram').dgram }),
};

const cache = new Map<string, unknown>();
let hostNames: readonly string[] = [];

/** The host modules this environment may import (set up by main.ts). */
export function registerHostModules(names: readonly string[]): void {
  hostNames = names;
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
    return lazy<typeof Sdk>('sdk').sdkModule(target, shape, (other) => (sdkShapes[other] === undefined ? undefined : (requireBuiltin(`sdk:${other}`) as Record<string, unknown>)));
  }
  if (!hostNames.includes(target)) throw notFound(target);
  return lazy<typeof HostObjects>('host-objects').hostModule(target);
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
      m = unsupported().stubModule(bare, shape);
    } else {
      m = f();
      if (shape !== undefined && bare !== 'process') m = unsupported().completeModule(bare, m, shape);
    }
    cache.set(bare, m);
  } else if (shape !== undefined && !completed.has(bare) && bare !== 'process') {
    // Loaded first by a chunk (without a shape): completed now, once.
    m = unsupported().completeModule(bare, m, shape);
  }
  if (shape !== undefined) completed.add(bare);
  return m;
}

const completed = new Set<string>();
