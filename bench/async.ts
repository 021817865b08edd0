/**
 * `npm run bench:async`: asynchronous invocation throughput. Simulates SECONDS of traffic at RATE
 * events per second to one function whose handler awaits a 50 ms simulated timer and fails 10 %
 * of the time (so retries happen 60 s and 120 s later), and reports real time per simulated
 * delivery (attempts counted from metrics: Invocations) against the floor: the same two boundary
 * crossings per delivery as raw isolated-vm calls (start the handler, which arms a timer through a
 * host callback; fire the timer, which reports the result through another).
 *
 * Goal (issue #5): at least 25,000 simulated deliveries per real second, aiming for 50,000.
 */
import { performance } from 'node:perf_hooks';
import { LambdaSimulator } from '../dist/index.js';
import { loadIsolatedVm } from '../dist/runtime/isolated-vm.js';
import { record } from './results.js';

const RATE = Number(process.env['BENCH_RATE'] ?? 100);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 1800);

async function simulated(): Promise<{ ms: number; deliveries: number; events: number; failed: number; environments: number }> {
  const sim = new LambdaSimulator({ seed: 1, eventQueue: { keepEvents: 1000 } });
  await sim.createFunction({
    FunctionName: 'worker',
    Handler: 'index.handler',
    Code: { Source: 'export const handler = async (e) => { await new Promise((r) => setTimeout(r, 50)); if (Math.random() < 0.1) throw new Error("flaky"); return e.i; };' },
  });
  // Arrivals are events of the simulation (one every 1000/RATE ms), as a scenario's traffic is.
  const t = performance.now();
  const total = RATE * SECONDS;
  const gap = 1000 / RATE;
  const start = sim.now();
  let i = 0;
  let refused = 0;
  const arrive = (): void => {
    const n = i++;
    sim.invoke({ FunctionName: 'worker', InvocationType: 'Event', Payload: `{"i":${n}}` }).catch(() => refused++);
    if (i < total) sim.schedule(start + i * gap, arrive);
  };
  sim.schedule(start, arrive);
  await sim.settle();
  const ms = performance.now() - t;
  const m = sim.metrics().functions['worker']!;
  const environments = m.ColdStarts;
  await sim.close();
  if (m.AsyncEventsReceived !== total || refused > 0) throw new Error(`accepted ${m.AsyncEventsReceived} of ${total} events (${refused} refused)`);
  return { ms, deliveries: m.Invocations, events: total, failed: m.AsyncEventsDropped, environments };
}

/**
 * The floor: per delivery, start the handler (it arms a timer through a host callback) and fire the
 * timer (the result comes back through another), as raw isolated-vm calls into `isolates` isolates in
 * turn, with or without the per-call CPU timeout lambda-sim needs to stop runaway handlers.
 */
function floor(n: number, isolates: number, timeout: boolean): number {
  const ivm = loadIsolatedVm();
  let results = 0;
  const envs = Array.from({ length: isolates }, () => {
    const isolate = new ivm.Isolate({ memoryLimit: 128 });
    const context = isolate.createContextSync();
    const env = { isolate, pending: 0, start: undefined as never as ReturnType<typeof context.evalSync>, fire: undefined as never as ReturnType<typeof context.evalSync> };
    context.global.setSync('__timer', new ivm.Callback((id: number) => void (env.pending = id)));
    context.global.setSync('__done', new ivm.Callback((_json: string) => void results++));
    env.start = context.evalSync(
      `globalThis.__cbs = new Map(); let id = 0;
       (function (payload) { const e = JSON.parse(payload); (async () => { await new Promise((r) => { const t = ++id; __cbs.set(t, r); __timer(t); }); __done(JSON.stringify(e.i)); })(); })`,
      { reference: true },
    );
    env.fire = context.evalSync('(function (t) { const r = __cbs.get(t); __cbs.delete(t); r(); })', { reference: true });
    return env;
  });
  const options = timeout ? { timeout: 10_000 } : {};
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const env = envs[i % isolates]!;
    env.start.applySync(undefined, [`{"i":${i}}`], options);
    env.fire.applySync(undefined, [env.pending], options);
  }
  const ms = performance.now() - t;
  for (const env of envs) env.isolate.dispose();
  if (results !== n) throw new Error(`floor ran ${results} of ${n}`);
  return ms;
}

const s = await simulated();
const bare = floor(s.deliveries, 1, false);
const fair = floor(s.deliveries, s.environments, true);
const per = (ms: number): number => (ms * 1000) / s.deliveries;
console.log(`lambda-sim bench:async — Node ${process.version}: ${s.events} events (${RATE}/s for ${SECONDS} s simulated), 10 % failing, each awaiting a 50 ms timer`);
console.log(`lambda-sim: ${s.deliveries} deliveries (retries included, ${s.failed} events failed) on ${s.environments} environments in ${(s.ms / 1000).toFixed(2)} s real`);
console.log(`  ${per(s.ms).toFixed(1)} µs per delivery = ${Math.round(s.deliveries / (s.ms / 1000))} deliveries per real second (goal ≥ 25,000, aim 50,000)`);
console.log(`floor: raw isolated-vm, two crossings per delivery, 1 isolate            ${per(bare).toFixed(1)} µs   lambda-sim = ${(s.ms / bare).toFixed(2)}×`);
console.log(`floor: the same in ${String(s.environments).padStart(2)} isolates in turn, with the CPU timeout  ${per(fair).toFixed(1)} µs   lambda-sim = ${(s.ms / fair).toFixed(2)}×`);
record('async', {
  events: s.events,
  deliveries: s.deliveries,
  deliveriesPerSecond: Math.round(s.deliveries / (s.ms / 1000)),
  usPerDelivery: Number(per(s.ms).toFixed(1)),
  vsFloorOneIsolate: Number((s.ms / bare).toFixed(2)),
  vsFloorSameIsolatesWithTimeout: Number((s.ms / fair).toFixed(2)),
});
