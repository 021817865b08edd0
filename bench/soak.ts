/**
 * `npm run soak` (issue 9, part 5): one simulator, virtual clock, a fixed seed, ONE MILLION
 * invocations (`--invocations N`, `--seed S`), and assertions that nothing was lost, miscounted or
 * leaked on the way.
 *
 * The traffic is a seeded schedule of rounds, one per simulated second, of ROUND invocations each:
 * - `api` (synchronous): mostly warm successes, thrown errors, timeouts (the handler awaits past
 *   its 1 s Timeout → Sandbox.Timedout) and crashes (`process.exit(1)` → Runtime.ExitError);
 * - `worker` (Event, MaximumRetryAttempts 1, OnFailure destination to a queue): successes, events
 *   that fail on both tries (thrown, timed out, crashed), and events that fail the first try only
 *   (a host module remembers the first try);
 * - `mailer` (Event, MaximumRetryAttempts 0, a dead-letter queue): successes and thrown errors;
 * - `burst` (synchronous): every BURST_EVERY rounds BURST invocations at once that each await
 *   100 ms, so each needs its own environment; idleEnvironmentTtlMs is shorter than the gap, so
 *   every burst starts BURST cold environments and every one of them is reaped afterwards.
 *
 * It checks (exit code 1 and a message per failure): each outcome counted by the simulator's
 * metrics, its event stream and the InvokeCommandOutputs returned equals what was planned; every
 * accepted async event ends in exactly one terminal state; RSS at the end is within 10 % of the
 * first peak (the largest sample over the first 20 % of the run, sampled every 1 % after gc());
 * sandboxStats() agrees with the environments' lifecycle and is zero live after close(); no
 * unhandled rejection or uncaught exception; no handle left open after close(), so the process
 * ends by itself.
 */
import { Command, InvalidArgumentError } from 'commander';
import { performance } from 'node:perf_hooks';
import { LambdaSimulator, type InvokeOutput } from '../dist/index.js';
import { Random } from '../dist/kernel/random.js';

const integer = (value: string): number => {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};
const opts = new Command('soak')
  .option('--invocations <n>', 'invocations to run', integer, 1_000_000)
  .option('--seed <n>', 'seed of the schedule and the simulator', integer, 1)
  .option('--supervised', 'run the sandboxes in the supervised child process')
  .parse()
  .opts<{ invocations: number; seed: number; supervised?: boolean }>();

const N = opts.invocations;
const ROUND = 100; // invocations per round
const ROUND_MS = 1000; // simulated time between rounds
const BURST = 20; // concurrent invocations of a burst
const BURST_EVERY = 50; // rounds between bursts (50 s, more than the idle TTL)
const IDLE_TTL_MS = 30_000;
const SAMPLES = 100; // RSS samples over the run
const PEAK_WINDOW = 0.2; // the first peak: the largest sample over this share of the run

// ---- failures: recorded, reported at the end ----
const failures: string[] = [];
const check = (ok: boolean, message: string): void => void (ok || failures.push(message));
process.on('unhandledRejection', (reason) => failures.push(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`));
process.on('uncaughtException', (error) => failures.push(`uncaught exception: ${String(error?.stack ?? error)}`));

// ---- the plan ----
type Fn = 'api' | 'worker' | 'mailer' | 'burst';
type Op = 'ok' | 'throw' | 'late' | 'exit' | 'flaky' | 'nap';
/** Share of the traffic outside bursts; `api ok` takes what is left. */
const MIX: Array<[Fn, Op, number]> = [
  ['api', 'throw', 0.04],
  ['api', 'late', 0.002],
  ['api', 'exit', 0.002],
  ['worker', 'ok', 0.17],
  ['worker', 'throw', 0.01],
  ['worker', 'flaky', 0.01],
  ['worker', 'late', 0.001],
  ['worker', 'exit', 0.001],
  ['mailer', 'ok', 0.045],
  ['mailer', 'throw', 0.005],
];
const schedule = new Random(opts.seed).fork('soak-schedule');
function planned(i: number): [Fn, Op] {
  const round = Math.floor(i / ROUND);
  if (round % BURST_EVERY === BURST_EVERY - 1 && i % ROUND < BURST) return ['burst', 'nap'];
  let x = schedule.next();
  for (const [fn, op, share] of MIX) if ((x -= share) < 0) return [fn, op];
  return ['api', 'ok'];
}

// One handler for every function: what it does is in the event.
const HANDLER = `import { firstTry } from 'ledger';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const handler = async (e, ctx) => {
  switch (e.op) {
    case 'ok': return { n: e.n };
    case 'nap': await sleep(100); return { n: e.n };
    case 'throw': throw new Error('planned failure ' + e.n);
    case 'late': await sleep(1500); return 'too late';
    case 'exit': process.exit(1);
    case 'flaky': if (await firstTry(ctx.awsRequestId)) throw new Error('first try fails ' + e.n); return { n: e.n };
  }
  throw new Error('unknown op ' + e.op);
};`;

/** Request ids of `flaky` events between their first and second try. */
const firstTries = new Set<string>();
const sim = new LambdaSimulator({
  seed: opts.seed,
  ...(opts.supervised === true ? { sandbox: 'supervised' as const } : {}),
  idleEnvironmentTtlMs: IDLE_TTL_MS,
  requestsPerSecondPerConcurrency: Number.POSITIVE_INFINITY,
  eventQueue: { keepEvents: 1000 },
  modules: { ledger: { firstTry: (id: string) => (firstTries.delete(id) ? false : (firstTries.add(id), true)) } },
});
const failureQueue = sim.createQueue('worker-failures');
const dlq = sim.createQueue('mailer-dlq');
for (const name of ['api', 'worker', 'mailer', 'burst']) {
  await sim.createFunction({ FunctionName: name, Handler: 'index.handler', Timeout: 1, Code: { Source: HANDLER }, ...(name === 'mailer' ? { DeadLetterConfig: { TargetArn: dlq.arn } } : {}) });
}
await sim.putFunctionEventInvokeConfig({ FunctionName: 'worker', MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: failureQueue.arn } } });
await sim.putFunctionEventInvokeConfig({ FunctionName: 'mailer', MaximumRetryAttempts: 0 });

// ---- tallies ----
const counter = (): Map<string, number> => new Map();
const bump = (m: Map<string, number>, key: string, by = 1): void => void m.set(key, (m.get(key) ?? 0) + by);
const plan = counter(); // `fn op` → invocations planned
const answers = counter(); // `fn outcome` from the InvokeCommandOutputs
const ends = counter(); // `fn status errorType` from invocation:end
const lifecycle = counter(); // `fn async:type` from async:* events
const environments = { created: 0, disposed: counter() };
let queuedMessages = 0;
let dlqMessages = 0;

/** Async events accepted and not yet ended: each must end exactly once. */
const open = new Set<string>();
sim.on('async:queued', (e) => {
  check(!open.has(e.requestId), `async event ${e.requestId} queued twice`);
  open.add(e.requestId);
  bump(lifecycle, `${e.functionName} queued`);
});
for (const type of ['succeeded', 'failed', 'dropped'] as const) {
  sim.on(`async:${type}`, (e) => {
    check(open.delete(e.requestId), `async event ${e.requestId} ended (${type}) but was not open: ended twice or never queued`);
    bump(lifecycle, `${e.functionName} ${type}${e.condition === undefined || e.condition === 'Success' ? '' : ` ${e.condition}`}`);
  });
}
sim.on('async:delivered', (e) => bump(lifecycle, `${e.functionName} ${(e.attempt ?? 1) > 1 ? 'retried' : 'delivered'}`));
for (const type of ['throttled', 'retry-scheduled', 'duplicated'] as const) sim.on(`async:${type}`, (e) => bump(lifecycle, `${e.functionName} ${type}`));
sim.on('async:destination', (e) => bump(lifecycle, `${e.functionName} destination ${e.ok === true ? 'ok' : 'failed'}`));
sim.on('async:dead-lettered', (e) => bump(lifecycle, `${e.functionName} dead-lettered ${e.ok === true ? 'ok' : 'failed'}`));
sim.on('invocation:end', (r) => bump(ends, `${r.functionName} ${r.status}${r.errorType === undefined ? '' : ` ${r.errorType}`}`));
sim.on('invocation:throttle', (t) => failures.push(`unplanned throttle of ${t.functionName}: ${t.reason}`));

// Which environments hold a sandbox: created with one; a timeout or crash throws it away until the
// next (cold) invocation there makes another.
const liveEnvironments = new Set<string>();
const withoutSandbox = new Set<string>();
sim.on('environment:created', (e) => {
  environments.created++;
  liveEnvironments.add(e.environmentId);
});
sim.on('environment:disposed', (e) => {
  bump(environments.disposed, e.reason);
  liveEnvironments.delete(e.environmentId);
  withoutSandbox.delete(e.environmentId);
});
sim.on('invocation:start', (e) => void (e.coldStart && withoutSandbox.delete(e.environmentId)));
sim.on('invocation:end', (r) => void ((r.status === 'timeout' || r.status === 'crash') && withoutSandbox.add(r.environmentId)));

/** sandboxStats() against the environments' lifecycle as the events told it (checked at every sample). */
function checkSandboxes(when: string): ReturnType<typeof sim.sandboxStats> {
  const stats = sim.sandboxStats();
  check(stats.created === stats.disposed + stats.live, `sandboxStats ${when}: created ${stats.created} ≠ disposed ${stats.disposed} + live ${stats.live}`);
  const holding = liveEnvironments.size - withoutSandbox.size;
  check(stats.live === holding, `sandboxStats ${when}: live ${stats.live}, but ${holding} environments hold a sandbox (${liveEnvironments.size} live, ${withoutSandbox.size} reset)`);
  return stats;
}

/** What an output says happened: `ok`, `queued`, or the error type of a function error. */
function outcome(fn: Fn, op: Op, n: number, out: InvokeOutput): string {
  const body = out.Payload?.transformToString() ?? '';
  if (out.StatusCode === 202) return body === '' ? 'queued' : `202 with a body: ${body}`;
  if (out.StatusCode !== 200) return `status ${out.StatusCode}`;
  if (out.FunctionError === undefined) return body === JSON.stringify({ n }) ? 'ok' : `unexpected payload ${body}`;
  const type = (JSON.parse(body) as { errorType?: string }).errorType ?? 'no errorType';
  if (op === 'throw' && type === 'Error') check(body.includes(`planned failure ${n}`), `${fn} ${n}: the error payload does not name it: ${body}`);
  return type;
}

// ---- memory ----
const gc = (globalThis as { gc?: () => void }).gc;
const rss = (): number => {
  gc?.();
  return process.memoryUsage.rss();
};
const MB = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;
const sampleEvery = Math.max(ROUND, Math.round(N / SAMPLES / ROUND) * ROUND);
const samples: Array<{ at: number; rss: number }> = [];

// ---- the run ----
const t0 = performance.now();
const start = sim.now();
let sent = 0;
let progressAt = 0;
let trafficEnd: ReturnType<typeof sim.sandboxStats> | undefined;
while (sent < N) {
  const round = Math.floor(sent / ROUND);
  const due = start + round * ROUND_MS;
  if (sim.now() < due) await sim.advance(due - sim.now());
  const calls: Array<Promise<void>> = [];
  for (const end = Math.min(N, sent + ROUND); sent < end; sent++) {
    const n = sent;
    const [fn, op] = planned(n);
    bump(plan, `${fn} ${op}`);
    const type = fn === 'worker' || fn === 'mailer' ? 'Event' : 'RequestResponse';
    calls.push(
      sim.invoke({ FunctionName: fn, InvocationType: type, Payload: JSON.stringify({ op, n }) }).then(
        (out) => bump(answers, `${fn} ${outcome(fn, op, n, out)}`),
        (error: unknown) => void failures.push(`${fn} ${op} #${n} was refused: ${String(error)}`),
      ),
    );
  }
  await Promise.all(calls);
  // Targets keep what they receive: count it and let it go, as a consumer would.
  queuedMessages += failureQueue.size;
  dlqMessages += dlq.size;
  failureQueue.clear();
  dlq.clear();
  if (sent % sampleEvery === 0 || sent === N) {
    samples.push({ at: sent, rss: rss() });
    trafficEnd = checkSandboxes(`after ${sent} invocations`);
  }
  if (process.stderr.isTTY && performance.now() - progressAt > 1000) {
    progressAt = performance.now();
    process.stderr.write(`\r${sent.toLocaleString('en-US')} / ${N.toLocaleString('en-US')} invocations…`);
  }
}
const driven = performance.now() - t0;
const endRss = samples[samples.length - 1]!.rss; // after the last round, before the retries left settle
await sim.settle({ maxEvents: Number.MAX_SAFE_INTEGER });
const ms = performance.now() - t0;
if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
queuedMessages += failureQueue.size;
dlqMessages += dlq.size;
const simulatedSeconds = (sim.now() - start) / 1000;
const settledRss = rss();

// ---- expected counts, from the plan alone ----
const p = (key: string): number => plan.get(key) ?? 0;
const worker = { ok: p('worker ok'), flaky: p('worker flaky'), failing: p('worker throw') + p('worker late') + p('worker exit') };
const workerEvents = worker.ok + worker.flaky + worker.failing;
const mailerEvents = p('mailer ok') + p('mailer throw');
const expected: Array<[string, Map<string, number>, Record<string, number>]> = [
  [
    'InvokeCommandOutputs',
    answers,
    {
      'api ok': p('api ok'),
      'api Error': p('api throw'),
      'api Sandbox.Timedout': p('api late'),
      'api Runtime.ExitError': p('api exit'),
      'burst ok': p('burst nap'),
      'worker queued': workerEvents,
      'mailer queued': mailerEvents,
    },
  ],
  [
    'invocations ended (invocation:end)',
    ends,
    {
      'api success': p('api ok'),
      'api error Error': p('api throw'),
      'api timeout Sandbox.Timedout': p('api late'),
      'api crash Runtime.ExitError': p('api exit'),
      'burst success': p('burst nap'),
      // MaximumRetryAttempts 1: failing events run twice, flaky ones fail once then succeed.
      'worker success': worker.ok + worker.flaky,
      'worker error Error': 2 * p('worker throw') + worker.flaky,
      'worker timeout Sandbox.Timedout': 2 * p('worker late'),
      'worker crash Runtime.ExitError': 2 * p('worker exit'),
      'mailer success': p('mailer ok'),
      'mailer error Error': p('mailer throw'),
    },
  ],
  [
    'async events (async:*)',
    lifecycle,
    {
      'worker queued': workerEvents,
      'worker delivered': workerEvents,
      'worker retried': worker.flaky + worker.failing,
      'worker retry-scheduled': worker.flaky + worker.failing,
      'worker succeeded': worker.ok + worker.flaky,
      'worker failed RetriesExhausted': worker.failing,
      'worker destination ok': worker.failing,
      'mailer queued': mailerEvents,
      'mailer delivered': mailerEvents,
      'mailer succeeded': p('mailer ok'),
      'mailer failed RetriesExhausted': p('mailer throw'),
      'mailer dead-lettered ok': p('mailer throw'),
    },
  ],
];
const rows: string[][] = [];
for (const [source, seen, want] of expected) {
  for (const [key, value] of Object.entries(want)) {
    const got = seen.get(key) ?? 0;
    rows.push([source, key, String(value), String(got)]);
    check(got === value, `${source}: ${key} is ${got}, planned ${value}`);
  }
  for (const [key, got] of seen) if (!(key in want)) check(false, `${source}: unplanned ${key} (${got})`);
}
check(queuedMessages === worker.failing, `worker-failures queue received ${queuedMessages} records, planned ${worker.failing}`);
check(dlqMessages === p('mailer throw'), `mailer-dlq received ${dlqMessages} messages, planned ${p('mailer throw')}`);
rows.push(['queues', 'worker-failures messages', String(worker.failing), String(queuedMessages)]);
rows.push(['queues', 'mailer-dlq messages', String(p('mailer throw')), String(dlqMessages)]);
check(open.size === 0, `${open.size} accepted async events never ended (e.g. ${[...open].slice(0, 3).join(', ')})`);
check(firstTries.size === 0, `${firstTries.size} flaky events were never tried a second time`);

// Metrics (CloudWatch's names) against the same plan.
const metrics = sim.metrics();
const bursts = p('burst nap') / BURST;
const wantMetrics: Record<Fn, Record<string, number>> = {
  api: { Invocations: p('api ok') + p('api throw') + p('api late') + p('api exit'), Errors: p('api throw') + p('api late') + p('api exit'), AsyncEventsReceived: 0, AsyncEventsDropped: 0 },
  burst: { Invocations: p('burst nap'), Errors: 0, ColdStarts: p('burst nap'), ConcurrentExecutions: bursts > 0 ? BURST : 0 },
  worker: { Invocations: workerEvents + worker.flaky + worker.failing, Errors: worker.flaky + 2 * worker.failing, AsyncEventsReceived: workerEvents, AsyncEventsDropped: worker.failing },
  mailer: { Invocations: mailerEvents, Errors: p('mailer throw'), AsyncEventsReceived: mailerEvents, AsyncEventsDropped: p('mailer throw'), DeadLetterErrors: 0 },
};
for (const [fn, want] of Object.entries(wantMetrics)) {
  const m = metrics.functions[fn] as unknown as Record<string, number> | undefined;
  for (const [key, value] of Object.entries({ ...want, Throttles: 0, DestinationDeliveryFailures: 0 })) {
    const got = m?.[key] ?? 0;
    rows.push(['metrics()', `${fn} ${key}`, String(value), String(got)]);
    check(got === value, `metrics: ${fn} ${key} is ${got}, planned ${value}`);
  }
}

// The async records still kept (the last 1,000) agree with their payloads.
for (const r of sim.asyncEvents()) {
  const { op } = JSON.parse(r.payload) as { op: Op };
  const fails = op !== 'ok' && op !== 'flaky';
  const tries = fails && r.functionName === 'worker' ? 2 : op === 'flaky' ? 2 : 1;
  check(r.state === (fails ? 'failed' : 'succeeded') && r.attempts.length === tries, `async record ${r.requestId} (${r.functionName} ${op}): ${r.state} after ${r.attempts.length} attempts`);
}

// ---- sandboxes ----
const coldStarts = Object.values(metrics.functions).reduce((n, m) => n + m.ColdStarts, 0);
const atEnd = checkSandboxes('at the end');
check(atEnd.created === coldStarts, `sandboxStats created ${atEnd.created} isolates for ${coldStarts} cold starts (one each)`);
// Reaping: once every idle environment has outlived its TTL, none is left.
await sim.advance(IDLE_TTL_MS + 1);
const afterReap = sim.sandboxStats();
check(liveEnvironments.size === 0 && afterReap.live === 0, `after ${IDLE_TTL_MS + 1} ms idle: ${liveEnvironments.size} environments and ${afterReap.live} sandboxes still live`);
const reaped = environments.disposed.get('reaped') ?? 0;
check(reaped === environments.created, `${reaped} environments reaped of ${environments.created} created`);
await sim.close();
const handlesAtClose = process.getActiveResourcesInfo();
const closed = sim.sandboxStats();
check(closed.live === 0 && closed.created === closed.disposed, `sandboxStats after close(): ${JSON.stringify(closed)}`);

// ---- memory ----
const window = samples.filter((s) => s.at <= N * PEAK_WINDOW);
const peak = (window.length > 0 ? window : samples.slice(0, 1)).reduce((a, b) => (b.rss > a.rss ? b : a), { at: 0, rss: 0 });
check(endRss <= peak.rss * 1.1, `RSS at the end ${MB(endRss)} is more than 10 % above the first peak ${MB(peak.rss)}`);
const maxSample = samples.reduce((a, b) => (b.rss > a.rss ? b : a), { at: 0, rss: 0 });

// ---- handles: give disposals scheduled for the next turn their turn, then look ----
await new Promise((resolve) => setImmediate(resolve));
const NODE_OWN = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback']);
const handles = process.getActiveResourcesInfo().filter((r) => !NODE_OWN.has(r));
check(handles.length === 0, `handles left open after close(): ${handles.join(', ')}`);

// ---- report ----
const fmt = (n: number): string => n.toLocaleString('en-US');
const width = (i: number): number => Math.max(...rows.map((r) => r[i]!.length), 8);
console.log(`lambda-sim soak — Node ${process.version}, seed ${opts.seed}${opts.supervised === true ? ', supervised sandboxes' : ''}: ${fmt(N)} invocations (${fmt(p('burst nap'))} in ${fmt(bursts)} bursts of ${BURST}) + ${fmt(worker.flaky + worker.failing)} async retries`);
console.log(`real ${(ms / 1000).toFixed(1)} s (traffic ${(driven / 1000).toFixed(1)} s, then settle), ${fmt(Math.round(N / (ms / 1000)))} invocations/s real; ${fmt(Math.round(simulatedSeconds))} s simulated (${(simulatedSeconds / 3600).toFixed(2)} h)`);
console.log('');
console.log(`${'source'.padEnd(width(0))}  ${'what'.padEnd(width(1))}  ${'planned'.padStart(width(2))}  ${'counted'.padStart(width(3))}`);
for (const r of rows) console.log(`${r[0]!.padEnd(width(0))}  ${r[1]!.padEnd(width(1))}  ${r[2]!.padStart(width(2))}  ${r[3]!.padStart(width(3))}${r[2] === r[3] ? '' : '  ✗'}`);
console.log('');
console.log(`cold starts ${fmt(coldStarts)} (${Object.entries(metrics.functions).map(([fn, m]) => `${fn} ${fmt(m.ColdStarts)}`).join(', ')}); environments created ${fmt(environments.created)}, disposed ${[...environments.disposed].map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
console.log(`RSS (after gc${gc === undefined ? ': not available, run with --expose-gc' : ''}, sampled every ${fmt(sampleEvery)} invocations): first peak ${MB(peak.rss)} (largest over the first ${PEAK_WINDOW * 100} %, after ${fmt(peak.at)}), end ${MB(endRss)} (after ${fmt(N)}: ${((endRss / peak.rss - 1) * 100).toFixed(1)} %, limit +10 %)`);
console.log(`    largest sample ${MB(maxSample.rss)} (after ${fmt(maxSample.at)}), settled ${MB(settledRss)}, after close ${MB(rss())}`);
console.log(`sandboxStats (checked at every sample against the environments alive and reset): after the traffic ${JSON.stringify(trafficEnd)}; settled ${JSON.stringify(atEnd)}; after reaping ${JSON.stringify(afterReap)}; after close ${JSON.stringify(closed)}`);
console.log(`active resources right after close(): ${handlesAtClose.join(', ') || 'none'}; a turn later: ${process.getActiveResourcesInfo().join(', ') || 'none'}`);
if (failures.length > 0) {
  console.log(`\nFAILED (${failures.length}):`);
  for (const f of failures.slice(0, 50)) console.log(`  - ${f}`);
  if (failures.length > 50) console.log(`  … and ${failures.length - 50} more`);
  process.exitCode = 1;
} else console.log('\nall assertions passed');
