/**
 * Issue 16, class 8: host memory a handler could grow without limit. /tmp's metadata (50,000 empty
 * files held 200 MB of host heap and 0 bytes of EphemeralStorage), pending timers (500,000 frozen
 * ones held 200 MB), and `maxSandboxMemoryMB` admission that used memory measured at cold start
 * (six busy environments at ~190 MB each ran under a 300 MB cap). Each has a bound and a typed
 * outcome. (Hashing: host-work.test.ts; SDK clients: sdk-config.test.ts; HTTP: http-bounds.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HostLimitExceededError, type LambdaSimulator } from '../../src/index.js';
import { MAX_TIMERS } from '../../src/runtime/host-limits.js';
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

  it('TmpFs, through its port: nodes count in hostBytes by their paths too, a rename needs no spare node, removing gives it all back', () => {
    const fs = new TmpFs(512 * 1048576, () => 0);
    const empty = fs.hostBytes;
    for (let i = 0; i < fs.maxNodes; i++) expect(fs.op('writeFile', `/tmp/${i}`, new Uint8Array(0), undefined)).toBe('');
    expect(fs.nodeCount).toBe(32_768);
    const short = fs.hostBytes - empty;
    expect(short).toBeGreaterThanOrEqual(32_768 * 1024);
    expect(String(fs.op('mkdir', '/tmp/extra', false, undefined))).toContain('ENOSPC');
    expect(fs.op('rename', '/tmp/0', '/tmp/renamed', undefined)).toBe('');
    for (let i = 1; i < fs.maxNodes; i++) fs.op('unlink', `/tmp/${i}`, undefined, undefined);
    fs.op('unlink', '/tmp/renamed', undefined, undefined);
    expect(fs.hostBytes).toBe(empty);
    // 4,000-character paths (as many nodes) cost the host far more than short ones: they count so.
    const long = 'd'.repeat(250);
    let dir = '/tmp';
    for (let depth = 0; depth < 15; depth++) fs.op('mkdir', (dir = `${dir}/${long}`), false, undefined);
    for (let i = 0; i < 1000; i++) fs.op('writeFile', `${dir}/${i}`, new Uint8Array(0), undefined);
    expect(fs.hostBytes - empty).toBeGreaterThan(1015 * (1024 + 4 * 3_700));
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

// 25,000 nodes count ~26 MB: one environment (with its heap, a few MB) stays under 45 MB, two do not.
it('maxSandboxMemoryMB counts /tmp too (it lives on the host in both modes): two busy environments with 25,000 files each fill a 45 MB cap', async () => {
  sim = newSim({ seed: 8, maxSandboxMemoryMB: 45 });
  await deploy(sim, `import fs from 'node:fs'; export const handler = async () => { for (let i = 0; i < 25000; i++) fs.writeFileSync('/tmp/' + i, ''); await new Promise((r) => setTimeout(r, 1000)); return fs.readdirSync('/tmp').length; };`, {
    FunctionName: 'tmpfill',
    Timeout: 60,
  });
  const outcomes = await Promise.allSettled([1, 2, 3].map(() => sim!.invoke({ FunctionName: 'tmpfill', Payload: '{}' })));
  expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(HostLimitExceededError);
});

describe('host calls waiting for an answer, per environment', () => {
  it('past 1,024 pending calls, or 128 Mi characters of their arguments, a new call is a RangeError; answered ones make room', async () => {
    // Answers a turn of the host's event loop later: every call the handler starts in one go is pending at once.
    sim = newSim({ seed: 8, modules: { slow: { wait: (x: unknown) => new Promise((r) => setImmediate(() => r(typeof x === 'string' ? x.length : x))) } } });
    await deploy(sim, `import slow from 'slow';
      export const handler = async (e) => {
        const waiting = [];
        const tryCall = (arg) => { try { waiting.push(slow.wait(arg)); return 'started'; } catch (err) { return err.name + ': ' + err.message.slice(0, 80); } };
        if (e.count) { const out = []; for (let i = 0; i < 1030; i++) out.push(tryCall(i)); return [out.filter((x) => x === 'started').length, out[1024], (await Promise.all(waiting)).length]; }
        const big = 'x'.repeat(30 * 1048576);
        const out = [1, 2, 3, 4, 5].map(() => tryCall(big));
        return [out, (await Promise.all(waiting)).length];
      };`, { FunctionName: 'pending', Timeout: 60, MemorySize: 1024 });
    expect((await call(sim, 'pending', { count: true })).payload).toEqual([
      1024,
      'RangeError: lambda-sim: this environment already has 1024 host calls waiting for an answer, ',
      1024,
    ]);
    const bytes = await call(sim, 'pending', {});
    const [outcomes, answered] = bytes.payload as [string[], number];
    expect(outcomes.slice(0, 4)).toEqual(['started', 'started', 'started', 'started']);
    expect(outcomes[4]).toMatch(/^RangeError: lambda-sim: this environment already has 4 host calls waiting for an answer/);
    expect(answered).toBe(4);
  });
});
