/**
 * The lambda-sim runtime shim: what runs first in every sandbox. It plays the part of Lambda's
 * Node.js runtime interface client (load the handler, call it with event and context, turn its
 * outcome into a response or an error payload) and of the Node.js globals a handler expects.
 *
 * Protocol with the host (src/runtime/environment.ts): the host calls the `__lambda_*` functions
 * this script leaves on the global object (setup, register, invoke, fire, drained) synchronously;
 * the shim answers through the host callbacks of ./host.ts, chiefly `done(kind, body)` once per
 * phase.
 */
import { AbortController, AbortSignal, Event, EventTarget } from './abort.js';
import { installAtomics } from './atomics.js';
import { structuredClone } from './clone.js';
import { console, setMinLevel } from './console.js';
import { webCrypto } from './crypto.js';
import { installDate } from './date.js';
import { prepareStackTrace, runtimeError, toPayload } from './errors.js';
import { fs } from './fs.js';
import { bindHost, host } from './host.js';
import { LAZY_GLOBALS } from './chunk-names.js';
import { internalModule } from './internals.js';
import { lazy, receiveChunk, setChunkRequire } from './lazy.js';
import { installWasm } from './wasm.js';
import { registerHostModules, registerSdkShapes, requireBuiltin } from './modules.js';
import type { SdkShape } from './sdk.js';
import { settle } from './hostcall.js';
import { process, setProcessStart } from './process.js';
import { random, seedRandom } from './random.js';
import { atob, btoa, TextDecoder, TextEncoder } from './text.js';
import * as timers from './timers.js';
import { URL, URLSearchParams } from './url.js';

declare const globalThis: Record<string, unknown>;

interface Config {
  env: Record<string, string>;
  seedWords: number[];
  nodeVersion: string;
  versions: Record<string, string>;
  startedAt: number;
  functionName: string;
  functionVersion: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  runtime: string;
  /** Export path inside the module namespace (the handler string after the module part). */
  exportPath: string;
  handlerString: string;
  logLevel?: string;
  hostModules?: string[];
  sdk?: Record<string, SdkShape>;
}


interface Invocation {
  id: string;
  finished: boolean;
  isAsync: boolean;
  callbackResult: { value: unknown } | undefined;
}

let config: Config;
let handler: (event: unknown, context: unknown, callback: unknown) => unknown;
let current: Invocation | undefined;

const hidden = (name: string, value: unknown): void => {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
};

/**
 * Installs the Node.js globals. Runs when the shim is evaluated; what
 * depends on the function (environment variables, seed, host callbacks) comes in `setup`.
 */
function install(): void {
  const g = globalThis;
  installDate(g);
  installWasm(g as unknown as Record<string, unknown>);
  installAtomics(g);
  Math.random = random;
  (Error as unknown as Record<string, unknown>)['prepareStackTrace'] = prepareStackTrace;
  const globals: Record<string, unknown> = {
    console,
    process,
    ...timers.publicTimers,
    queueMicrotask: (fn: () => void): void => {
      if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function.');
      void Promise.resolve().then(fn);
    },
    structuredClone,
    Event,
    EventTarget,
    AbortController,
    AbortSignal,
    TextEncoder,
    TextDecoder,
    URL,
    URLSearchParams,
    atob,
    btoa,
    crypto: webCrypto,
    performance: {
      now: (): number => host.now() - config.startedAt,
      get timeOrigin(): number {
        return config.startedAt;
      },
      mark: (): void => {},
      measure: (): void => {},
      toJSON: (): object => ({ timeOrigin: config.startedAt }),
    },
    global: g,
  };
  for (const [k, v] of Object.entries(globals)) hidden(k, v);
  const lazyGlobal = (name: string, get: () => unknown): void => {
    let value: unknown;
    let loaded = false;
    Object.defineProperty(g, name, {
      configurable: true,
      enumerable: false,
      get: () => {
        if (!loaded) {
          value = get();
          loaded = true;
        }
        return value;
      },
      set(v: unknown) {
        Object.defineProperty(g, name, { value: v, writable: true, configurable: true });
      },
    });
  };
  lazyGlobal('Buffer', () => (lazy<{ Buffer: unknown }>('buffer')).Buffer);
  for (const name of Object.keys(LAZY_GLOBALS)) lazyGlobal(name, () => (lazy<Record<string, unknown>>(LAZY_GLOBALS[name]!))[name]);
  hidden('__lambdaRequire', requireBuiltin);
  // Chunks of the shim's own sources require its shared modules as './x.js' (shim/internals.ts).
  setChunkRequire((id) => (id.startsWith('./') ? internalModule(id) : requireBuiltin(id)));
  void fs;
  timers.setUncaughtHandler(uncaught);
}

function setup(json: string): void {
  bindHost();
  config = JSON.parse(json) as Config;
  seedRandom(config.seedWords);
  setMinLevel(config.logLevel);
  process.env = { ...config.env };
  process.version = `v${config.nodeVersion}`;
  process.versions = { ...config.versions };
  setProcessStart(config.startedAt, exit);
  registerHostModules(config.hostModules ?? []);
  registerSdkShapes(config.sdk ?? {});
}

function exit(code: number): never {
  const id = current?.id ?? 'undefined';
  const message =
    code === 0 ? `RequestId: ${id} Error: Runtime exited without providing a reason` : `RequestId: ${id} Error: Runtime exited with error: exit status ${code}`;
  host.done('exit', JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: message }));
  if (current !== undefined) current.finished = true;
  // Unwind the handler; the host disposes of this environment.
  throw new Error('process.exit');
}

function uncaught(error: unknown): void {
  if (error instanceof Error && error.message === 'process.exit' && current?.finished === true) return;
  const payload = toPayload(error);
  if (current !== undefined) current.finished = true;
  host.done('fatal', JSON.stringify(payload));
}

function resolvePath(root: unknown, path: string): unknown {
  let v = root;
  for (const part of path.split('.')) {
    if (v === null || v === undefined) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const CALLBACK_DEPRECATED =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. ' +
  'You need to modify this function to use a supported handler signature to use Node.js 24 or later. ' +
  'For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

function register(ns: Record<string, unknown>): void {
  delete globalThis['__lambda_register'];
  let fn = resolvePath(ns, config.exportPath);
  if (fn === undefined && ns['default'] !== null && typeof ns['default'] === 'object') fn = resolvePath(ns['default'], config.exportPath);
  if (fn === undefined && typeof ns['default'] === 'function' && config.exportPath !== 'default') fn = resolvePath(ns['default'], config.exportPath);
  if (fn === undefined) {
    host.done('error', JSON.stringify(runtimeError('Runtime.HandlerNotFound', `${config.handlerString} is undefined or not exported`)));
    return;
  }
  if (typeof fn !== 'function') {
    host.done('error', JSON.stringify(runtimeError('Runtime.HandlerNotFound', `${config.handlerString} is not a function`)));
    return;
  }
  if (config.runtime === 'nodejs24.x' && (fn as { length: number }).length >= 3) {
    host.done('error', JSON.stringify(runtimeError('Runtime.CallbackHandlerDeprecated', CALLBACK_DEPRECATED)));
    return;
  }
  handler = fn as typeof handler;
  host.done('registered', '');
}

function finishOk(inv: Invocation, value: unknown): void {
  if (inv.finished || current !== inv) return;
  inv.finished = true;
  let body: string | undefined;
  try {
    body = JSON.stringify(value === undefined ? null : value);
  } catch (cause) {
    const type = config.runtime === 'nodejs24.x' ? 'Runtime.JSONStringifyError' : 'Error';
    host.done('error', JSON.stringify(runtimeError(type, 'Unable to stringify response body', cause)));
    return;
  }
  host.done('ok', body ?? 'null');
}

function finishError(inv: Invocation, error: unknown): void {
  if (inv.finished || current !== inv) return;
  inv.finished = true;
  host.done('error', JSON.stringify(toPayload(error)));
}

function invoke(head: string, payload: string, extraJson: string): void {
  const [requestId = '', deadlineText = '0', traceId = '', invokedFunctionArn = ''] = head.split('\n');
  const deadline = Number(deadlineText);
  const extra = (extraJson === '' ? {} : JSON.parse(extraJson)) as { clientContext?: unknown; identity?: unknown; fault?: 'error' | 'timeout' | 'crash' };
  const inv: Invocation = { id: requestId, finished: false, isAsync: false, callbackResult: undefined };
  current = inv;
  process.env['_X_AMZN_TRACE_ID'] = traceId;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionVersion: config.functionVersion,
    functionName: config.functionName,
    memoryLimitInMB: config.memoryLimitInMB,
    logGroupName: config.logGroupName,
    logStreamName: config.logStreamName,
    clientContext: extra.clientContext,
    identity: extra.identity,
    invokedFunctionArn,
    awsRequestId: requestId,
    getRemainingTimeInMillis: (): number => Math.max(0, deadline - host.now()),
    succeed: (value: unknown): void => finishOk(inv, value),
    fail: (error: unknown): void => finishError(inv, error ?? null),
    done: (error: unknown, value: unknown): void => (error === undefined || error === null ? finishOk(inv, value) : finishError(inv, error)),
  };
  const callback = (error: unknown, value: unknown): void => {
    if (inv.finished || current !== inv || inv.callbackResult !== undefined) return;
    if (error !== undefined && error !== null) finishError(inv, error);
    else if (context.callbackWaitsForEmptyEventLoop) inv.callbackResult = { value };
    else finishOk(inv, value);
  };
  let event: unknown;
  let result: unknown;
  try {
    event = JSON.parse(payload);
    // Fault injection (lambda-sim/testing): the handler does not run; the runtime behaves as if it failed.
    if (extra.fault === 'error') {
      const fault = new Error('lambda-sim injected a function error');
      fault.name = 'InjectedFault';
      throw fault;
    }
    if (extra.fault === 'crash') process.exit(1);
    if (extra.fault === 'timeout') {
      inv.isAsync = true;
      timers.setTimeout(() => {}, 2147483647);
      return;
    }
    result = handler(event, context, callback);
  } catch (error) {
    if (error instanceof Error && error.message === 'process.exit' && inv.finished) return;
    finishError(inv, error);
    return;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    inv.isAsync = true;
    (result as PromiseLike<unknown>).then(
      (v) => finishOk(inv, v),
      (e: unknown) => finishError(inv, e),
    );
  }
}

/** The host saw no ref'd timer left: what Node's event loop running dry means for this invocation. */
function drained(): void {
  const inv = current;
  if (inv === undefined || inv.finished) return;
  if (inv.callbackResult !== undefined) finishOk(inv, inv.callbackResult.value);
  else if (!inv.isAsync) finishOk(inv, null);
  else {
    inv.finished = true;
    host.done(
      'error',
      JSON.stringify(
        runtimeError(
          'Runtime.NodeJsExit',
          'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. ' +
            'For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
        ),
      ),
    );
  }
}

function fire(id: number): void {
  try {
    timers.fire(id);
  } catch (e) {
    if (!(e instanceof Error && e.message === 'process.exit')) uncaught(e);
  }
}

install();
/**
 * The host takes references to these and then deletes them from the global object (see
 * environment.ts), so handler code cannot call the protocol; `__lambda_register` removes itself
 * once the handler is registered.
 */
const protocol = (name: string, value: unknown): void => {
  Object.defineProperty(globalThis, name, { value, writable: false, configurable: true, enumerable: false });
};
protocol('__lambda_setup', setup);
protocol('__lambda_register', register);
protocol('__lambda_invoke', invoke);
protocol('__lambda_fire', fire);
protocol('__lambda_drained', drained);
protocol('__lambda_chunk', receiveChunk);
protocol('__lambda_settle', (id: number, ok: boolean, json: string): void => {
  try {
    settle(id, ok, json);
  } catch (e) {
    uncaught(e);
  }
});
