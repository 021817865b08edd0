import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../../src/scenario/format.js';
import { runScenario } from '../../src/scenario/runner.js';

const base = { name: 'x', durationSeconds: 10, functions: [{ name: 'f', code: { model: { durationMs: { fixed: 10 } } } }], traffic: [{ function: 'f', pattern: { constant: { rate: 1 } } }] };
const bin = fileURLToPath(new URL('../../bin/lambda-sim.js', import.meta.url));

describe('scenario files', () => {
  it.each([
    [{ ...base, durationSeconds: -1 }, 'scenario.durationSeconds: expected a number from 0.001 to 31622400, got -1'],
    [{ ...base, functions: [{ name: 'f', code: { model: { durationMs: { gaussian: 1 } } } }] }, 'scenario.functions[0].code.model.durationMs: expected exactly one of fixed, uniform, normal, exponential, got ["gaussian"]'],
    [{ ...base, traffic: [{ function: 'g', pattern: { constant: { rate: 1 } } }] }, 'scenario.traffic[0].function: expected one of the functions (f), got "g"'],
    [{ ...base, traffic: [{ function: 'f', pattern: { constant: { rate: 'fast' } } }] }, 'scenario.traffic[0].pattern.constant.rate: expected a number from 0, got "fast"'],
    [{ ...base, expect: [{ metric: 'f.speed', max: 1 }] }, "scenario.expect[0].metric: expected a metric of a function among"],
    [{ ...base, functions: [{ name: 'f', code: { path: 'x.js' }, reservedConcurrency: 1.5 }] }, 'scenario.functions[0].reservedConcurrency: expected an integer from 0, got 1.5'],
    [{ ...base, colour: 'blue' }, 'scenario.colour: expected one of the fields'],
  ])('refuses a bad file with the path and what was expected (%#)', (input, message) => {
    expect(() => parseScenario(input)).toThrow(ScenarioError);
    expect(() => parseScenario(input)).toThrow(message);
  });

  it('writes a Chrome trace: one track per environment, invocations as slices, throttles and retries as instants', async () => {
    const { trace } = await runScenario(
      parseScenario({
        ...base,
        functions: [{ name: 'f', code: { model: { durationMs: { fixed: 100 }, failureRate: 1 } }, reservedConcurrency: 1, maximumRetryAttempts: 1 }],
        traffic: [{ function: 'f', type: 'async', pattern: { burst: { at: 0, count: 3 } } }, { function: 'f', type: 'sync', pattern: { burst: { at: 0, count: 2 } } }],
      }),
      { trace: true },
    );
    const events = trace!.traceEvents as Array<{ ph: string; name: string; tid: number; ts: number; dur?: number; args?: { name?: string } }>;
    const tracks = events.filter((e) => e.ph === 'M').map((e) => e.args!.name);
    expect(tracks).toEqual(expect.arrayContaining(['f#1', 'f throttles', 'f retries']));
    const slices = events.filter((e) => e.ph === 'X');
    // 3 async events × 2 attempts, and the one sync invoke that got the reservation (the other was throttled).
    expect(slices.length).toBe(7);
    expect(slices.every((s) => s.dur === 100_000)).toBe(true);
    expect(events.filter((e) => e.ph === 'i' && e.name.startsWith('throttle')).length).toBeGreaterThan(0);
    expect(events.filter((e) => e.ph === 'i' && e.name.startsWith('retry')).length).toBe(3);
  });

  it('lambda-sim scenario prints the summary, writes JSON, and exits 1 naming a failing expectation with its measured value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    const file = join(dir, 's.json');
    writeFileSync(file, JSON.stringify({ ...base, expect: [{ metric: 'f.invocations', min: 10 }, { metric: 'f.throttles', max: -1 }] }));
    const out = join(dir, 'out.json');
    const r = spawnSync(process.execPath, [bin, 'scenario', file, '--json', out], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('invocations');
    expect(r.stdout).toMatch(/ok {4}f\.invocations >= 10: measured 10/);
    expect(r.stderr).toContain('1 expectation(s) failed: f.throttles measured 0');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ name: 'x', passed: false, functions: { f: { invocations: 10 } } });
    const bad = spawnSync(process.execPath, [bin, 'scenario', join(dir, 'missing.json')], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 });
    expect(bad.status).toBe(2);
  });
});

describe('scenarios/scenario.schema.json', () => {
  it('describes the same fields the parser accepts, at the top level and for functions and traffic', () => {
    const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../scenarios/scenario.schema.json', import.meta.url)), 'utf8'));
    expect(Object.keys(schema.properties).filter((k) => k !== '$schema').sort()).toEqual(['account', 'description', 'durationSeconds', 'eventQueue', 'expect', 'faults', 'functions', 'initLatencyMs', 'name', 'seed', 'traffic']);
    expect(Object.keys(schema.$defs.function.properties).sort()).toEqual(
      ['code', 'deadLetterQueue', 'environment', 'handler', 'maximumEventAgeInSeconds', 'maximumRetryAttempts', 'memory', 'name', 'onFailure', 'onSuccess', 'provisionedConcurrency', 'recursiveLoop', 'reservedConcurrency', 'timeout'],
    );
    // A field the schema lists is one the parser takes, and one it does not list the parser refuses.
    expect(() => parseScenario({ ...base, functions: [{ name: 'f', code: { model: { durationMs: { fixed: 1 } } }, recursiveLoop: 'Allow' }] })).not.toThrow();
    expect(() => parseScenario({ ...base, functions: [{ name: 'f', code: { model: { durationMs: { fixed: 1 } } }, layers: [] }] })).toThrow('scenario.functions[0].layers');
  });
});

describe('the README scenario', () => {
  it('is a valid scenario that meets its expectations', async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const section = readme.slice(readme.indexOf('### 3. Benchmark concurrency scenarios'), readme.indexOf('## The CLI'));
    const json = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    const { result } = await runScenario(parseScenario(JSON.parse(json)));
    expect(result.expectations.map((e) => e.ok)).toEqual([true, true]);
  });
});
