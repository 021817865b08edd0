/**
 * `npm run bench:concurrency`: 1,000 concurrently running invocations of one function, each
 * awaiting a 100 ms simulated timer, on 1,000 execution environments; against creating 1,000 bare
 * isolates. Reports real time and process RSS (goals: under 1.5 GB RSS, at most 2× the bare time).
 */
import { performance } from 'node:perf_hooks';
import { LambdaSimulator } from '../dist/index.js';
import { loadIsolatedVm } from '../dist/runtime/isolated-vm.js';
import { record } from './results.js';

const N = Number(process.env['BENCH_CONCURRENT'] ?? 1000);
const ivm = loadIsolatedVm();
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`;

async function bare(): Promise<{ ms: number; rss: number }> {
  const t = performance.now();
  const isolates = [];
  for (let i = 0; i < N; i++) {
    const iso = new ivm.Isolate({ memoryLimit: 128 });
    iso.createContextSync();
    isolates.push(iso);
  }
  const ms = performance.now() - t;
  const rss = process.memoryUsage.rss();
  for (const iso of isolates) iso.dispose();
  return { ms, rss };
}

async function simulated(): Promise<{ ms: number; rss: number; ran: number }> {
  const sim = new LambdaSimulator({ seed: 1, maxEnvironments: N });
  await sim.createFunction({
    FunctionName: 'wide',
    Handler: 'index.handler',
    Code: { Source: 'export const handler = async (e) => { await new Promise((r) => setTimeout(r, 100)); return e.i; };' },
  });
  let peak = 0;
  sim.on('invocation:end', () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  });
  const t = performance.now();
  const outs = await Promise.all(Array.from({ length: N }, (_, i) => sim.invoke({ FunctionName: 'wide', Payload: JSON.stringify({ i }) })));
  const ms = performance.now() - t;
  const ran = outs.filter((o, i) => o.Payload?.transformToString() === String(i)).length;
  await sim.close();
  return { ms, rss: peak, ran };
}

const base = process.memoryUsage.rss();
const b = await bare();
const s = await simulated();
if (s.ran !== N) throw new Error(`only ${s.ran} of ${N} invocations returned their own payload`);
console.log(`lambda-sim bench:concurrency — Node ${process.version}, ${N} concurrent invocations`);
console.log(`bare isolates + contexts     ${b.ms.toFixed(0).padStart(6)} ms   RSS ${mb(b.rss)}`);
console.log(`lambda-sim, ${N} × 100 ms    ${s.ms.toFixed(0).padStart(6)} ms   peak RSS ${mb(s.rss)}   = ${(s.ms / b.ms).toFixed(2)}× bare time (goal ≤ 2×), RSS goal < 1.5 GB`);
console.log(`(process RSS before: ${mb(base)})`);

// ---- real clock: CPU-bound handlers on isolate threads ----
// K invocations of a handler that spins for a fixed amount of work, in K environments, real clock:
// parallelism 1 against the host's cores, and the same work as raw isolated-vm async calls (floor).
const K = Number(process.env['BENCH_PARALLEL'] ?? 8);
const WORK = 3e7;
const SPIN = `(n) => { let x = 0; for (let i = 0; i < n; i++) x = (x + i) % 1000003; return x; }`;

async function rawParallel(): Promise<number> {
  const fns = Array.from({ length: K }, () => {
    const iso = new ivm.Isolate({ memoryLimit: 128 });
    return { iso, fn: iso.createContextSync().evalSync(SPIN, { reference: true }) };
  });
  const t = performance.now();
  await Promise.all(fns.map(({ fn }) => fn.apply(undefined, [WORK])));
  const ms = performance.now() - t;
  for (const { iso } of fns) iso.dispose();
  return ms;
}

async function realMode(parallelism: number): Promise<number> {
  const sim = new LambdaSimulator({ seed: 1, clock: 'real', parallelism });
  await sim.createFunction({ FunctionName: 'cpu', Handler: 'index.handler', Timeout: 60, Code: { Source: `const spin = ${SPIN}; export const handler = async (e) => spin(e.n);` } });
  const invokeAll = (n: number): Promise<unknown> => Promise.all(Array.from({ length: K }, () => sim.invoke({ FunctionName: 'cpu', Payload: JSON.stringify({ n }) })));
  await invokeAll(1); // K warm environments
  const t = performance.now();
  await invokeAll(WORK);
  const ms = performance.now() - t;
  await sim.close();
  return ms;
}

const cores = (await import('node:os')).availableParallelism();
const raw = await rawParallel();
const serial = await realMode(1);
const parallel = await realMode(cores);
console.log(`\nreal clock, ${K} CPU-bound invocations in ${K} environments (${cores} cores)`);
console.log(`raw isolated-vm, ${K} async calls    ${raw.toFixed(0).padStart(6)} ms   (floor)`);
console.log(`lambda-sim parallelism 1          ${serial.toFixed(0).padStart(6)} ms   = ${(serial / raw).toFixed(2)}× floor`);
console.log(`lambda-sim parallelism ${String(cores).padEnd(2)}         ${parallel.toFixed(0).padStart(6)} ms   = ${(parallel / raw).toFixed(2)}× floor, ${(serial / parallel).toFixed(2)}× faster than parallelism 1`);
record('concurrency', {
  environments: N,
  seconds: Number((s.ms / 1000).toFixed(2)),
  bareSeconds: Number((b.ms / 1000).toFixed(2)),
  vsBare: Number((s.ms / b.ms).toFixed(2)),
  peakRssMB: Math.round(s.rss / 1048576),
  realClockParallelVsFloor: Number((parallel / raw).toFixed(2)),
  realClockSpeedupOverSerial: Number((serial / parallel).toFixed(2)),
});
