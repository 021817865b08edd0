/**
 * Scenario files (`scenarios/*.json`): functions, account settings, traffic, faults, a duration in
 * simulated time, a seed, and expectations — so a scenario is both a benchmark and a regression
 * test. `parseScenario` validates a parsed file with errors that name the path and the expected
 * value; `scenarios/scenario.schema.json` describes the same format for editors.
 */
import type { FaultPlan } from '../faults.js';
import type { Distribution } from '../runtime/model.js';
import { validateFaultPlan } from '../faults.js';
import { ScenarioError } from '../errors.js';

export type { Distribution } from '../runtime/model.js';

export interface ModelCode {
  /** Duration of each invocation (simulated ms). */
  durationMs: Distribution;
  /** Share of invocations that fail with a function error. Default 0. */
  failureRate?: number;
}

export interface ScenarioFunction {
  name: string;
  /** Real code: a file or directory (relative to the scenario file), inline source, or a model (duration distribution, failure rate). */
  code: { path: string } | { source: string } | { model: ModelCode };
  /** Default 'index.handler' (for a file: '<file>.handler'). */
  handler?: string;
  timeout?: number;
  memory?: number;
  reservedConcurrency?: number;
  /** Provisioned concurrency on version 1 (published for it); traffic then targets that version. */
  provisionedConcurrency?: number;
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  /** Name of an in-memory queue to use as the dead-letter queue (created by the runner). */
  deadLetterQueue?: string;
  /** Names of in-memory queues for destinations (created by the runner). */
  onSuccess?: string;
  onFailure?: string;
  environment?: Record<string, string>;
  /** `Allow` lets function-to-function loops run past 16 hops. */
  recursiveLoop?: 'Allow' | 'Terminate';
}

export type Pattern =
  | { constant: { rate: number } }
  | { ramp: { from: number; to: number } }
  | { burst: { at: number; count: number } }
  | { poisson: { rate: number } }
  | { steps: Array<{ at: number; rate: number }> }
  | { recorded: number[] };

export interface Traffic {
  function: string;
  /** 'async' (InvocationType Event, default) or 'sync' (RequestResponse). */
  type?: 'sync' | 'async';
  /** Arrivals: rates are per second; times are seconds since the start. */
  pattern: Pattern;
  /** Seconds since the start; default 0 and the scenario's duration. */
  start?: number;
  end?: number;
  /** The event each arrival sends. Default `{}`; the runner adds `seq` (the arrival's number). */
  payload?: Record<string, unknown>;
}

export interface Expectation {
  /** `<function>.<metric>` or `account.<metric>`: see {@link SUMMARY_METRICS}. */
  metric: string;
  min?: number;
  max?: number;
}

export interface Scenario {
  name: string;
  description?: string;
  seed: number;
  durationSeconds: number;
  account?: { concurrency?: number; unreservedMinimum?: number; requestsPerSecondPerConcurrency?: number; scalingRate?: { environments: number; perSeconds: number } };
  eventQueue?: { capacity?: number; duplicateProbability?: number };
  /** Simulated ms of a cold start's platform part (added to Init Duration). Default 0. */
  initLatencyMs?: number;
  functions: ScenarioFunction[];
  traffic: Traffic[];
  faults?: FaultPlan;
  expect?: Expectation[];
}

/** The account-wide figures expectations can bound (`account.<figure>`). */
export const ACCOUNT_METRICS = ['invocations', 'throttles', 'maxConcurrency', 'maxUnreservedConcurrency'] as const;

/** The per-function figures a summary has, and expectations can bound. */
export const SUMMARY_METRICS = [
  'invocations',
  'successes',
  'functionErrors',
  'throttles',
  'retries',
  'duplicates',
  'deadLettered',
  'destinationDeliveries',
  'dropped',
  'coldStarts',
  'maxConcurrency',
  'latencyP50Ms',
  'latencyP95Ms',
  'latencyP99Ms',
  'eventAgeP50Ms',
  'eventAgeP99Ms',
  'accepted',
  'sent',
  'refused',
] as const;

export { ScenarioError };

type Json = Record<string, unknown>;

const fail = (path: string, expected: string, got: unknown): never => {
  throw new ScenarioError(`${path}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`);
};
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown, path: string, min: number, max = Number.POSITIVE_INFINITY, integer = false): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    fail(path, `${integer ? 'an integer' : 'a number'} from ${min}${max === Number.POSITIVE_INFINITY || max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`, v);
  }
  return v as number;
};
const optNum = (o: Json, key: string, path: string, min: number, max?: number, integer = false): void => {
  if (o[key] !== undefined) num(o[key], `${path}.${key}`, min, max, integer);
};
const str = (v: unknown, path: string): string => (typeof v === 'string' && v !== '' ? v : fail(path, 'a non-empty string', v));
const keys = (o: Json, allowed: string[], path: string): void => {
  for (const k of Object.keys(o)) if (!allowed.includes(k) && k !== '$schema') fail(`${path}.${k}`, `one of the fields ${allowed.join(', ')}`, k);
};
const oneKey = (o: unknown, allowed: string[], path: string): [string, unknown] => {
  if (!isObject(o)) fail(path, `an object with one of ${allowed.join(', ')}`, o);
  const entries = Object.entries(o as Json);
  if (entries.length !== 1 || !allowed.includes(entries[0]![0])) fail(path, `exactly one of ${allowed.join(', ')}`, Object.keys(o as Json));
  return entries[0]!;
};

function distribution(v: unknown, path: string): Distribution {
  const [kind, d] = oneKey(v, ['fixed', 'uniform', 'normal', 'exponential'], path);
  if ((kind === 'normal' || kind === 'exponential') && isObject(d)) keys(d, kind === 'normal' ? ['mean', 'stddev'] : ['mean'], `${path}.${kind}`);
  if (kind === 'fixed') num(d, `${path}.fixed`, 0);
  else if (kind === 'uniform') {
    if (!Array.isArray(d) || d.length !== 2) fail(`${path}.uniform`, '[min, max]', d);
    const [a, b] = d as unknown[];
    if (num(a, `${path}.uniform[0]`, 0) > num(b, `${path}.uniform[1]`, 0)) fail(`${path}.uniform`, 'min <= max', d);
  } else if (kind === 'normal') {
    if (!isObject(d)) fail(`${path}.normal`, '{ mean, stddev }', d);
    num((d as Json)['mean'], `${path}.normal.mean`, 0);
    num((d as Json)['stddev'], `${path}.normal.stddev`, 0);
  } else {
    if (!isObject(d)) fail(`${path}.exponential`, '{ mean }', d);
    num((d as Json)['mean'], `${path}.exponential.mean`, 0);
  }
  return v as Distribution;
}

function pattern(v: unknown, path: string): Pattern {
  const [kind, p] = oneKey(v, ['constant', 'ramp', 'burst', 'poisson', 'steps', 'recorded'], path);
  const at = `${path}.${kind}`;
  const fields: Record<string, string[]> = { constant: ['rate'], poisson: ['rate'], ramp: ['from', 'to'], burst: ['at', 'count'] };
  if (fields[kind] !== undefined && isObject(p)) keys(p, fields[kind]!, at);
  if (kind === 'constant' || kind === 'poisson') {
    if (!isObject(p)) fail(at, '{ rate }', p);
    num((p as Json)['rate'], `${at}.rate`, 0);
  } else if (kind === 'ramp') {
    if (!isObject(p)) fail(at, '{ from, to } (rates per second)', p);
    num((p as Json)['from'], `${at}.from`, 0);
    num((p as Json)['to'], `${at}.to`, 0);
  } else if (kind === 'burst') {
    if (!isObject(p)) fail(at, '{ at, count }', p);
    num((p as Json)['at'], `${at}.at`, 0);
    num((p as Json)['count'], `${at}.count`, 1, 10_000_000, true);
  } else if (kind === 'steps') {
    if (!Array.isArray(p) || p.length === 0) fail(at, 'a non-empty array of { at, rate }', p);
    (p as unknown[]).forEach((s, i) => {
      if (!isObject(s)) fail(`${at}[${i}]`, '{ at, rate }', s);
      keys(s as Json, ['at', 'rate'], `${at}[${i}]`);
      num((s as Json)['at'], `${at}[${i}].at`, 0);
      num((s as Json)['rate'], `${at}[${i}].rate`, 0);
    });
  } else {
    if (!Array.isArray(p)) fail(at, 'an array of arrival times (seconds)', p);
    (p as unknown[]).forEach((t, i) => num(t, `${at}[${i}]`, 0));
  }
  return v as Pattern;
}

/** Validates a parsed scenario file; throws {@link ScenarioError} naming the path of the first problem. */
export function parseScenario(input: unknown): Scenario {
  if (!isObject(input)) fail('scenario', 'a JSON object', input);
  const s = input as Json;
  keys(s, ['name', 'description', 'seed', 'durationSeconds', 'account', 'eventQueue', 'initLatencyMs', 'functions', 'traffic', 'faults', 'expect'], 'scenario');
  str(s['name'], 'scenario.name');
  num(s['seed'] ?? 1, 'scenario.seed', 0, Number.MAX_SAFE_INTEGER, true);
  num(s['durationSeconds'], 'scenario.durationSeconds', 0.001, 366 * 24 * 3600);
  optNum(s, 'initLatencyMs', 'scenario', 0);
  if (s['account'] !== undefined) {
    if (!isObject(s['account'])) fail('scenario.account', 'an object', s['account']);
    const a = s['account'] as Json;
    keys(a, ['concurrency', 'unreservedMinimum', 'requestsPerSecondPerConcurrency', 'scalingRate'], 'scenario.account');
    optNum(a, 'concurrency', 'scenario.account', 1, Number.MAX_SAFE_INTEGER, true);
    optNum(a, 'unreservedMinimum', 'scenario.account', 0, Number.MAX_SAFE_INTEGER, true);
    optNum(a, 'requestsPerSecondPerConcurrency', 'scenario.account', 0.001);
    const limit = (a['concurrency'] as number | undefined) ?? 1000;
    const minimum = (a['unreservedMinimum'] as number | undefined) ?? 100;
    if (minimum > limit) fail('scenario.account', `unreservedMinimum (${minimum}${a['unreservedMinimum'] === undefined ? ', the default' : ''}) at most concurrency (${limit})`, a);
    if (a['scalingRate'] !== undefined) {
      if (!isObject(a['scalingRate'])) fail('scenario.account.scalingRate', '{ environments, perSeconds }', a['scalingRate']);
      keys(a['scalingRate'] as Json, ['environments', 'perSeconds'], 'scenario.account.scalingRate');
      num((a['scalingRate'] as Json)['environments'], 'scenario.account.scalingRate.environments', 1, Number.MAX_SAFE_INTEGER, true);
      num((a['scalingRate'] as Json)['perSeconds'], 'scenario.account.scalingRate.perSeconds', 0.001);
    }
  }
  if (s['eventQueue'] !== undefined) {
    if (!isObject(s['eventQueue'])) fail('scenario.eventQueue', 'an object', s['eventQueue']);
    const q = s['eventQueue'] as Json;
    keys(q, ['capacity', 'duplicateProbability'], 'scenario.eventQueue');
    optNum(q, 'capacity', 'scenario.eventQueue', 1, Number.MAX_SAFE_INTEGER, true);
    optNum(q, 'duplicateProbability', 'scenario.eventQueue', 0, 1);
  }
  if (!Array.isArray(s['functions']) || s['functions'].length === 0) fail('scenario.functions', 'a non-empty array of functions', s['functions']);
  const names = new Set<string>();
  (s['functions'] as unknown[]).forEach((f, i) => {
    const path = `scenario.functions[${i}]`;
    if (!isObject(f)) fail(path, 'an object', f);
    const fn = f as Json;
    keys(fn, ['name', 'code', 'handler', 'timeout', 'memory', 'reservedConcurrency', 'provisionedConcurrency', 'maximumRetryAttempts', 'maximumEventAgeInSeconds', 'deadLetterQueue', 'onSuccess', 'onFailure', 'environment', 'recursiveLoop'], path);
    const name = str(fn['name'], `${path}.name`);
    if (!/^[a-zA-Z0-9-_]{1,64}$/.test(name)) fail(`${path}.name`, 'a function name of 1-64 characters [a-zA-Z0-9-_]', name);
    if (names.has(name)) fail(`${path}.name`, 'a name not used by another function', name);
    names.add(name);
    const [kind, code] = oneKey(fn['code'], ['path', 'source', 'model'], `${path}.code`);
    if (kind === 'model') {
      if (!isObject(code)) fail(`${path}.code.model`, '{ durationMs, failureRate }', code);
      keys(code as Json, ['durationMs', 'failureRate'], `${path}.code.model`);
      distribution((code as Json)['durationMs'], `${path}.code.model.durationMs`);
      optNum(code as Json, 'failureRate', `${path}.code.model`, 0, 1);
    } else str(code, `${path}.code.${kind}`);
    optNum(fn, 'timeout', path, 1, 900, true);
    optNum(fn, 'memory', path, 128, 10240, true);
    optNum(fn, 'reservedConcurrency', path, 0, Number.MAX_SAFE_INTEGER, true);
    optNum(fn, 'provisionedConcurrency', path, 1, Number.MAX_SAFE_INTEGER, true);
    optNum(fn, 'maximumRetryAttempts', path, 0, 2, true);
    optNum(fn, 'maximumEventAgeInSeconds', path, 60, 21_600, true);
    for (const k of ['deadLetterQueue', 'onSuccess', 'onFailure', 'handler']) if (fn[k] !== undefined) str(fn[k], `${path}.${k}`);
    if (fn['recursiveLoop'] !== undefined && fn['recursiveLoop'] !== 'Allow' && fn['recursiveLoop'] !== 'Terminate') fail(`${path}.recursiveLoop`, "'Allow' or 'Terminate'", fn['recursiveLoop']);
    if (fn['environment'] !== undefined) {
      if (!isObject(fn['environment'])) fail(`${path}.environment`, 'an object of string values', fn['environment']);
      for (const [k, v] of Object.entries(fn['environment'] as Json)) {
        if (!/^[a-zA-Z][a-zA-Z0-9_]+$/.test(k)) fail(`${path}.environment`, 'keys matching [a-zA-Z][a-zA-Z0-9_]+ (as Lambda requires)', k);
        if (typeof v !== 'string') fail(`${path}.environment.${k}`, 'a string', v);
      }
    }
    if (typeof fn['provisionedConcurrency'] === 'number' && typeof fn['reservedConcurrency'] === 'number' && fn['provisionedConcurrency'] > fn['reservedConcurrency']) {
      fail(`${path}.provisionedConcurrency`, `at most the reservedConcurrency (${fn['reservedConcurrency']})`, fn['provisionedConcurrency']);
    }
  });
  if (!Array.isArray(s['traffic'])) fail('scenario.traffic', 'an array of traffic sources', s['traffic']);
  (s['traffic'] as unknown[]).forEach((t, i) => {
    const path = `scenario.traffic[${i}]`;
    if (!isObject(t)) fail(path, 'an object', t);
    const tr = t as Json;
    keys(tr, ['function', 'type', 'pattern', 'start', 'end', 'payload'], path);
    if (!names.has(str(tr['function'], `${path}.function`))) fail(`${path}.function`, `one of the functions (${[...names].join(', ')})`, tr['function']);
    if (tr['type'] !== undefined && tr['type'] !== 'sync' && tr['type'] !== 'async') fail(`${path}.type`, "'sync' or 'async'", tr['type']);
    pattern(tr['pattern'], `${path}.pattern`);
    optNum(tr, 'start', path, 0);
    optNum(tr, 'end', path, 0);
    if (typeof tr['start'] === 'number' && typeof tr['end'] === 'number' && tr['end'] < tr['start']) fail(path, `end (${tr['end']}) >= start (${tr['start']})`, tr);
    if (tr['payload'] !== undefined && !isObject(tr['payload'])) fail(`${path}.payload`, 'a JSON object', tr['payload']);
  });
  if (s['faults'] !== undefined) {
    try {
      validateFaultPlan(s['faults'], 'scenario.faults');
    } catch (e) {
      throw new ScenarioError(`scenario.faults: ${(e as Error).message}`);
    }
  }
  if (s['expect'] !== undefined) {
    if (!Array.isArray(s['expect'])) fail('scenario.expect', 'an array of { metric, min?, max? }', s['expect']);
    (s['expect'] as unknown[]).forEach((e, i) => {
      const path = `scenario.expect[${i}]`;
      if (!isObject(e)) fail(path, '{ metric, min?, max? }', e);
      const x = e as Json;
      keys(x, ['metric', 'min', 'max'], path);
      const metric = str(x['metric'], `${path}.metric`);
      const [owner, figure] = metric.split('.') as [string, string | undefined];
      if (figure === undefined || (owner !== 'account' && !names.has(owner))) fail(`${path}.metric`, `'<function>.<metric>' or 'account.<metric>' (functions: ${[...names].join(', ')})`, metric);
      const figures: readonly string[] = owner === 'account' ? ACCOUNT_METRICS : SUMMARY_METRICS;
      if (!figures.includes(figure!)) fail(`${path}.metric`, `a metric ${owner === 'account' ? 'of the account' : 'of a function'} among ${figures.join(', ')}`, metric);
      if (x['min'] === undefined && x['max'] === undefined) fail(path, 'a min or a max', e);
      optNum(x, 'min', path, Number.NEGATIVE_INFINITY);
      optNum(x, 'max', path, Number.NEGATIVE_INFINITY);
    });
  }
  return { ...(s as unknown as Scenario), seed: (s['seed'] as number | undefined) ?? 1 };
}
