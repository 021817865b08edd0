/**
 * Every Node built-in loads in the sandbox, with the host's export names. What lambda-sim
 * simulates works; what it does not is present and throws when called, with
 * `code: 'ERR_LAMBDA_SIM_UNSUPPORTED'` and a one-line message saying what to use instead. A library
 * that only *imports* a module it never calls on Lambda (the `debug` package's `tty`, an
 * `https.Agent` made at load) therefore runs unchanged.
 *
 * Classes can be constructed (a library may make an Agent at load time) and subclassed; their
 * methods throw when called, except those of EventEmitter for classes that are emitters on the
 * host (listeners can be added; nothing will emit).
 */
import type { ExportShape, ModuleShape } from './builtin-shape.js';
import { lazy } from './lazy.js';

/** What to use instead, by module (the message's second half). */
const INSTEAD: Readonly<Record<string, string>> = {
  http: 'the sandbox makes requests (http.request, fetch: simulator option `network`) but serves none',
  https: 'the sandbox makes requests (https.request, fetch: simulator option `network`) but serves none',
  http2: 'HTTP/2 is not simulated: use fetch or https.request (simulator option `network`)',
  net: 'the sandbox connects sockets (net.connect, simulator option `network`) but listens on none',
  tls: 'the sandbox connects TLS sockets (tls.connect, simulator option `network`) but listens on none',
  dgram: 'handlers have no sockets in lambda-sim yet: use a host module (option `modules`)',
  dns: 'the sandbox resolves names with lookup and the resolve* queries (simulator option `network`); the rest is not simulated',
  'dns/promises': 'the sandbox resolves names with lookup and the resolve* queries (simulator option `network`); the rest is not simulated',
  child_process: 'a sandbox cannot start processes: use a host module (option `modules`) that does the work on the host',
  cluster: 'one environment runs one invocation at a time, as on Lambda: use plain async code',
  worker_threads: 'one environment runs one invocation at a time, as on Lambda: use plain async code',
};
const GENERAL = 'lambda-sim does not simulate it yet; a host module (simulator option `modules`) can do it on the host';

/**
 * The package the handler imported that made the call: the outermost frame in a node_modules
 * directory, named by its top-level package (`ioredis`, not `ioredis/built/connectors/…` or a
 * dependency of it). Undefined when the handler's own code called.
 */
function callerPackage(e: Error): string | undefined {
  let stack: unknown;
  try {
    stack = e.stack;
  } catch {
    return undefined;
  }
  if (typeof stack !== 'string') return undefined;
  let found: string | undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = /node_modules\/((?:@[^/\s()]+\/)?[^/\s()]+)\//.exec(line);
    if (m !== null) found = m[1];
    else if (found !== undefined && !line.includes('/var/runtime/')) break;
  }
  return found;
}

/** The error an unsupported built-in function throws when called, naming the package that called it. */
export function unsupported(module: string, path: string): Error {
  const e = new Error(`lambda-sim: ${module === '' ? path : `${module}.${path}`}() is not supported in the sandbox: ${INSTEAD[module] ?? GENERAL}`) as Error & { code: string };
  e.code = 'ERR_LAMBDA_SIM_UNSUPPORTED';
  const pkg = callerPackage(e);
  if (pkg !== undefined) {
    e.message += ` (called by the package ${pkg})`;
    // The stack was formatted with the old message: its first line is redone.
    try {
      const stack = String(e.stack);
      e.stack = `Error: ${e.message}${stack.slice(stack.indexOf('\n'))}`;
    } catch {
      /* a stack that cannot be read stays as it is */
    }
  }
  return e;
}

const defineProperty = Object.defineProperty;

function named<T extends object>(value: T, name: string): T {
  try {
    defineProperty(value, 'name', { value: name, configurable: true });
  } catch {
    /* not configurable */
  }
  return value;
}

function stubFunction(module: string, path: string, shape: ExportShape & { k: 'f' }): unknown {
  const label = path.slice(path.lastIndexOf('.') + 1) || module;
  if (shape.p === undefined) {
    return named(function stub(): never {
      throw unsupported(module, path);
    }, label);
  }
  // A class: constructible and extendable; its methods throw (EventEmitter's work for emitters).
  const Base = (shape.e === 1 ? (lazy<{ EventEmitter: new () => object }>('events') as unknown as { EventEmitter: new () => object }).EventEmitter : Object) as new () => object;
  const emitterMethods = shape.e === 1 ? new Set(Object.getOwnPropertyNames(Base.prototype)) : new Set<string>();
  const Stub = class extends Base {};
  for (const method of shape.p) {
    if (emitterMethods.has(method)) continue;
    defineProperty(Stub.prototype, method, {
      value: named(function stub(): never {
        throw unsupported(module, `${path}.prototype.${method}`);
      }, method),
      writable: true,
      configurable: true,
    });
  }
  return named(Stub, label);
}

function build(module: string, path: string, shape: ExportShape): unknown {
  switch (shape.k) {
    case 'f':
      return stubFunction(module, path, shape);
    case 'v':
      return shape.v;
    case 'o': {
      const out: Record<string, unknown> = {};
      for (const [k, member] of Object.entries(shape.m)) out[k] = build(module, path === '' ? k : `${path}.${k}`, member);
      return out;
    }
    case 'u':
      return undefined;
  }
}

/** The whole module from its shape: nothing of it is simulated. */
export function stubModule(module: string, shape: ModuleShape): unknown {
  const root = shape[''];
  const out = (root !== undefined ? build(module, '', root) : {}) as Record<string, unknown>;
  for (const [k, member] of Object.entries(shape)) if (k !== '') out[k] = build(module, k, member);
  return out;
}

/**
 * A module lambda-sim simulates in part: the host's export names it lacks are added as stubs, so
 * `import { createSign } from 'node:crypto'` loads and throws only when called.
 */
export function completeModule(module: string, real: unknown, shape: ModuleShape): unknown {
  if (real === null || (typeof real !== 'object' && typeof real !== 'function')) return real;
  complete(module, '', real as Record<string, unknown>, shape);
  return real;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Adds what `target` lacks; an object both have (fs.constants, crypto.webcrypto) is completed in turn. */
function complete(module: string, path: string, target: Record<string, unknown>, shape: Record<string, ExportShape>): void {
  for (const [k, member] of Object.entries(shape)) {
    if (k === '') continue;
    const at = path === '' ? k : `${path}.${k}`;
    try {
      if (!(k in target)) target[k] = build(module, at, member);
      else if (member.k === 'o' && isPlainObject(target[k])) complete(module, at, target[k] as Record<string, unknown>, member.m);
      else if (member.k === 'v' && isPlainObject(member.v) && isPlainObject(target[k])) {
        const have = target[k] as Record<string, unknown>;
        for (const [name, value] of Object.entries(member.v)) if (!(name in have)) have[name] = value;
      }
    } catch {
      /* frozen */
    }
  }
}
