/**
 * Runs a scenario in virtual time: creates its functions and queues, drives its traffic as events
 * of the simulation (no awaits between arrivals), then lets every retry and delivery finish, and
 * sums up what happened per function, checks the expectations, and can write a Chrome trace.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { handlerForPath } from '../runtime/bundle.js';
import { Random } from '../kernel/random.js';
import { LambdaSimulator, type LambdaSimulatorOptions } from '../simulator.js';
import type { InvocationRecord } from '../runtime/environment.js';
import type { ModelSpec } from '../runtime/model.js';
import { ScenarioError, type Expectation, type Pattern, type Scenario, type ScenarioFunction } from './format.js';

export interface FunctionSummary {
  /** Arrivals sent, accepted (202/200 answered), refused (throttled or other errors at the API). */
  sent: number;
  accepted: number;
  refused: number;
  invocations: number;
  successes: number;
  functionErrors: number;
  throttles: number;
  throttlesByReason: Record<string, number>;
  retries: number;
  duplicates: number;
  deadLettered: number;
  destinationDeliveries: number;
  dropped: number;
  coldStarts: number;
  maxConcurrency: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  eventAgeP50Ms: number;
  eventAgeP99Ms: number;
}

export interface ExpectationResult extends Expectation {
  measured: number;
  ok: boolean;
}

export interface ScenarioResult {
  name: string;
  seed: number;
  /** Simulated seconds of traffic, and until everything settled. */
  durationSeconds: number;
  settledAfterSeconds: number;
  /** Real ms the run took. */
  realMs: number;
  functions: Record<string, FunctionSummary>;
  account: { invocations: number; throttles: number; maxConcurrency: number; maxUnreservedConcurrency: number };
  expectations: ExpectationResult[];
  passed: boolean;
}

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Overrides the scenario's duration (seconds of traffic), e.g. to shorten it in tests. */
  durationSeconds?: number;
  /** Directory `code.path` is relative to (the scenario file's). Default: cwd. */
  baseDir?: string;
  /** Called as simulated time passes: share done (0–1) and deliveries so far. */
  onProgress?: (done: number, invocations: number) => void;
  /** Collect Chrome trace events (`--trace`). */
  trace?: boolean;
}

/** Per-function figures over simulated time, in buckets of `bucketMs` (for the HTML report). */
export interface ScenarioSeries {
  bucketMs: number;
  functions: Record<
    string,
    { concurrency: number[]; throttles: number[]; coldStarts: number[]; successes: number[]; errors: number[]; queueDepth: number[]; eventAgeMax: number[]; limit: number | null }
  >;
  accountLimit: number;
}

export interface ScenarioRun {
  result: ScenarioResult;
  /** Figures over simulated time (always collected; small). */
  series: ScenarioSeries;
  /** Chrome trace event format (when asked for). */
  trace?: { traceEvents: object[]; displayTimeUnit: 'ms' };
}

function codeOf(f: ScenarioFunction, baseDir: string): { Code: { Path: string } | { Source: string } | { Model: ModelSpec }; Handler: string } {
  // A modelled function runs no code and holds no isolate (src/runtime/model.ts).
  if ('model' in f.code) return { Code: { Model: f.code.model }, Handler: f.handler ?? 'index.handler' };
  if ('source' in f.code) return { Code: { Source: f.code.source }, Handler: f.handler ?? 'index.handler' };
  const path = resolve(baseDir, f.code.path);
  if (!existsSync(path)) throw new ScenarioError(`functions.${f.name}.code.path: ${f.code.path} does not exist (relative to ${baseDir})`);
  // A scenario's `handler` is the full Handler.
  return { Code: { Path: path }, Handler: f.handler ?? handlerForPath(path, statSync(path).isDirectory()) };
}

/**
 * Arrival times (seconds since the start) of one traffic source, lazily: the pattern is laid over
 * [start, end), and generation stops at `cut` (the scenario's duration) without compressing it.
 */
function* arrivals(pattern: Pattern, start: number, end: number, cut: number, random: Random): Generator<number> {
  for (const t of laidOut(pattern, start, end, random)) {
    if (t >= cut) return;
    yield t;
  }
}

function* laidOut(pattern: Pattern, start: number, end: number, random: Random): Generator<number> {
  const span = end - start;
  if ('constant' in pattern) {
    const rate = pattern.constant.rate;
    if (rate <= 0) return;
    for (let k = 0; start + k / rate < end; k++) yield start + k / rate;
  } else if ('poisson' in pattern) {
    const rate = pattern.poisson.rate;
    if (rate <= 0) return;
    for (let t = start - Math.log(1 - random.next()) / rate; t < end; t -= Math.log(1 - random.next()) / rate) yield t;
  } else if ('ramp' in pattern) {
    // Rate grows linearly from `from` to `to`: the k-th arrival is where the integral reaches k.
    const { from, to } = pattern.ramp;
    const a = (to - from) / (2 * span);
    for (let k = 0; ; k++) {
      const t = a === 0 ? (from > 0 ? k / from : Infinity) : (-from + Math.sqrt(from * from + 4 * a * k)) / (2 * a);
      if (!(start + t < end)) return;
      yield start + t;
    }
  } else if ('burst' in pattern) {
    const at = start + pattern.burst.at;
    if (at < end) for (let k = 0; k < pattern.burst.count; k++) yield at;
  } else if ('steps' in pattern) {
    const steps = [...pattern.steps].sort((x, y) => x.at - y.at);
    for (const [i, step] of steps.entries()) {
      const from = start + step.at;
      const until = Math.min(end, i + 1 < steps.length ? start + steps[i + 1]!.at : end);
      if (step.rate > 0) for (let k = 0; from + k / step.rate < until; k++) yield from + k / step.rate;
    }
  } else {
    for (const t of [...pattern.recorded].sort((x, y) => x - y)) if (start + t < end) yield start + t;
  }
}

const quantile = (sorted: number[], p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioRun> {
  const began = performance.now();
  const seed = options.seed ?? scenario.seed;
  const duration = options.durationSeconds ?? scenario.durationSeconds;
  const baseDir = options.baseDir ?? process.cwd();
  const a = scenario.account ?? {};
  const simOptions: LambdaSimulatorOptions = {
    seed,
    cwd: baseDir,
    maxEnvironments: 3000,
    ...(a.concurrency === undefined ? {} : { accountConcurrency: a.concurrency }),
    ...(a.unreservedMinimum === undefined ? {} : { unreservedConcurrencyMinimum: a.unreservedMinimum }),
    ...(a.requestsPerSecondPerConcurrency === undefined ? {} : { requestsPerSecondPerConcurrency: a.requestsPerSecondPerConcurrency }),
    ...(a.scalingRate === undefined ? {} : { scalingRate: { environments: a.scalingRate.environments, perMs: a.scalingRate.perSeconds * 1000 } }),
    ...(scenario.eventQueue === undefined ? {} : { eventQueue: { ...scenario.eventQueue, keepEvents: 1000 } }),
    ...(scenario.initLatencyMs === undefined ? {} : { initLatency: scenario.initLatencyMs }),
  };
  const sim = new LambdaSimulator(simOptions);
  try {
    const targets = new Map<string, string>();
    const queue = (name: string): string => sim.createQueue(name).arn;
    for (const f of scenario.functions) {
      const { Code, Handler } = codeOf(f, baseDir);
      await sim.createFunction({
        FunctionName: f.name,
        Handler,
        Code,
        ...(f.timeout === undefined ? {} : { Timeout: f.timeout }),
        ...(f.memory === undefined ? {} : { MemorySize: f.memory }),
        ...(f.environment === undefined ? {} : { Environment: { Variables: f.environment } }),
        ...(f.deadLetterQueue === undefined ? {} : { DeadLetterConfig: { TargetArn: queue(f.deadLetterQueue) } }),
      });
      if (f.reservedConcurrency !== undefined) await sim.putFunctionConcurrency({ FunctionName: f.name, ReservedConcurrentExecutions: f.reservedConcurrency });
      let target = f.name;
      if (f.provisionedConcurrency !== undefined) {
        await sim.publishVersion({ FunctionName: f.name });
        await sim.putProvisionedConcurrencyConfig({ FunctionName: f.name, Qualifier: '1', ProvisionedConcurrentExecutions: f.provisionedConcurrency });
        target = `${f.name}:1`;
      }
      targets.set(f.name, target);
      const qualifier = f.provisionedConcurrency === undefined ? {} : { Qualifier: '1' };
      if (f.maximumRetryAttempts !== undefined || f.maximumEventAgeInSeconds !== undefined || f.onSuccess !== undefined || f.onFailure !== undefined) {
        await sim.putFunctionEventInvokeConfig({
          FunctionName: f.name,
          ...qualifier,
          ...(f.maximumRetryAttempts === undefined ? {} : { MaximumRetryAttempts: f.maximumRetryAttempts }),
          ...(f.maximumEventAgeInSeconds === undefined ? {} : { MaximumEventAgeInSeconds: f.maximumEventAgeInSeconds }),
          DestinationConfig: {
            ...(f.onSuccess === undefined ? {} : { OnSuccess: { Destination: queue(f.onSuccess) } }),
            ...(f.onFailure === undefined ? {} : { OnFailure: { Destination: queue(f.onFailure) } }),
          },
        });
      }
      if (f.recursiveLoop !== undefined) await sim.putFunctionRecursionConfig({ FunctionName: f.name, RecursiveLoop: f.recursiveLoop });
    }
    // Provisioned environments initialise ahead of the traffic.
    await sim.settle();

    const stats = new Map<string, { sent: number; accepted: number; refused: number; byReason: Record<string, number>; latencies: number[]; ages: number[]; retries: number; duplicates: number; deadLettered: number; destinations: number }>();
    const of = (fn: string): NonNullable<ReturnType<typeof stats.get>> => {
      let s = stats.get(fn);
      if (s === undefined) {
        s = { sent: 0, accepted: 0, refused: 0, byReason: {}, latencies: [], ages: [], retries: 0, duplicates: 0, deadLettered: 0, destinations: 0 };
        stats.set(fn, s);
      }
      return s;
    };
    for (const f of scenario.functions) of(f.name);
    const traceEvents: object[] = [];
    const tracks = new Map<string, number>();
    const track = (key: string): number => {
      let tid = tracks.get(key);
      if (tid === undefined) {
        tid = tracks.size + 1;
        tracks.set(key, tid);
        traceEvents.push({ name: 'thread_name', ph: 'M', pid: 1, tid, args: { name: key } });
      }
      return tid;
    };
    const start = sim.now();
    // Fault windows count from the start of the traffic (provisioned environments may have taken time).
    if (scenario.faults !== undefined) sim.injectFaults(scenario.faults, { relativeTo: 'now' });
    const us = (t: number): number => Math.round((t - start) * 1000);
    let invocations = 0;
    // Figures over time: buckets of 1/200 of the traffic's duration (more buckets as time goes on).
    const bucketMs = Math.max(1, Math.round((duration * 1000) / 200));
    const series: ScenarioSeries = { bucketMs, functions: {}, accountLimit: a.concurrency ?? 1000 };
    const running = new Map<string, number>();
    const inQueue = new Map<string, boolean>();
    const row = (fn: string): ScenarioSeries['functions'][string] => {
      let r = series.functions[fn];
      if (r === undefined) {
        const f = scenario.functions.find((x) => x.name === fn);
        r = { concurrency: [], throttles: [], coldStarts: [], successes: [], errors: [], queueDepth: [], eventAgeMax: [], limit: f?.reservedConcurrency ?? null };
        series.functions[fn] = r;
      }
      return r;
    };
    for (const f of scenario.functions) row(f.name);
    const bucket = (time: number): number => Math.max(0, Math.floor((time - start) / bucketMs));
    const bump = (list: number[], i: number, by: number): void => {
      while (list.length <= i) list.push(0);
      list[i] = list[i]! + by;
    };
    const peak = (list: number[], i: number, value: number): void => {
      while (list.length <= i) list.push(0);
      if (value > list[i]!) list[i] = value;
    };
    // Gauges (concurrency, queue depth) also remember their level at the end of each bucket, so a
    // bucket with no change shows the level that held through it.
    const levels = new Map<number[], Array<number | undefined>>();
    const gauge = (list: number[], i: number, value: number): void => {
      peak(list, i, value);
      let end = levels.get(list);
      if (end === undefined) levels.set(list, (end = []));
      end[i] = value;
    };
    const depth = new Map<string, number>();
    const setDepth = (fn: string, by: number, time: number): void => {
      depth.set(fn, (depth.get(fn) ?? 0) + by);
      // Recorded once the current step is over: an event accepted and at once dropped for a full
      // queue never stood in it.
      const i = bucket(time);
      queueMicrotask(() => gauge(row(fn).queueDepth, i, depth.get(fn)!));
    };
    const queueEvent = (e: { functionName: string; requestId: string; chain: number; time: number }, into: boolean | 'out'): void => {
      const key = `${e.requestId}#${e.chain}`;
      const was = inQueue.get(key) === true;
      if (into === true && !was) setDepth(e.functionName, 1, e.time);
      if (into !== true && was) setDepth(e.functionName, -1, e.time);
      if (into === 'out') inQueue.delete(key);
      else inQueue.set(key, into);
    };
    sim.on('invocation:start', (e) => {
      const n = (running.get(e.functionName) ?? 0) + 1;
      running.set(e.functionName, n);
      gauge(row(e.functionName).concurrency, bucket(e.time), n);
      if (e.coldStart) bump(row(e.functionName).coldStarts, bucket(e.time), 1);
    });
    sim.on('invocation:end', (r) => {
      const n = (running.get(r.functionName) ?? 1) - 1;
      running.set(r.functionName, n);
      gauge(row(r.functionName).concurrency, bucket(r.endTime), n);
      bump(r.status === 'success' ? row(r.functionName).successes : row(r.functionName).errors, bucket(r.endTime), 1);
    });
    sim.on('invocation:throttle', (t) => bump(row(t.functionName).throttles, bucket(t.time), 1));
    sim.on('async:queued', (e) => queueEvent(e, true));
    sim.on('async:duplicated', (e) => queueEvent(e, true));
    sim.on('async:retry-scheduled', (e) => queueEvent(e, true));
    sim.on('async:delivered', (e) => {
      queueEvent(e, false);
      peak(row(e.functionName).eventAgeMax, bucket(e.time), e.age ?? 0);
    });
    for (const end of ['succeeded', 'failed', 'dropped'] as const) sim.on(`async:${end}`, (e) => queueEvent(e, 'out'));
    sim.on('invocation:end', (r: InvocationRecord) => {
      invocations++;
      of(r.functionName).latencies.push(r.durationMs + (r.initDurationMs ?? 0));
      if (options.trace === true && traceEvents.length < 1_000_000) {
        traceEvents.push({ name: r.functionName, cat: r.status, ph: 'X', ts: us(r.startTime), dur: Math.max(1, us(r.endTime) - us(r.startTime)), pid: 1, tid: track(r.environmentId), args: { requestId: r.requestId, status: r.status, ...(r.errorType === undefined ? {} : { errorType: r.errorType }), cold: r.coldStart } });
      }
    });
    sim.on('invocation:throttle', (t) => {
      const s = of(t.functionName);
      s.byReason[t.reason] = (s.byReason[t.reason] ?? 0) + 1;
      if (options.trace === true && traceEvents.length < 1_000_000) traceEvents.push({ name: `throttle ${t.reason}`, ph: 'i', s: 't', ts: us(t.time), pid: 1, tid: track(`${t.functionName} throttles`) });
    });
    sim.on('async:delivered', (e) => {
      of(e.functionName).ages.push(e.age ?? 0);
      // A retry is a delivery after the first (one cut off by the event's age never happened).
      if ((e.attempt ?? 1) > 1) of(e.functionName).retries++;
    });
    sim.on('async:retry-scheduled', (e) => {
      if (options.trace === true && traceEvents.length < 1_000_000) traceEvents.push({ name: `retry (attempt ${e.attempt})`, ph: 'i', s: 't', ts: us(e.time), pid: 1, tid: track(`${e.functionName} retries`), args: { requestId: e.requestId, at: e.at } });
    });
    sim.on('async:duplicated', (e) => void of(e.functionName).duplicates++);
    sim.on('async:dead-lettered', (e) => void (e.ok === true && of(e.functionName).deadLettered++));
    sim.on('async:destination', (e) => void (e.ok === true && of(e.functionName).destinations++));

    // Traffic: each source is a chain of simulation events, one per arrival.
    const random = new Random(seed).fork('scenario-traffic');
    const end = start + duration * 1000;
    const pending = new Set<Promise<unknown>>();
    for (const [i, t] of scenario.traffic.entries()) {
      const times = arrivals(t.pattern, t.start ?? 0, t.end ?? scenario.durationSeconds, duration, random.fork(`traffic-${i}`));
      const target = targets.get(t.function)!;
      const type = t.type === 'sync' ? 'RequestResponse' : 'Event';
      const s = of(t.function);
      let seq = 0;
      // `fire` runs the arrivals due at one instant, then schedules the next one: one simulation
      // event per instant, the arrival times generated lazily (an hour at 5,000/s is never a list).
      const fire = (value: number): void => {
        let at = value;
        for (;;) {
          s.sent++;
          const p = sim.invoke({ FunctionName: target, InvocationType: type, Payload: JSON.stringify({ ...t.payload, seq: seq++ }) }).then(
            () => void s.accepted++,
            () => void s.refused++,
          );
          pending.add(p);
          void p.then(() => pending.delete(p));
          const following = times.next();
          if (following.done === true) return;
          if (following.value !== at) {
            sim.schedule(start + following.value * 1000, () => fire(following.value));
            return;
          }
          at = following.value;
        }
      };
      const first = times.next();
      if (first.done !== true) sim.schedule(start + first.value * 1000, () => fire(first.value));
    }
    if (options.onProgress !== undefined) {
      const report = options.onProgress;
      for (let k = 1; k <= 100; k++) sim.schedule(start + (duration * 1000 * k) / 100, () => report(k / 100, invocations));
    }
    await sim.advance(Math.max(0, end - sim.now()));
    while (pending.size > 0) await Promise.all([...pending]);
    await sim.settle();
    while (pending.size > 0) await Promise.all([...pending]);
    const settledAfter = (sim.now() - start) / 1000;

    const metrics = sim.metrics();
    const functions: Record<string, FunctionSummary> = {};
    for (const [fn, s] of stats) {
      const m = metrics.functions[fn];
      const lat = [...s.latencies].sort((x, y) => x - y);
      const ages = [...s.ages].sort((x, y) => x - y);
      functions[fn] = {
        sent: s.sent,
        accepted: s.accepted,
        refused: s.refused,
        invocations: m?.Invocations ?? 0,
        successes: (m?.Invocations ?? 0) - (m?.Errors ?? 0),
        functionErrors: m?.Errors ?? 0,
        throttles: m?.Throttles ?? 0,
        throttlesByReason: s.byReason,
        retries: s.retries,
        duplicates: s.duplicates,
        deadLettered: s.deadLettered,
        destinationDeliveries: s.destinations,
        dropped: m?.AsyncEventsDropped ?? 0,
        coldStarts: m?.ColdStarts ?? 0,
        maxConcurrency: m?.ConcurrentExecutions ?? 0,
        latencyP50Ms: quantile(lat, 50),
        latencyP95Ms: quantile(lat, 95),
        latencyP99Ms: quantile(lat, 99),
        eventAgeP50Ms: quantile(ages, 50),
        eventAgeP99Ms: quantile(ages, 99),
      };
    }
    const totals = Object.values(functions);
    const account = {
      invocations: totals.reduce((n, f) => n + f.invocations, 0),
      throttles: metrics.account.Throttles,
      maxConcurrency: metrics.account.ConcurrentExecutions,
      maxUnreservedConcurrency: metrics.account.UnreservedConcurrentExecutions,
    };
    const expectations = (scenario.expect ?? []).map((x): ExpectationResult => {
      const [owner, figure] = x.metric.split('.') as [string, string];
      const source = owner === 'account' ? (account as Record<string, number>) : (functions[owner] as unknown as Record<string, number>);
      const measured = source?.[figure] ?? Number.NaN;
      const ok = Number.isFinite(measured) && (x.min === undefined || measured >= x.min) && (x.max === undefined || measured <= x.max);
      return { ...x, measured, ok };
    });
    const result: ScenarioResult = {
      name: scenario.name,
      seed,
      durationSeconds: duration,
      settledAfterSeconds: settledAfter,
      realMs: Math.round(performance.now() - began),
      functions,
      account,
      expectations,
      passed: expectations.every((e) => e.ok),
    };
    // Every series covers the same buckets, to the time everything settled.
    const buckets = Math.max(1, bucket(sim.now()) + 1);
    for (const r of Object.values(series.functions)) {
      for (const list of [r.concurrency, r.throttles, r.coldStarts, r.successes, r.errors, r.queueDepth, r.eventAgeMax]) while (list.length < buckets) list.push(0);
      for (const list of [r.concurrency, r.queueDepth]) {
        const end = levels.get(list) ?? [];
        let carry = 0;
        for (let i = 0; i < list.length; i++) {
          list[i] = Math.max(list[i]!, carry);
          if (end[i] !== undefined) carry = end[i]!;
        }
      }
    }
    return { result, series, ...(options.trace === true ? { trace: { traceEvents, displayTimeUnit: 'ms' as const } } : {}) };
  } finally {
    await sim.close();
  }
}
