/**
 * Shared by the sandbox escape corpus (issue 9): markers the host holds and no sandbox may read,
 * and the checks that the host is as it was.
 */
import { expect } from 'vitest';
import { LambdaSimulator, type LambdaSimulatorOptions } from '../../src/index.js';
import { call, deploy } from '../helpers.js';

/** On the host's globalThis and in its process.env for the whole corpus: no route may read it. */
export const HOST_SECRET = 'lambda-sim-host-secret-7f3a9c';

function plantHostSecrets(): void {
  (globalThis as Record<string, unknown>)['__HOST_SECRET'] = HOST_SECRET;
  process.env['HOST_SECRET'] = HOST_SECRET;
}

/**
 * What the host's own realm looks like, taken before the corpus runs: a handler that polluted a
 * prototype or replaced a builtin inside its sandbox must not have changed any of it.
 */
function hostRealmSnapshot(): () => void {
  const objectKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  const arrayKeys = Object.getOwnPropertyNames(Array.prototype).sort();
  const builtins = [JSON.stringify, JSON.parse, Array.prototype.map, Map.prototype.get, Promise.prototype.then, Date.now, String.prototype.split, Function.prototype.toString];
  return () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(objectKeys);
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(arrayKeys);
    expect([JSON.stringify, JSON.parse, Array.prototype.map, Map.prototype.get, Promise.prototype.then, Date.now, String.prototype.split, Function.prototype.toString]).toEqual(builtins);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect((globalThis as Record<string, unknown>)['__HOST_SECRET']).toBe(HOST_SECRET);
    expect(process.env['HOST_SECRET']).toBe(HOST_SECRET);
  };
}

/** A function that exercises the runtime's common paths; it must answer the same after every attack. */
export const CANARY_SOURCE = `
  import fs from 'node:fs';
  export const handler = async (event) => {
    await new Promise((r) => setTimeout(r, 5));
    fs.writeFileSync('/tmp/canary', 'c');
    console.log('canary', { n: 1 });
    return { ok: [1, 2].map((x) => x * 2), json: JSON.stringify({ x: 1 }), map: new Map([[1, 2]]).get(1), polluted: ({}).polluted ?? null,
      secret: globalThis.__HOST_SECRET ?? process.env.HOST_SECRET ?? null, tmp: fs.readFileSync('/tmp/canary', 'utf8'), event };
  };`;

export const CANARY_RESULT = { ok: [2, 4], json: '{"x":1}', map: 2, polluted: null, secret: null, tmp: 'c', event: { n: 1 } };

/**
 * The host's markers planted and its realm recorded, a simulator with the canary deployed; and
 * `hostIntact()`, which checks the realm is as it was.
 */
export async function startCorpus(options: LambdaSimulatorOptions): Promise<{ sim: LambdaSimulator; hostIntact: () => void }> {
  plantHostSecrets();
  const hostIntact = hostRealmSnapshot();
  const sim = new LambdaSimulator(options);
  await deploy(sim, CANARY_SOURCE, { FunctionName: 'canary' });
  return { sim, hostIntact };
}

export async function expectCanary(sim: LambdaSimulator): Promise<void> {
  const r = await call(sim, 'canary', { n: 1 });
  expect(r.out.FunctionError).toBeUndefined();
  expect(r.payload).toEqual(CANARY_RESULT);
}
