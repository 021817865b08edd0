import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The JavaScript of the README's tour, as a newcomer would paste it. */
function tourCode(): string {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  // Sections 1 and 2 run as written; the SDK and host-module snippets in between are covered by
  // test/runtime/aws-sdk.test.ts and host-modules.test.ts (they name files of the reader's project).
  const section = (from: string, to: string): string => readme.slice(readme.indexOf(from), readme.indexOf(to));
  const tour = section('### 1. Unit-test a handler offline', '### Handlers that use the AWS SDK') + section('### 2. Property-test', '### 3. Benchmark');
  const blocks = [...tour.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.join('\n');
}

describe('README', () => {
  it('tour code runs against the built package, with the results its comments show', () => {
    const file = `${root}.readme-tour.mjs`;
    writeFileSync(
      file,
      `${tourCode()}
       const log = Buffer.from(out.LogResult, 'base64').toString();
       console.log(JSON.stringify({ status: out.StatusCode, payload: out.Payload.transformToString(), log, slowError: slow.FunctionError, slowPayload: slow.Payload.transformToString(), simNow: sim.now(),
         queued: queued.StatusCode, charge: [charge.state, charge.condition, charge.attempts.map((a) => (a.start - charge.receivedAt) / 1000)],
         dlq: [dlq.messages()[0].Body, dlq.messages()[0].MessageAttributes.ErrorMessage.StringValue, dlq.messages().length],
         firstTraceLine: trace.format(100000).split(String.fromCharCode(10))[0], chaosEvents: chaos.asyncEvents().length }));
       await chaos.close();
       await sim.close();`,
    );
    try {
      const r = spawnSync(process.execPath, ['--no-node-snapshot', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      expect(got['status']).toBe(200);
      expect(got['payload']).toBe('{"greeting":"Hello, Ada"}');
      expect(got['log']).toMatch(/^START RequestId: 438045bb-5a04-4add-bc59-674d8a2a3db5 Version: \$LATEST\nEND RequestId: 438045bb-5a04-4add-bc59-674d8a2a3db5\nREPORT RequestId: 438045bb-5a04-4add-bc59-674d8a2a3db5\tDuration: 0\.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: 0\.00 ms\n$/);
      expect(got['slowError']).toBe('Unhandled');
      expect(got['slowPayload']).toMatch(/^\{"errorType":"Sandbox\.Timedout","errorMessage":"RequestId: [0-9a-f-]{36} Error: Task timed out after 10\.00 seconds"\}$/);
      expect(got['queued']).toBe(202);
      expect(got['charge']).toEqual(['failed', 'RetriesExhausted', [0, 60, 180]]);
      expect(got['dlq']).toEqual(['{"card":"4242"}', 'card declined: 4242', 1]);
      expect(got['firstTraceLine']).toMatch(/^\+0\.000s {5}hello {11}queued {11}[0-9a-f]{8}\/0$/);
      expect(Number(got['chaosEvents'])).toBeGreaterThan(20); // 20 events, some delivered twice
      // 10 s of the slow handler, then the async attempts at +0, +60 and +180 s.
      expect(Number(got['simNow']) - Date.UTC(2025, 0, 1)).toBe(190_000);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('README, Network', () => {
  it('the fake and the msw examples run against the built package, with the results their comments show', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('### Network: fetch, http'), readme.indexOf('### Your existing SDK code'));
    const code = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(code).toHaveLength(2);
    const file = `${root}.readme-network.mjs`;
    writeFileSync(file, `${code.join('\n')}
      console.log(JSON.stringify({ fake: fromFake.Payload.transformToString(), msw: fromMsw.Payload.transformToString() }));
      await rates.close();
      await viaHost.close();`);
    try {
      const r = spawnSync(process.execPath, ['--no-node-snapshot', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string>;
      const comments = [...section.matchAll(/transformToString\(\)\);\s+\/\/ (\{.*\})/g)].map((m) => m[1]);
      expect([got['fake'], got['msw']]).toEqual(comments);
      expect(comments).toEqual(['{"status":200,"eur":0.92,"ms":80}', '{"eur":0.9}']);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
