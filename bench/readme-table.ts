/**
 * `npm run bench:readme`: writes the README's performance table from bench/results.json (what
 * `npm run bench` gathered), between the `<!-- bench:start -->` and `<!-- bench:end -->` markers,
 * with the machine and the command, so the table always says where its figures come from.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Section = Record<string, number | string>;
const results = JSON.parse(readFileSync(process.env['BENCH_JSON'] ?? fileURLToPath(new URL('./results.json', import.meta.url)), 'utf8')) as Record<string, Section>;
const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const m = results['machine'] ?? {};
const w = results['warm-and-cold'];
const c = results['concurrency'];
const a = results['async'];
const p = results['properties'];
const rows: string[] = [];
if (w) {
  rows.push(`| warm \`sim.invoke\` (all bookkeeping on) | ${w['warmInvokeUs']} µs | ${w['warmVsFloor']}× the raw isolated-vm floor (${w['floorUs']} µs); ${w['fasterThanLambdaLocal']}× faster than lambda-local (${w['lambdaLocalUs']} µs) |`);
  if (w['supervisedWarmInvokeUs'] !== undefined) rows.push(`| warm \`sim.invoke\`, supervised mode | ${w['supervisedWarmInvokeUs']} µs | ${w['supervisedVsInProcess']}× in-process (the sandbox in a child process, calls over a pipe) |`);
  rows.push(`| cold start + invoke | ${w['coldStartMs']} ms | ${w['coldVsBare']}× a bare isolate + context (${w['bareIsolateMs']} ms) |`);
  rows.push(`| AWS SDK \`send()\` from the sandbox | ${w['sdkBridgeUs']} µs | round trip through the bridge |`);
}
if (c) {
  rows.push(`| ${c['environments']} invocations at once on as many environments | ${c['seconds']} s, ${c['peakRssMB']} MB peak RSS | ${c['vsBare']}× creating as many bare isolates (${c['bareSeconds']} s) |`);
  rows.push(`| real clock, CPU-bound handlers on isolate threads | — | ${c['realClockParallelVsFloor']}× raw async isolated-vm calls; ${c['realClockSpeedupOverSerial']}× faster than one at a time |`);
}
if (a) rows.push(`| async deliveries (timer-awaiting handlers, 10 % failing) | ${a['deliveriesPerSecond']} per real second (${a['usPerDelivery']} µs each) | ${a['vsFloorSameIsolatesWithTimeout']}× the same sandbox crossings as raw calls |`);
if (p) rows.push(`| property-test runs (workload + fault plan + oracle) | ${p['runsPerSecond']} per real second | — |`);
const table = [
  '<!-- bench:start (written by `npm run bench:readme` from bench/results.json) -->',
  `Last \`npm run bench\`: Node ${m['node']}, ${m['cpus']} × ${m['cpu']}, ${m['memoryGB']} GB, ${String(m['when']).slice(0, 10)}.`,
  '',
  '| what | figure | ratio |',
  '|---|---|---|',
  ...rows,
  '<!-- bench:end -->',
].join('\n');
const readme = readFileSync(readmePath, 'utf8');
const start = readme.indexOf('<!-- bench:start');
const end = readme.indexOf('<!-- bench:end -->');
if (start < 0 || end < 0) throw new Error('README.md has no <!-- bench:start --> … <!-- bench:end --> block to replace');
writeFileSync(readmePath, readme.slice(0, start) + table + readme.slice(end + '<!-- bench:end -->'.length));
console.log(table);
