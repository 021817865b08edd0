/**
 * Every scenario in scenarios/ meets its expectations, and fails them when the platform feature it
 * shows is switched off: no scenario passes vacuously.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScenario, type Scenario } from '../../src/scenario/format.js';
import { runScenario } from '../../src/scenario/runner.js';

const dir = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const load = (file: string): Scenario => parseScenario(JSON.parse(readFileSync(`${dir}${file}`, 'utf8')));

/** Each scenario, and how to switch its feature off. */
const FEATURE_OFF: Record<string, (s: Scenario) => void> = {
  'burst-over-reservation.json': (s) => delete s.functions[0]!.reservedConcurrency,
  'unreserved-contention.json': (s) => void (s.account = { concurrency: 1000, unreservedMinimum: 100 }),
  'async-retry-storm.json': (s) => void (s.functions[0]!.maximumRetryAttempts = 0),
  'queue-overflow-and-age.json': (s) => {
    delete s.eventQueue;
    delete s.functions[0]!.maximumEventAgeInSeconds;
  },
  'provisioned-vs-on-demand.json': (s) => delete s.functions[0]!.provisionedConcurrency,
  'scaling-limit.json': (s) => void (s.account = { ...s.account, scalingRate: { environments: 1_000_000, perSeconds: 1 } }),
  'recursive-loop.json': (s) => void (s.functions[0]!.recursiveLoop = 'Allow'),
};

describe('the scenario library', () => {
  it('has a feature-off check for every scenario file', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'scenario.schema.json').sort()).toEqual(Object.keys(FEATURE_OFF).sort());
  });

  for (const [file, off] of Object.entries(FEATURE_OFF)) {
    it(`${file}: meets its expectations, and fails them with the feature switched off`, async () => {
      const scenario = load(file);
      const { result } = await runScenario(scenario, { baseDir: dir });
      expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
      expect(result.expectations.length).toBeGreaterThan(0);
      const without = structuredClone(scenario);
      off(without);
      const { result: control } = await runScenario(without, { baseDir: dir });
      expect(control.passed, `${file} still passes with its feature off: ${JSON.stringify(control.expectations)}`).toBe(false);
    }, 60_000);
  }

  it('replays: the same scenario and seed give the same summary', async () => {
    const scenario = load('async-retry-storm.json');
    const a = await runScenario(scenario, { durationSeconds: 10, trace: true });
    const b = await runScenario(scenario, { durationSeconds: 10, trace: true });
    const strip = (r: typeof a.result): unknown => ({ ...r, realMs: 0 });
    expect(strip(b.result)).toEqual(strip(a.result));
    expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
  });
});
