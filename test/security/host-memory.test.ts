/**
 * Issue 16, class 8: host memory a handler could grow without limit. /tmp's metadata (50,000 empty
 * files held 200 MB of host heap and 0 bytes of EphemeralStorage), pending timers (500,000 frozen
 * ones held 200 MB), and `maxSandboxMemoryMB` admission that used memory measured at cold start
 * (six busy environments at ~190 MB each ran under a 300 MB cap). Each has a bound and a typed
 * outcome. (Hashing: host-work.test.ts; SDK clients: sdk-config.test.ts; HTTP: http-bounds.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HostLimitExceededError, type LambdaSimulator } from '../../src/index.js';
import { MAX_TIMERS } from '../../src/runtime/environment.js';
import { TmpFs } from '../../src/runtime/tmpfs.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('/tmp holds at most one file or directory per 16 KiB of EphemeralStorage', () => {
  const FILES = `import fs from 'node:fs';
    export const handler = async (e) => {
      let made = 0;
      try { for (; made < e.n; made++) (e.dirs ? fs.mkdirSync : fs.writeFileSync)('/tmp/f' + made, ...(e.dirs ? [] : [''])); return { made }; }
      catch (err) { return { made, code: err.code, message: err.message }; }
    };`;

  it.each([
    [512, false, 32_768],
    [512, true, 32_768],
    [1024, false, 65_536],
  ])('EphemeralStorage %i MB (directories: %s): creating number %i + 1 is ENOSPC, as Linux says when inodes run out', async (size, dirs, max) => {
    sim = newSim({ seed: 8 });
    await deploy(sim, FILES, { FunctionName: 'files', EphemeralStorage: { Size: size }, Timeout: 60 });
    const r = await call(sim, 'files', { n: 50_000 * (size / 512), dirs });
    expect(r.payload).toEqual({ made: max, code: 'ENOSPC', message: `ENOSPC: no space left on device, ${dirs ? 'mkdir' : 'open'} '/tmp/f${max}'` });
  });

  it('deleting files makes room again, and 10,000 files are no trouble', async () => {
    sim = newSim({ seed: 8 });
    await deploy(sim, `import fs from 'node:fs';
      export const handler = async () => {
        for (let i = 0; i < 10000; i++) fs.writeFileSync('/tmp/a' + i, 'x');
        for (let i = 0; i < 10000; i++) fs.unlinkSync('/tmp/a' + i);
        for (let i = 0; i < 32768; i++) fs.writeFileSync('/tmp/b' + i, '');
        let full; try { fs.writeFileSync('/tmp/c', ''); } catch (e) { full = e.code; }
        fs.unlinkSync('/tmp/b0');
        fs.writeFileSync('/tmp/c', 'fits');
        return [full, fs.readdirSync('/tmp').length, fs.readFileSync('/tmp/c', 'utf8')];
      };`, { FunctionName: 'room', Timeout: 60 });
    expect((await call(sim, 'room')).payload).toEqual(['ENOSPC', 32_768, 'fits']);
  });

  it('TmpFs, through its port: a node’s host cost is counted in hostBytes, and a rename does not need a spare node', () => {
    const fs = new TmpFs(512 * 1048576, () => 0);
    const before = fs.hostBytes;
    for (let i = 0; i < fs.maxNodes; i++) expect(fs.op('writeFile', `/tmp/${i}`, new Uint8Array(0), undefined)).toBe('');
    expect(fs.nodeCount).toBe(32_768);
    expect(fs.hostBytes - before).toBe(32_768 * 1024);
    expect(String(fs.op('mkdir', '/tmp/extra', false, undefined))).toContain('ENOSPC');
    expect(fs.op('rename', '/tmp/0', '/tmp/renamed', undefined)).toBe('');
  });
});

describe('pending timers per environment', () => {
  it(`past ${MAX_TIMERS} pending timers setTimeout throws a RangeError; clearing makes room; the environment goes on`, async () => {
    sim = newSim({ seed: 8 });
    await deploy(sim, `
      const handles = [];
      export const handler = async (e) => {
        if (e.clear) { for (const h of handles.splice(0)) clearTimeout(h); return setTimeout(() => {}, 1) !== undefined; }
        try { for (let i = 0; i < 500000; i++) handles.push(setTimeout(() => {}, 3600000)); return 'all armed'; }
        catch (err) { return [handles.length, err.name, err.message]; }
      };`, { FunctionName: 'timers', Timeout: 60 });
    expect((await call(sim, 'timers', {})).payload).toEqual([MAX_TIMERS, 'RangeError', `lambda-sim: more than ${MAX_TIMERS} timers are pending in this environment (the host keeps every one of them)`]);
    // Frozen with 100,000 pending: the next invocation thaws them and can still clear them all.
    expect((await call(sim, 'timers', { clear: true })).payload).toBe(true);
  });
});

describe.each(['in-process', 'supervised'] as const)('maxSandboxMemoryMB counts what busy environments use now (%s)', (mode) => {
  it('six concurrent invocations that each grow to 100 MB under a 300 MB cap: three run, three are refused with HostLimitExceededError', async () => {
    sim = newSim({ seed: 8, maxSandboxMemoryMB: 300, sandbox: mode });
    await deploy(sim, `let keep; export const handler = async () => { keep = new Uint8Array(100 * 1048576).fill(1); await new Promise((r) => setTimeout(r, 1000)); return keep.length; };`, {
      FunctionName: 'grow',
      MemorySize: 512,
      Timeout: 60,
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5, 6].map(() => sim!.invoke({ FunctionName: 'grow', Payload: '{}' })));
    const ran = outcomes.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<{ Payload?: { transformToString(): string } }>).value.Payload!.transformToString());
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as Error);
    expect(ran).toEqual(['104857600', '104857600', '104857600']);
    expect(refused).toHaveLength(3);
    for (const e of refused) expect(e).toBeInstanceOf(HostLimitExceededError);
    expect(sim.sandboxStats()).toMatchObject({ live: 3 });
  });
});

it('maxSandboxMemoryMB counts /tmp too (it lives on the host in both modes): two busy environments with 30,000 files each fill a 40 MB cap', async () => {
  sim = newSim({ seed: 8, maxSandboxMemoryMB: 40 });
  await deploy(sim, `import fs from 'node:fs'; export const handler = async () => { for (let i = 0; i < 30000; i++) fs.writeFileSync('/tmp/' + i, ''); await new Promise((r) => setTimeout(r, 1000)); return fs.readdirSync('/tmp').length; };`, {
    FunctionName: 'tmpfill',
    Timeout: 60,
  });
  const outcomes = await Promise.allSettled([1, 2, 3].map(() => sim!.invoke({ FunctionName: 'tmpfill', Payload: '{}' })));
  expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(HostLimitExceededError);
});
