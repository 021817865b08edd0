/**
 * Issue 17, part 1: no built-in is refused at create. Every module of the host line's
 * `builtinModules` loads in the sandbox with the host's export names; what lambda-sim does not
 * simulate throws ERR_LAMBDA_SIM_UNSUPPORTED when called, naming the function and what to use
 * instead. Run on every Node line CI runs.
 */
import { fileURLToPath } from 'node:url';
import { builtinModules, createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

const require = createRequire(import.meta.url);

/** The sandbox's `process` is Lambda's surface, not the host's (no binding, dlopen, mainModule…): see the escape corpus. */
const OWN_SURFACE = new Set(['process']);

let sim: LambdaSimulator;
beforeAll(() => {
  sim = newSim({ seed: 17 });
});
afterAll(() => sim.close());

describe('every Node built-in loads in the sandbox', () => {
  it(`all ${builtinModules.length} of this line's builtinModules import, and each has every export name the host's has`, async () => {
    const names = builtinModules.filter((n) => !OWN_SURFACE.has(n));
    // Node 24 lists the prefix-only modules with their prefix (node:sea, node:sqlite, node:test).
    const spec = (n: string): string => (n.startsWith('node:') ? n : `node:${n}`);
    const host = Object.fromEntries(names.map((n) => [n, Object.keys(require(spec(n)) as object).filter((k) => k !== 'default')]));
    const source =
      names.map((n, i) => `import * as m${i} from '${spec(n)}';`).join('\n') +
      `\nconst wanted = ${JSON.stringify(host)};\n` +
      `const mods = { ${names.map((n, i) => `${JSON.stringify(n)}: m${i}`).join(', ')} };\n` +
      `export const handler = async () => Object.fromEntries(Object.entries(wanted).map(([n, keys]) => [n, keys.filter((k) => !(k in mods[n]))]).filter(([, missing]) => missing.length > 0));`;
    await deploy(sim, source, { FunctionName: 'all', MemorySize: 512 });
    const r = await call(sim, 'all');
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.payload).toEqual({});
  });

  it('a function lambda-sim does not simulate throws ERR_LAMBDA_SIM_UNSUPPORTED at call time, naming it and what to use instead', async () => {
    const name = await deploy(
      sim,
      `import * as cp from 'node:child_process'; import http2 from 'node:http2'; import net from 'node:net'; import { Worker } from 'node:worker_threads';
      const t = (f) => { try { f(); return 'no error'; } catch (e) { return [e.code, e.message]; } };
      export const handler = async () => [t(() => cp.execSync('ls')), t(() => http2.connect('https://example.com')), t(() => net.createServer().listen(80)), t(() => new Worker('x.js').postMessage(1))];`,
      { FunctionName: 'calls' },
    );
    const [exec, get, connect, worker] = (await call(sim, name)).payload as Array<[string, string]>;
    expect(exec).toEqual(['ERR_LAMBDA_SIM_UNSUPPORTED', 'lambda-sim: child_process.execSync() is not supported in the sandbox: a sandbox cannot start processes: use a host module (option `modules`) that does the work on the host']);
    expect(get![0]).toBe('ERR_LAMBDA_SIM_UNSUPPORTED');
    expect(get![1]).toMatch(/^lambda-sim: http2\.connect\(\) is not supported in the sandbox: HTTP\/2 is not simulated: use fetch or https\.request \(simulator option `network`\)/);
    expect(connect).toEqual(['ERR_LAMBDA_SIM_UNSUPPORTED', expect.stringMatching(/^lambda-sim: net\.createServer\(\) is not supported in the sandbox: the sandbox connects sockets .* but listens on none/)]);
    expect(worker).toEqual(['ERR_LAMBDA_SIM_UNSUPPORTED', expect.stringMatching(/^lambda-sim: worker_threads\.Worker\.prototype\.postMessage\(\) is not supported/)]);
    for (const [, message] of [exec!, get!, connect!, worker!]) expect(message.length).toBeLessThan(300);
  });

  it('what libraries do at load time works: an https.Agent made at module load, tty.isatty, a require of child_process in a try', async () => {
    const name = await deploy(
      sim,
      `import https from 'node:https'; import tty from 'node:tty'; import { EventEmitter } from 'node:events';
      const agent = new https.Agent({ keepAlive: true });
      class MyAgent extends https.Agent {}
      let exec = 'none'; try { exec = typeof require('child_process').exec; } catch (e) { exec = e.message; }
      export const handler = async () => { const listened = []; agent.on('free', () => listened.push('free')); agent.emit('free');
        return [agent instanceof EventEmitter, listened, new MyAgent() instanceof https.Agent, tty.isatty(1), tty.isatty(2), exec, https.STATUS_CODES ? 'no' : typeof https.globalAgent]; };`,
      { FunctionName: 'load' },
    );
    expect((await call(sim, name)).payload).toEqual([true, ['free'], true, false, false, 'function', 'object']);
  });

  it('constants and tables are the host’s (http.STATUS_CODES, http.METHODS, os.constants.signals, fs.constants)', async () => {
    const name = await deploy(
      sim,
      `import http from 'node:http'; import os from 'node:os'; import fs from 'node:fs'; import { constants } from 'node:crypto';
      export const handler = async () => [http.STATUS_CODES[418], http.METHODS.includes('PATCH'), os.constants.signals.SIGTERM, fs.constants.O_RDONLY, typeof constants.RSA_PKCS1_PADDING];`,
      { FunctionName: 'consts' },
    );
    const http = require('node:http') as typeof import('node:http');
    expect((await call(sim, name)).payload).toEqual([http.STATUS_CODES[418], true, 15, 0, 'number']);
  });
});

describe('unsupported calls name the package that made them', () => {
  it('a server opened deep inside a client library names the library the handler imported, not its internal file', async () => {
    const sim2 = newSim({ seed: 3 });
    try {
      await sim2.createFunction({ FunctionName: 'caller', Handler: 'index.handler', Code: { Path: fileURLToPath(new URL('../fixtures/unsupported-caller', import.meta.url)) } });
      const [code, message] = (await call(sim2, 'caller')).payload as [string, string];
      expect(code).toBe('ERR_LAMBDA_SIM_UNSUPPORTED');
      expect(message).toMatch(/^lambda-sim: net\.createServer\(\) is not supported in the sandbox: .* \(called by the package fake-redis\)$/);
      expect(message).not.toContain('connector');
      expect(message.length).toBeLessThan(300);
    } finally {
      await sim2.close();
    }
  });
});

describe('the small built-ins written for the sandbox', () => {
  it('worker_threads says this is the main thread; module.createRequire loads built-ins; isBuiltin knows the host’s list', async () => {
    const name = await deploy(
      sim,
      `import { isMainThread, threadId, parentPort, workerData } from 'node:worker_threads'; import { createRequire, isBuiltin, builtinModules } from 'node:module';
      export const handler = async () => { const r = createRequire(import.meta.url); let missing; try { r('left-pad'); } catch (e) { missing = e.code; }
        return [isMainThread, threadId, parentPort, workerData, typeof r('node:path').join, isBuiltin('node:fs'), isBuiltin('left-pad'), builtinModules.includes('http'), missing]; };`,
      { FunctionName: 'threads' },
    );
    expect((await call(sim, name)).payload).toEqual([true, 0, null, null, 'function', true, false, true, 'MODULE_NOT_FOUND']);
  });

  it('diagnostics_channel publishes to subscribers and traces calls (undici and Powertools use it)', async () => {
    const name = await deploy(
      sim,
      `import dc from 'node:diagnostics_channel';
      export const handler = async () => {
        const seen = [];
        const ch = dc.channel('my:channel');
        const before = ch.hasSubscribers;
        const sub = (m, n) => seen.push([n, m.x]);
        dc.subscribe('my:channel', sub);
        ch.publish({ x: 1 });
        const same = dc.channel('my:channel') === ch;
        dc.unsubscribe('my:channel', sub);
        ch.publish({ x: 2 });
        const tc = dc.tracingChannel('work');
        tc.subscribe({ start: (c) => seen.push(['start', c.n]), end: (c) => seen.push(['end', c.result]), asyncEnd: (c) => seen.push(['asyncEnd', c.result]), error: (c) => seen.push(['error', c.error.message]) });
        const sync = tc.traceSync((a) => a * 2, { n: 'sync' }, undefined, 21);
        const later = await tc.tracePromise(async () => 'done', { n: 'promise' });
        try { tc.traceSync(() => { throw new Error('boom'); }, { n: 'throws' }); } catch {}
        return [before, same, seen, sync, later, dc.hasSubscribers('my:channel')];
      };`,
      { FunctionName: 'dc' },
    );
    expect((await call(sim, name)).payload).toEqual([
      false,
      true,
      // (undefined results come back as null through JSON)
      [['my:channel', 1], ['start', 'sync'], ['end', 42], ['start', 'promise'], ['end', null], ['asyncEnd', 'done'], ['start', 'throws'], ['error', 'boom'], ['end', null]],
      42,
      'done',
      false,
    ]);
  });

  it('readline reads lines from a stream; domain runs and intercepts; stream/consumers reads to the end; perf_hooks has the simulated performance', async () => {
    const name = await deploy(
      sim,
      `import readline from 'node:readline'; import domain from 'node:domain'; import { Readable } from 'node:stream'; import { text, json } from 'node:stream/consumers'; import { performance } from 'node:perf_hooks';
      export const handler = async () => {
        const lines = [];
        for await (const l of readline.createInterface({ input: Readable.from(['a\\nb', '\\nc\\n', 'd']) })) lines.push(l);
        const d = domain.create(); const errors = []; d.on('error', (e) => errors.push(e.message));
        d.intercept(() => 'ok')(new Error('caught'));
        const ran = d.run((x) => x + 1, 1);
        const t0 = performance.now(); await new Promise((r) => setTimeout(r, 250));
        return [lines, errors, ran, await text(Readable.from(['x', 'y'])), await json(Readable.from(['{"a"', ':1}'])), performance.now() - t0];
      };`,
      { FunctionName: 'small' },
    );
    expect((await call(sim, name)).payload).toEqual([['a', 'b', 'c', 'd'], ['caught'], 2, 'xy', { a: 1 }, 250]);
  });
});
