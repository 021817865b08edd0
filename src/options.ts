/**
 * The simulator's options: each documented with its default, and their validation (a TypeError
 * naming the option, what was given and what was expected). Part of the facade layer: the
 * constructor validates with {@link checkOptions} before building anything.
 */
import type { AwsOptions } from './control/aws-sdk.js';
import type { Latency } from './control/host-router.js';
import { display } from './control/names.js';
import { checkSamplingRule, type SamplingRule } from './control/trace-sampling.js';
import type { FaultPlan } from './faults.js';
import type { ClockMode } from './kernel/kernel.js';
import { isNetworkPolicy, type NetworkPolicy } from './runtime/host-network.js';
import type { SupervisedSandboxOptions } from './runtime/supervisor/supervised.js';

export interface LambdaSimulatorOptions {
  /** Seed of every random choice (request ids, Math.random in sandboxes…). Default 1. */
  seed?: number;
  /** 'virtual' (default): simulated time that jumps; 'real': wall-clock time, optionally scaled. */
  clock?: ClockMode;
  /** Simulated epoch ms at start (virtual default 2025-01-01T00:00:00Z). */
  epoch?: number;
  /** Real clock only: simulated ms per real ms. */
  timeScale?: number;
  /**
   * Real clock only: sandbox calls of different environments run in parallel on isolated-vm's
   * threads, at most this many at once. Default: the host's available cores.
   */
  parallelism?: number;
  region?: string;
  accountId?: string;
  /** Account concurrency limit: concurrent executions in this simulated region. Default 1000. */
  accountConcurrency?: number;
  /** Concurrency that reservations may never take from the unreserved pool. Default 100. */
  unreservedConcurrencyMinimum?: number;
  /**
   * Simulated time the platform spends on a cold start before the module's own init code runs
   * (added to Init Duration): milliseconds, or a function of a seeded `random()`. Default 0.
   * 'measured' adds the init code's real CPU time instead (runs then do not replay exactly).
   */
  initLatency?: Latency | 'measured';
  /** Simulated ms an idle execution environment lives before it is reaped. Default 600 000 (10 min); Infinity keeps them. */
  idleEnvironmentTtlMs?: number;
  /** Each function adds at most `environments` new execution environments per `perMs` of simulated time. Default 1000 per 10 000 ms. */
  scalingRate?: { environments: number; perMs: number };
  /** Requests per second a function serves per unit of its concurrency limit. Default 10. */
  requestsPerSecondPerConcurrency?: number;
  /**
   * 'enforce': every invoke is checked against resource policies (addPermission) and the caller's
   * identity (`invoke(input, { caller })`; default caller: the account itself, allowed). Default 'off'.
   */
  permissions?: 'enforce' | 'off';
  /**
   * Real milliseconds a host call (host module, AWS SDK) may stay pending before it fails: virtual
   * time cannot move while host work is pending. Default 30 000.
   */
  hostCallTimeoutMs?: number;
  /** Cap on live execution environments (isolates) in this process. Default 1000. */
  maxEnvironments?: number;
  /**
   * Cap on the sandbox memory live environments use, summed (MB, as measured: each environment's
   * heap high-water mark). Reached, idle environments are reaped; with none idle a new one fails
   * with HostLimitExceededError. Default: half of the host's memory.
   */
  maxSandboxMemoryMB?: number;
  /**
   * Characters of console output an invocation keeps: a longer record is cut with a marker, and
   * past the cap the oldest records go, replaced by a line saying how many. Default 16 777 216.
   */
  maxLogCharsPerInvocation?: number;
  /**
   * Where sandboxes run. 'in-process' (default): isolates in this process, fastest. 'supervised':
   * in a child process this one supervises, for code you do not trust — what isolated-vm cannot
   * contain (a V8 abort, WebAssembly memory it does not count, a huge JSON.parse) kills the child,
   * the environments it held fail with Runtime.ExitError, a new child starts and the simulation
   * goes on. `{ mode: 'supervised', memoryLimitMB }` caps the child's resident memory (default
   * 4096 MB; passing it kills the child). Slower: every sandbox call crosses a pipe.
   */
  sandbox?: 'in-process' | 'supervised' | ({ mode: 'supervised' } & SupervisedSandboxOptions);
  /**
   * Real milliseconds of CPU a single invocation (or init) may spend in its sandbox before it is
   * stopped and reported as a timeout; the effective budget is min(Timeout, this). Default 10 000.
   */
  cpuTimeBudgetMs?: number;
  /** Directory `Code.Path` is resolved against. Default: process.cwd(). */
  cwd?: string;
  /**
   * Budget of bundling one function's code (createFunction, updateFunctionCode): real ms (default
   * 30 000), bytes of files read (default 262 144 000, Lambda's unzipped limit) and files read
   * (default 100 000). Past it createFunction fails (HostLimitExceededError for time and files,
   * InvalidParameterValueException for bytes) and nothing is kept.
   */
  bundling?: { timeoutMs?: number; maxInputBytes?: number; maxInputFiles?: number };
  /**
   * Host modules: `require('name')` / `import … from 'name'` inside handlers returns a bridge to
   * this host object (functions called on the host, values copied). For fakes of your own
   * infrastructure.
   */
  modules?: Record<string, unknown>;
  /**
   * Simulated latency of asynchronous host calls, by host module name: milliseconds, or a function
   * of a seeded `random()` returning milliseconds.
   */
  hostLatency?: Record<string, Latency>;
  /**
   * The sandbox's network (fetch, http/https): `'off'` (default: a request fails as ECONNREFUSED,
   * naming this option), `'host'` (the host's own fetch and http, so msw, nock and undici's
   * MockAgent in your test process answer), or a function `(request) => Response` (a fake).
   * Latency: `hostLatency.network` or `hostLatency['network:<hostname>']`.
   */
  network?: NetworkPolicy;
  /**
   * Where the runtime-provided AWS SDK's calls go, by service: `lambda` defaults to this simulator;
   * other services must be routed ('sdk' for the real client answered by your mocks, `{ endpoint }`,
   * `{ requestHandler }`, `{ client }`). `packages` gives SDK module namespaces to use on the host.
   * Latency: `hostLatency['aws:dynamodb']`.
   */
  aws?: AwsOptions;
  /** Asynchronous invocation (InvocationType 'Event'): the event queue's knobs. */
  eventQueue?: EventQueueOptions;
  /** Faults to inject (see `injectFaults`): plain data, times in ms since the simulator was created. */
  faults?: FaultPlan;
  /**
   * X-Ray sampling of functions with `TracingConfig: { Mode: 'Active' }` (their trace header says
   * `Sampled=1` when sampled). Default X-Ray's rule, as Lambda: the first invocation of each
   * function each simulated second, then 5 % (seeded). `{ fixedRate: 1 }` samples every one.
   */
  xraySampling?: SamplingRule;
}

export interface EventQueueOptions {
  /** Events a function's queue holds (waiting for delivery or a retry); beyond it new events are dropped (QueueOverflow). Default 100 000. */
  capacity?: number;
  /** Largest async payload in bytes. Default 1 048 576 (1 MB, Lambda's limit since October 2025; it was 262 144). */
  maxPayloadBytes?: number;
  /** Probability that an event's first delivery is repeated (at-least-once delivery), seeded. Default 0. */
  duplicateProbability?: number;
  /** Up to this many ms of seeded random delay added to the 60 s / 120 s retry gaps. Default 0. */
  retryJitterMs?: number;
  /** Ended delivery chains kept for `asyncEvents()` (oldest go first; metrics count everything). Default 100 000. */
  keepEvents?: number;
}

const OPTION_KEYS = new Set([
  'seed', 'clock', 'epoch', 'timeScale', 'region', 'accountId', 'accountConcurrency', 'maxEnvironments', 'cpuTimeBudgetMs', 'cwd',
  'modules', 'hostLatency', 'network', 'aws', 'unreservedConcurrencyMinimum', 'initLatency', 'idleEnvironmentTtlMs',
  'scalingRate', 'requestsPerSecondPerConcurrency', 'permissions', 'hostCallTimeoutMs', 'parallelism', 'eventQueue', 'faults',
  'maxSandboxMemoryMB', 'maxLogCharsPerInvocation', 'sandbox', 'bundling', 'xraySampling',
]);

const EVENT_QUEUE_KEYS = ['capacity', 'maxPayloadBytes', 'duplicateProbability', 'retryJitterMs', 'keepEvents'];

function checkEventQueue(q: unknown): void {
  if (q === undefined) return;
  if (q === null || typeof q !== 'object' || Array.isArray(q)) throw new TypeError(`Expected \`eventQueue\` to be an object of ${EVENT_QUEUE_KEYS.join(', ')}, got \`${display(q)}\``);
  const o = q as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!EVENT_QUEUE_KEYS.includes(key)) throw new TypeError(`Unknown option \`eventQueue.${key}\`; expected one of ${EVENT_QUEUE_KEYS.join(', ')}`);
  }
  for (const key of ['capacity', 'maxPayloadBytes', 'keepEvents']) {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new TypeError(`Expected \`eventQueue.${key}\` to be an integer >= 1, got \`${display(v)}\``);
  }
  const p = o['duplicateProbability'];
  if (p !== undefined && !(typeof p === 'number' && p >= 0 && p <= 1)) throw new TypeError(`Expected \`eventQueue.duplicateProbability\` to be a number from 0 to 1, got \`${display(p)}\``);
  const j = o['retryJitterMs'];
  if (j !== undefined && !(typeof j === 'number' && Number.isFinite(j) && j >= 0)) throw new TypeError(`Expected \`eventQueue.retryJitterMs\` to be milliseconds >= 0, got \`${display(j)}\``);
}

const BUNDLING_KEYS = ['timeoutMs', 'maxInputBytes', 'maxInputFiles'];

function checkBundling(v: unknown): void {
  if (v === undefined) return;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`Expected \`bundling\` to be an object of ${BUNDLING_KEYS.join(', ')}, got \`${display(v)}\``);
  for (const [key, value] of Object.entries(v)) {
    if (!BUNDLING_KEYS.includes(key)) throw new TypeError(`Unknown option \`bundling.${key}\`; expected one of ${BUNDLING_KEYS.join(', ')}`);
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= 1)) {
      throw new TypeError(`Expected \`bundling.${key}\` to be an integer >= 1, got \`${display(value)}\``);
    }
  }
}

function checkSandboxOption(v: unknown): void {
  if (v === undefined || v === 'in-process' || v === 'supervised') return;
  const o = v as Record<string, unknown>;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && o['mode'] === 'supervised') {
    for (const key of Object.keys(o)) {
      if (key !== 'mode' && key !== 'memoryLimitMB') throw new TypeError(`Unknown option \`sandbox.${key}\`; expected mode, memoryLimitMB`);
    }
    const m = o['memoryLimitMB'];
    if (m === undefined || (typeof m === 'number' && Number.isInteger(m) && m >= 256)) return;
    throw new TypeError(`Expected \`sandbox.memoryLimitMB\` to be an integer >= 256, got \`${display(m)}\``);
  }
  throw new TypeError(`Expected \`sandbox\` to be 'in-process', 'supervised' or { mode: 'supervised', memoryLimitMB }, got \`${display(v)}\``);
}

/** Validates options; throws a TypeError naming the option, what was given and what is expected. */
export function checkOptions(o: LambdaSimulatorOptions): void {
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`Unknown option \`${key}\`; expected one of ${[...OPTION_KEYS].join(', ')}`);
  }
  const positiveInt = (key: keyof LambdaSimulatorOptions): void => {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) {
      throw new TypeError(`Expected \`${key}\` to be an integer >= 1, got \`${display(v)}\` (${typeof v})`);
    }
  };
  positiveInt('maxEnvironments');
  positiveInt('maxSandboxMemoryMB');
  if (o.maxLogCharsPerInvocation !== undefined && !(Number.isInteger(o.maxLogCharsPerInvocation) && o.maxLogCharsPerInvocation >= 1024)) {
    throw new TypeError(`Expected \`maxLogCharsPerInvocation\` to be an integer >= 1024, got \`${display(o.maxLogCharsPerInvocation)}\``);
  }
  checkSandboxOption(o.sandbox);
  checkBundling(o.bundling);
  positiveInt('cpuTimeBudgetMs');
  positiveInt('hostCallTimeoutMs');
  positiveInt('accountConcurrency');
  positiveInt('parallelism');
  checkEventQueue(o.eventQueue);
  checkSamplingRule(o.xraySampling, 'xraySampling');
  if (o.parallelism !== undefined && o.clock !== 'real') {
    throw new TypeError("`parallelism` applies to clock: 'real' only (virtual time runs sandbox calls one at a time, in a fixed order, so runs replay)");
  }
  const minimum = o.unreservedConcurrencyMinimum;
  if (minimum !== undefined && (typeof minimum !== 'number' || !Number.isInteger(minimum) || minimum < 0)) {
    throw new TypeError(`Expected \`unreservedConcurrencyMinimum\` to be an integer >= 0, got \`${display(minimum)}\` (${typeof minimum})`);
  }
  if ((minimum ?? 100) > (o.accountConcurrency ?? 1000)) {
    throw new TypeError(`Expected \`unreservedConcurrencyMinimum\` (${minimum ?? 100}) to be at most \`accountConcurrency\` (${o.accountConcurrency ?? 1000})`);
  }
  if (o.clock !== undefined && o.clock !== 'virtual' && o.clock !== 'real') {
    throw new TypeError(`Expected \`clock\` to be 'virtual' or 'real', got \`${display(o.clock)}\``);
  }
  if (o.region !== undefined && (typeof o.region !== 'string' || !/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(o.region))) {
    throw new TypeError(`Expected \`region\` to look like 'us-east-1', got \`${display(o.region)}\``);
  }
  if (o.accountId !== undefined && (typeof o.accountId !== 'string' || !/^\d{12}$/.test(o.accountId))) {
    throw new TypeError(`Expected \`accountId\` to be 12 digits, got \`${display(o.accountId)}\``);
  }
  if (o.epoch !== undefined && (typeof o.epoch !== 'number' || !Number.isFinite(o.epoch))) {
    throw new TypeError(`Expected \`epoch\` to be epoch milliseconds, got \`${display(o.epoch)}\``);
  }
  if (o.initLatency !== undefined && o.initLatency !== 'measured' && !(typeof o.initLatency === 'function' || (typeof o.initLatency === 'number' && Number.isFinite(o.initLatency) && o.initLatency >= 0))) {
    throw new TypeError(`Expected \`initLatency\` to be milliseconds >= 0, a function of random() or 'measured', got \`${display(o.initLatency)}\``);
  }
  if (o.idleEnvironmentTtlMs !== undefined && !(typeof o.idleEnvironmentTtlMs === 'number' && o.idleEnvironmentTtlMs > 0)) {
    throw new TypeError(`Expected \`idleEnvironmentTtlMs\` to be milliseconds > 0 (or Infinity), got \`${display(o.idleEnvironmentTtlMs)}\``);
  }
  if (o.permissions !== undefined && o.permissions !== 'enforce' && o.permissions !== 'off') {
    throw new TypeError(`Expected \`permissions\` to be 'enforce' or 'off', got \`${display(o.permissions)}\``);
  }
  const sr = o.scalingRate;
  if (sr !== undefined && !(sr !== null && typeof sr === 'object' && Number.isInteger(sr.environments) && sr.environments >= 1 && typeof sr.perMs === 'number' && sr.perMs > 0)) {
    throw new TypeError(`Expected \`scalingRate\` to be { environments: integer >= 1, perMs: ms > 0 }, got \`${display(sr)}\``);
  }
  const rps = o.requestsPerSecondPerConcurrency;
  if (rps !== undefined && !(typeof rps === 'number' && rps > 0)) {
    throw new TypeError(`Expected \`requestsPerSecondPerConcurrency\` to be a number > 0, got \`${display(rps)}\``);
  }
  if (o.network !== undefined && !isNetworkPolicy(o.network)) {
    throw new TypeError(`Expected \`network\` to be 'off', 'host' or a function (request: Request) => Response, got \`${display(o.network)}\``);
  }
  if (o.modules !== undefined && (o.modules === null || typeof o.modules !== 'object' || Array.isArray(o.modules))) {
    throw new TypeError(`Expected \`modules\` to be an object of host modules by name, got \`${display(o.modules)}\``);
  }
  for (const [name, l] of Object.entries(o.hostLatency ?? {})) {
    if (!(typeof l === 'function' || (typeof l === 'number' && Number.isFinite(l) && l >= 0))) {
      throw new TypeError(`Expected \`hostLatency.${name}\` to be milliseconds >= 0 or a function of random(), got \`${display(l)}\``);
    }
    if (o.modules?.[name] === undefined && !name.startsWith('aws:') && name !== 'network' && !name.startsWith('network:')) {
      throw new TypeError(`\`hostLatency.${name}\` names no host module in \`modules\` (AWS services are 'aws:<service>', the network 'network' or 'network:<hostname>')`);
    }
  }
}
