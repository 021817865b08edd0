/**
 * Issue 16 (outside security review): the supervised child's code must not come from a place other
 * local users can write. It used to be bundled to `tmpdir()/lambda-sim-child-<hash>.mjs` (a name
 * anyone can compute), reused when a file there had the same content, and run again from that name
 * at every restart after a mere existsSync; it was written through `<that name>.<pid>.tmp`,
 * following a symlink planted there. Now the parent keeps the code in memory and gives it to each
 * new child on its stdin, and the child's FIFOs and stderr live in a mkdtemp directory whose names
 * are gone once the child is connected: nothing of lambda-sim stays in tmpdir.
 *
 * Each test gets a tmpdir of its own (TMPDIR, which `os.tmpdir()` reads at each call, and the child
 * inherits), so what is planted there reaches only this simulator, and what is left can be counted;
 * and a fresh copy of lambda-sim's modules, as a new process would have (the old code cached the
 * script's name per process, so one test's script would have served the next).
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy } from '../helpers.js';

const ECHO = 'export const handler = async (event) => ({ echo: event });';
/** V8 runs out of heap in native code and aborts the child (isolated-vm issue 107): the next sandbox needs a new child. */
const CRASH = "export const handler = async () => { new Array(2 ** 32 - 1).fill(0); return 'survived'; };";

/** The child's bundle, built as lambda-sim built it before the fix, and the tmpdir name it then ran it from. */
const genuine = buildSync({
  entryPoints: [fileURLToPath(new URL('../../src/runtime/supervisor/child.ts', import.meta.url))],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  write: false,
  logLevel: 'silent',
  external: ['isolated-vm'],
}).outputFiles[0]!.text;
const predictableName = `lambda-sim-child-${createHash('sha256').update(genuine).digest('hex').slice(0, 16)}.mjs`;

/** What a local attacker plants: the genuine child, which first leaves a marker (so the sandboxes work and only the marker tells). */
const planted = (marker: string): string =>
  `import { writeFileSync as plantedWrite } from 'node:fs';\nplantedWrite(${JSON.stringify(marker)}, 'planted code ran as ' + process.pid);\n${genuine}`;

let root = '';
const saved = { TMPDIR: process.env['TMPDIR'], NODE_OPTIONS: process.env['NODE_OPTIONS'] };
/** The test's simulator, closed after it whatever happened. */
let current: LambdaSimulator | undefined;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'issue16-'));
});
afterEach(async () => {
  await current?.close();
  current = undefined;
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A supervised simulator from freshly loaded modules: no state left by an earlier test. */
async function supervisedSim(): Promise<LambdaSimulator> {
  vi.resetModules();
  const { LambdaSimulator: Fresh } = await import('../../src/index.js');
  current = new Fresh({ seed: 1, sandbox: 'supervised' });
  return current;
}

/** A fresh, empty tmpdir for lambda-sim (and a place outside it for markers and victims). */
function freshTmp(name: string): { tmp: string; outside: string } {
  const tmp = join(root, name, 'tmp');
  const outside = join(root, name, 'outside');
  mkdirSync(tmp, { recursive: true });
  mkdirSync(outside, { recursive: true });
  process.env['TMPDIR'] = tmp;
  expect(tmpdir()).toBe(tmp);
  return { tmp, outside };
}

const lambdaSimEntries = (tmp: string): string[] => readdirSync(tmp).filter((n) => n.startsWith('lambda-sim'));

describe('the supervised child script (issue 16)', () => {
  it('a script planted at the predictable tmpdir name, before the first start and again before a restart, never runs; invokes answer as usual', async () => {
    const { tmp, outside } = freshTmp('planted');
    const marker = join(outside, 'marker');
    const script = join(tmp, predictableName);
    writeFileSync(script, planted(marker));
    const sim = await supervisedSim();
    await deploy(sim, ECHO, { FunctionName: 'echo' });
    await deploy(sim, CRASH, { FunctionName: 'crash', MemorySize: 128 });

    expect((await call(sim, 'echo', { n: 1 })).payload).toEqual({ echo: { n: 1 } });
    expect(existsSync(marker)).toBe(false);

    // Swapped in between the first start and the restart.
    writeFileSync(script, planted(marker));
    const crash = await call(sim, 'crash');
    expect(crash.out.FunctionError).toBe('Unhandled');
    expect(crash.payload).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect((await call(sim, 'echo', { n: 2 })).payload).toEqual({ echo: { n: 2 } });
    expect(sim.sandboxStats()).toMatchObject({ restarts: 1 });
    expect(existsSync(marker)).toBe(false);
    // Neither run nor rewritten: lambda-sim does not use that name at all.
    expect(readFileSync(script, 'utf8')).toBe(planted(marker));
  });

  it('symlinks planted at the names the script used to be written through are neither followed nor written through', async () => {
    const { tmp, outside } = freshTmp('symlinks');
    const marker = join(outside, 'marker');
    const plantedScript = join(outside, 'planted.mjs');
    writeFileSync(plantedScript, planted(marker));
    const victim = join(outside, 'victim.txt');
    writeFileSync(victim, 'precious');
    const script = join(tmp, predictableName);
    symlinkSync(plantedScript, script);
    // The temporary name was the script's name plus this (the parent) process's id.
    symlinkSync(victim, `${script}.${process.pid}.tmp`);
    const sim = await supervisedSim();
    await deploy(sim, ECHO, { FunctionName: 'echo' });
    await deploy(sim, CRASH, { FunctionName: 'crash', MemorySize: 128 });

    const answers = [await call(sim, 'echo', { n: 1 }), await call(sim, 'crash'), await call(sim, 'echo', { n: 2 })].map((r) => r.payload);

    // (Before the fix, the bundle went through the second link into the victim, and the child ran the victim.)
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(existsSync(marker)).toBe(false);
    expect(readlinkSync(script)).toBe(plantedScript);
    expect(readlinkSync(`${script}.${process.pid}.tmp`)).toBe(victim);
    expect(answers).toEqual([{ echo: { n: 1 } }, expect.objectContaining({ errorType: 'Runtime.ExitError' }), { echo: { n: 2 } }]);
    expect(sim.sandboxStats()).toMatchObject({ restarts: 1 });
  });

  it('nothing of lambda-sim stays in tmpdir: not while a child runs, not after a restart, not after close()', async () => {
    const { tmp } = freshTmp('leftovers');
    const sim = await supervisedSim();
    await deploy(sim, ECHO, { FunctionName: 'echo' });
    await deploy(sim, CRASH, { FunctionName: 'crash', MemorySize: 128 });

    expect((await call(sim, 'echo', { n: 1 })).payload).toEqual({ echo: { n: 1 } });
    expect(lambdaSimEntries(tmp)).toEqual([]);
    expect((await call(sim, 'crash')).payload).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect((await call(sim, 'echo', { n: 2 })).payload).toEqual({ echo: { n: 2 } });
    expect(sim.sandboxStats()).toMatchObject({ restarts: 1, live: 1 });
    expect(lambdaSimEntries(tmp)).toEqual([]);
    await sim.close();
    expect(lambdaSimEntries(tmp)).toEqual([]);
  });

  it("a child that cannot start is still reported with the last words it wrote on stderr, leaves nothing behind, and the next start works", async () => {
    const { tmp, outside } = freshTmp('start-failure');
    const sim = await supervisedSim();
    await deploy(sim, ECHO, { FunctionName: 'echo' });
    // Node itself fails before the child's code runs, and says so on stderr.
    process.env['NODE_OPTIONS'] = `${saved.NODE_OPTIONS ?? ''} --require ${join(outside, 'missing-preload.cjs')}`.trim();
    const failed = await call(sim, 'echo');
    expect(failed.out.FunctionError).toBe('Unhandled');
    expect(failed.payload).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/Runtime exited with error: lambda-sim could not start a sandbox: lambda-sim could not start its supervised sandbox process: .*Node\.js v\d+/),
    });
    expect(lambdaSimEntries(tmp)).toEqual([]);

    process.env['NODE_OPTIONS'] = saved.NODE_OPTIONS ?? '';
    expect((await call(sim, 'echo', { n: 1 })).payload).toEqual({ echo: { n: 1 } });
    expect(lambdaSimEntries(tmp)).toEqual([]);
  });

  it('the child starts when the working directory of the parent was deleted (a stdin script is named after it)', async () => {
    const { tmp, outside } = freshTmp('deleted-cwd');
    const sim = await supervisedSim();
    await deploy(sim, ECHO, { FunctionName: 'echo' });
    const cwd = process.cwd();
    const doomed = join(outside, 'doomed');
    mkdirSync(doomed);
    process.chdir(doomed);
    try {
      expect(process.cwd()).toBe(doomed); // cached by Node from here on, so this process keeps working
      rmdirSync(doomed);
      expect((await call(sim, 'echo', { n: 1 })).payload).toEqual({ echo: { n: 1 } });
    } finally {
      process.chdir(cwd);
    }
    expect(lambdaSimEntries(tmp)).toEqual([]);
    expect(lstatSync(outside).isDirectory()).toBe(true);
  });
});
