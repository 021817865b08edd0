/**
 * Property-test throughput: fast-check runs per real second of a typical lambda-sim property — a
 * generated workload (two functions, up to 12 async events, random fault plans) run to the end in
 * virtual time and checked by the toolkit's oracle.
 */
import fc from 'fast-check';
import { assertInvariants, runWorkload, workload } from '../dist/testing/index.js';
import { record } from './results.js';

const RUNS = Number(process.env['BENCH_PROPERTY_RUNS'] ?? 100);
const FLAKY = `export const handler = async (e) => { await new Promise((r) => setTimeout(r, 50)); if (Math.random() < 0.3) throw new Error('flaky'); return e; };`;

let events = 0;
const t = performance.now();
await fc.assert(
  fc.asyncProperty(workload({ handlers: { a: FLAKY, b: FLAKY }, durationMs: 300_000, maxArrivals: 12 }), async (w) => {
    const run = await runWorkload(w);
    events += w.arrivals.length;
    await assertInvariants(run.sim, run.trace);
    await run.sim.close();
  }),
  { numRuns: RUNS, seed: 1 },
);
const s = (performance.now() - t) / 1000;
console.log(`lambda-sim bench:properties — Node ${process.version}: ${RUNS} property runs (${events} generated events, fault plans, invariants checked) in ${s.toFixed(2)} s`);
console.log(`  ${(RUNS / s).toFixed(1)} property runs per real second, ${((s * 1000) / RUNS).toFixed(1)} ms each`);
record('properties', { runs: RUNS, events, seconds: Number(s.toFixed(3)), runsPerSecond: Number((RUNS / s).toFixed(1)) });
