/** `lambda-sim demo`: what lambda-sim does, in a few seconds, with nothing to configure. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LambdaSimulator } from '../simulator.js';
import { parseScenario } from '../scenario/format.js';
import { formatSummary } from '../scenario/report.js';
import { runScenario } from '../scenario/runner.js';
import type { CliIo } from './io.js';

const SOURCE = `
let invocations = 0;
const startedAt = new Date().toISOString();
export const handler = async (event, context) => {
  invocations++;
  console.log('order %s for %j (invocation %d of this environment)', event.orderId, event.items, invocations);
  if (event.fail) throw new Error('payment declined for order ' + event.orderId);
  await new Promise((resolve) => setTimeout(resolve, event.workMs ?? 120));
  return { orderId: event.orderId, invocations, environmentStartedAt: startedAt, remainingMs: context.getRemainingTimeInMillis() };
};`;

export async function runDemo(io: CliIo): Promise<number> {
  const sim = new LambdaSimulator({ seed: 1 });
  try {
    await sim.createFunction({ FunctionName: 'orders', Handler: 'index.handler', Code: { Source: SOURCE }, Timeout: 2 });
    const steps: Array<[string, object]> = [
      ['cold start', { orderId: 'A-1', items: ['book'] }],
      ['warm invoke (same environment, module state kept)', { orderId: 'A-2', items: ['pen', 'ink'] }],
      ['function error (FunctionError: Unhandled, HTTP 200)', { orderId: 'A-3', fail: true }],
      ['timeout after 2 s of simulated time (no real waiting)', { orderId: 'A-4', workMs: 60_000 }],
    ];
    for (const [title, event] of steps) {
      const out = await sim.invoke({ FunctionName: 'orders', Payload: JSON.stringify(event), LogType: 'Tail' });
      io.stdout(`\n== ${title}\n`);
      io.stdout(`StatusCode ${out.StatusCode}${out.FunctionError === undefined ? '' : `  FunctionError ${out.FunctionError}`}\n`);
      io.stdout(`Payload    ${out.Payload?.transformToString()}\n`);
      io.stdout(Buffer.from(out.LogResult ?? '', 'base64').toString('utf8').replace(/^/gm, '  | ').replace(/ {2}\| $/, ''));
    }
    io.stdout(`\nSimulated clock now ${new Date(sim.now()).toISOString()}; rerun and every id and timestamp is the same.\n`);
  } finally {
    await sim.close();
  }
  // Then a scenario (the same as scenarios/async-retry-storm.json): async traffic, retries, a DLQ.
  io.stdout('\n== a scenario: 2 events/s for a minute to a function that always fails (lambda-sim scenario FILE runs your own)\n\n');
  // scenarios/ ships with the package, next to dist/.
  const file = fileURLToPath(new URL('../../scenarios/async-retry-storm.json', import.meta.url));
  const { result } = await runScenario(parseScenario(JSON.parse(readFileSync(file, 'utf8'))));
  io.stdout(`${formatSummary(result)}\n`);
  return result.passed ? 0 : 1;
}
