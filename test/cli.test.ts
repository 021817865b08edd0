import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/lambda-sim.js', import.meta.url));
const fixture = (p: string): string => fileURLToPath(new URL(`./fixtures/${p}`, import.meta.url));

/** Runs the real bin without --no-node-snapshot: it must add the flag itself. */
function cli(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lambda-sim invoke', () => {
  it('prints the payload of a TypeScript handler with an event file; --tail prints the log to stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const event = join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ name: 'CLI' }));
    const r = cli(['invoke', fixture('ts-handler/hello.ts'), '--event', event, '--tail']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"message":"Hello, CLI!"}\n');
    expect(r.stderr).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/);
    expect(r.stderr).toMatch(/\nREPORT RequestId: .*\tInit Duration: /);
  });

  it('reads the event from stdin with --event -, and names another export with --handler', () => {
    const r = cli(['invoke', fixture('ts-handler/lib/greet.ts'), '--handler', 'greetHandler', '--event', '-'], '"stdin"');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"message":"Hello, stdin!"}\n');
  });

  it('exits 1 on a function error and prints the error payload', () => {
    const r = cli(['invoke', fixture('ts-handler/hello.ts'), '--event', '-'], '{"fail":true}');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ errorType: 'Error', errorMessage: 'failing on purpose' });
  });

  it('--supervised: a handler that aborts V8 ends as Runtime.ExitError (exit 1), and lambda-sim itself survives to say so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const handler = join(dir, 'bomb.mjs');
    writeFileSync(handler, 'export const handler = async (e) => { if (e.boom) new Array(2 ** 32 - 1).fill(0); return { ok: true }; };');
    const r = cli(['invoke', handler, '--supervised', '--timeout', '1', '--event', '-'], '{"boom":true}');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/Runtime exited with error: signal: killed$/) });
    expect(cli(['invoke', handler, '--supervised']).stdout).toBe('{"ok":true}\n');
  });

  it('passes --env, --timeout and --memory into the function; --json prints the whole output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const file = join(dir, 'env.mjs');
    writeFileSync(file, 'export const handler = async (e, c) => ({ v: process.env.GREETING, mem: c.memoryLimitInMB, left: c.getRemainingTimeInMillis() });');
    const r = cli(['invoke', file, '--env', 'GREETING=hi', '--timeout', '9', '--memory', '256', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: { v: 'hi', mem: '256', left: 9000 } });
  });

  it('exits 2 with the typed error for a bad request, and for a bad option', () => {
    const bad = cli(['invoke', fixture('ts-handler/hello.ts'), '--runtime', 'nodejs8.10']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^InvalidParameterValueException \(400\): /);
    const opt = cli(['invoke', fixture('ts-handler/hello.ts'), '--timeout', '0']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain('--timeout must be an integer from 1 to 900');
  });

  it('--async queues the event, runs its retries in simulated time and prints its record; exit 1 when it failed', () => {
    const r = cli(['invoke', fixture('ts-handler/hello.ts'), '--event', '-', '--async', '--retries', '1', '--tail'], '{"fail":true}');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { StatusCode: number; State: string; Condition: string; Attempts: Array<{ start: string; status: string }> };
    expect(out).toMatchObject({ StatusCode: 202, State: 'failed', Condition: 'RetriesExhausted' });
    expect(out.Attempts.map((a) => [a.start, a.status])).toEqual([
      ['2025-01-01T00:00:00.000Z', 'error'],
      ['2025-01-01T00:01:00.000Z', 'error'],
    ]);
    expect(r.stderr.match(/^START RequestId/gm)).toHaveLength(2);
    const ok = cli(['invoke', fixture('ts-handler/hello.ts'), '--async']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ State: 'succeeded', Condition: 'Success' });
  });

  it('runs the demo with no configuration', () => {
    const r = cli(['demo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('== cold start');
    expect(r.stdout).toContain('Task timed out after 2.00 seconds');
    // …and then a scenario's summary with its expectations met.
    expect(r.stdout).toMatch(/dead-lettered\s+120/);
    expect(r.stdout).toMatch(/ok {4}charge\.deadLettered >= 120 and <= 120: measured 120/);
  });
});
