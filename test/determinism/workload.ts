/**
 * A fixed workload whose every observable output is printed as JSON: run in two fresh processes
 * (with different TZ) by determinism.test.ts, the outputs must be byte-identical.
 */
import { LambdaSimulator } from '../../src/index.js';

const sim = new LambdaSimulator({ seed: Number(process.argv[2] ?? 42) });
await sim.createFunction({
  FunctionName: 'det',
  Handler: 'index.handler',
  Code: {
    Source: `
      let n = 0;
      export const handler = async (event, context) => {
        n++;
        console.log('event %j at %s local hour %d', event, new Date().toString(), new Date().getHours());
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1000)));
        if (event.i % 3 === 2) throw new Error('every third fails ' + crypto.randomUUID());
        return { n, rnd: Math.random(), id: context.awsRequestId, now: Date.now(), perf: performance.now(), local: new Date(0).toLocaleString() };
      };`,
  },
});
const outputs: unknown[] = [];
for (let i = 0; i < 6; i++) {
  const out = await sim.invoke({ FunctionName: 'det', Payload: JSON.stringify({ i }), LogType: 'Tail' });
  await sim.advance(1000 * i);
  outputs.push({
    status: out.StatusCode,
    error: out.FunctionError ?? null,
    payload: out.Payload?.transformToString(),
    log: Buffer.from(out.LogResult ?? '', 'base64').toString().replace(/Max Memory Used: \d+ MB/g, 'Max Memory Used: <measured> MB'),
    requestId: out.$metadata.requestId,
  });
}
const config = await sim.getFunction({ FunctionName: 'det' });
process.stdout.write(JSON.stringify({ outputs, now: sim.now(), revision: config.Configuration.RevisionId }));
await sim.close();
