/**
 * `npm run bench`: the benchmark suite, one bench after the other in separate processes (so one's
 * heap does not slow the next): warm invoke and cold start against the raw isolated-vm floor and
 * lambda-local, 1,000 concurrent environments, async deliveries per real second, property-test
 * throughput. Each prints its ratios; the figures are gathered in bench/results.json
 * (or `BENCH_JSON`), with the machine they ran on.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const out = process.env['BENCH_JSON'] ?? fileURLToPath(new URL('./results.json', import.meta.url));
const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), when: new Date().toISOString() };
writeFileSync(out, `${JSON.stringify({ machine }, null, 2)}\n`);
const benches = (process.env['BENCH_ONLY'] ?? 'run,concurrency,async,properties').split(',');
let failed = 0;
for (const name of benches) {
  console.log(`\n=== bench/${name}.ts`);
  const r = spawnSync(process.execPath, ['--no-node-snapshot', '--import', 'tsx', fileURLToPath(new URL(`./${name}.ts`, import.meta.url))], { stdio: 'inherit', env: { ...process.env, BENCH_JSON: out } });
  if (r.status !== 0) failed++;
}
console.log(`\n=== figures (${out})\n${readFileSync(out, 'utf8')}`);
process.exitCode = failed === 0 ? 0 : 1;
