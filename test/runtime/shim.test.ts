import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, deploy, newSim, type Sim } from '../helpers.js';

let sim: Sim;
beforeEach(() => {
  sim = newSim();
});
afterEach(async () => {
  await sim.close();
});

const run = async (body: string, extra = {}): Promise<unknown> => {
  const fn = await deploy(sim, `export const handler = async (event, context) => { ${body} };`, extra);
  const r = await call(sim, fn);
  if (r.out.FunctionError !== undefined) throw new Error(`handler failed: ${r.text}`);
  return r.payload;
};

describe('sandbox globals', () => {
  it('has Buffer with encodings', async () => {
    expect(await run(`const b = Buffer.from('héllo'); return [b.length, b.toString('base64'), Buffer.from('aGk=', 'base64').toString(), Buffer.isBuffer(b), b.toString('hex')];`)).toEqual([
      6, Buffer.from('héllo').toString('base64'), 'hi', true, Buffer.from('héllo').toString('hex'),
    ]);
  });

  it('has TextEncoder/TextDecoder for UTF-8 including astral characters', async () => {
    expect(await run(`const bytes = new TextEncoder().encode('a€😀'); return [Array.from(bytes), new TextDecoder().decode(bytes)];`)).toEqual([
      Array.from(Buffer.from('a€😀')), 'a€😀',
    ]);
  });

  it('has URL and URLSearchParams with WHATWG semantics', async () => {
    expect(
      await run(`const u = new URL('../b?x=1&y=a+b#h', 'https://user:pw@example.com:8080/a/c'); u.searchParams.append('z', 'é'); const p = new URLSearchParams({ q: 'a b', r: '1' });
        return [u.href, u.host, u.pathname, u.searchParams.get('y'), p.toString(), URL.canParse('nope'), (() => { try { new URL('nope'); } catch (e) { return e.code; } })()];`),
    ).toEqual(['https://user:pw@example.com:8080/b?x=1&y=a+b&z=%C3%A9#h', 'example.com:8080', '/b', 'a b', 'q=a+b&r=1', false, 'ERR_INVALID_URL']);
  });

  it('has atob/btoa, structuredClone and queueMicrotask', async () => {
    expect(
      await run(`const order = []; queueMicrotask(() => order.push('micro')); order.push('sync'); await null;
        const src = { d: new Date(0), m: new Map([[1, { x: 1 }]]), s: new Set([1]) }; src.self = src; const c = structuredClone(src);
        return [btoa('hi'), atob('aGk='), order, c.self === c, c.m.get(1).x, c.d instanceof Date, c !== src];`),
    ).toEqual(['aGk=', 'hi', ['sync', 'micro'], true, 1, true, true]);
  });

  it('runs Date on simulated time in UTC whatever the host TZ', async () => {
    expect(
      await run(`const d = new Date(); return [d.toISOString(), Date.now(), d.getHours(), d.getTimezoneOffset(), new Date('2025-06-01T10:00:00').toISOString(), d.toString(), new Intl.DateTimeFormat('en-US', { hour: 'numeric' }).format(d)];`),
    ).toEqual(['2025-01-01T00:00:00.000Z', Date.UTC(2025, 0, 1), 0, 0, '2025-06-01T10:00:00.000Z', 'Wed Jan 01 2025 00:00:00 GMT+0000 (Coordinated Universal Time)', '12 AM']);
  });

  it('seeds Math.random and crypto from the simulator seed', async () => {
    const body = `return [Math.random(), crypto.randomUUID(), Array.from(crypto.getRandomValues(new Uint8Array(4)))];`;
    const fnA = await deploy(sim, `export const handler = async () => { ${body} };`, { FunctionName: 'seeded' });
    const a = (await call(sim, fnA)).payload;
    const other = newSim({ seed: 1 });
    try {
      const fn = await deploy(other, `export const handler = async () => { ${body} };`, { FunctionName: 'seeded' });
      expect((await call(other, fn)).payload).toEqual(a);
    } finally {
      await other.close();
    }
    const differentSeed = newSim({ seed: 2 });
    try {
      const fn = await deploy(differentSeed, `export const handler = async () => { ${body} };`, { FunctionName: 'seeded' });
      expect((await call(differentSeed, fn)).payload).not.toEqual(a);
    } finally {
      await differentSeed.close();
    }
  });

  it('provides process.env with the reserved variables and the function variables', async () => {
    const env = (await run(`return process.env;`, { Environment: { Variables: { TABLE: 'orders' } }, MemorySize: 256 })) as Record<string, string>;
    expect(env).toMatchObject({
      TABLE: 'orders',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: '/var/task',
      _HANDLER: 'index.handler',
      TZ: ':UTC',
      AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
      _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
      _AWS_XRAY_DAEMON_PORT: '2000',
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    });
    expect(env['AWS_LAMBDA_LOG_STREAM_NAME']).toMatch(/^2025\/01\/01\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(env['_X_AMZN_TRACE_ID']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
  });

  it('gives the context object every field Lambda gives', async () => {
    const fn = await deploy(sim, `export const handler = async (e, c) => ({ ...c, remaining: c.getRemainingTimeInMillis() });`, { FunctionName: 'ctxfn', MemorySize: 512, Timeout: 7 });
    const clientContext = Buffer.from(JSON.stringify({ custom: { a: 1 } })).toString('base64');
    const out = await sim.invoke({ FunctionName: fn, ClientContext: clientContext });
    const c = JSON.parse(out.Payload!.transformToString()) as Record<string, unknown>;
    expect(c).toEqual({
      callbackWaitsForEmptyEventLoop: true,
      functionVersion: '$LATEST',
      functionName: 'ctxfn',
      memoryLimitInMB: '512',
      logGroupName: '/aws/lambda/ctxfn',
      logStreamName: expect.stringMatching(/^2025\/01\/01\/\[\$LATEST\][0-9a-f]{32}$/),
      clientContext: { custom: { a: 1 } },
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ctxfn',
      awsRequestId: out.$metadata.requestId,
      remaining: 7000,
    });
  });

  it('keeps /tmp across warm invocations and across an environment reset', async () => {
    const fn = await deploy(
      sim,
      `import fs from 'node:fs'; import { readFile, writeFile } from 'node:fs/promises';
       export const handler = async (e) => {
         if (e.write) { fs.mkdirSync('/tmp/a/b', { recursive: true }); await writeFile('/tmp/a/b/f.txt', 'data-' + e.write); fs.appendFileSync('/tmp/a/b/f.txt', '!'); }
         if (e.crash) process.exit(1);
         return { text: await readFile('/tmp/a/b/f.txt', 'utf8'), list: fs.readdirSync('/tmp/a/b'), size: fs.statSync('/tmp/a/b/f.txt').size, exists: fs.existsSync('/tmp/none') };
       };`,
    );
    expect((await call(sim, fn, { write: 1 })).payload).toEqual({ text: 'data-1!', list: ['f.txt'], size: 7, exists: false });
    expect((await call(sim, fn, { crash: true })).payload).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect((await call(sim, fn, {})).payload).toEqual({ text: 'data-1!', list: ['f.txt'], size: 7, exists: false });
  });

  it('gives Node-style fs errors: ENOENT on read, EROFS outside /tmp', async () => {
    expect(
      await run(`const fs = await import('node:fs'); const r = []; for (const f of [() => fs.readFileSync('/tmp/missing'), () => fs.writeFileSync('/var/task/x', 'y')]) { try { f(); } catch (e) { r.push([e.code, e.message]); } } return r;`),
    ).toEqual([
      ['ENOENT', "ENOENT: no such file or directory, open '/tmp/missing'"],
      ['EROFS', "EROFS: read-only file system, open '/var/task/x'"],
    ]);
  });

  it('provides path, events, util, crypto hashes and os', async () => {
    expect(
      await run(`const path = await import('node:path'); const { EventEmitter } = await import('node:events'); const util = await import('node:util'); const crypto = await import('node:crypto'); const os = await import('node:os');
        const ee = new EventEmitter(); let got; ee.on('x', (v) => (got = v)); ee.emit('x', 5);
        return [path.join('/a', '../b', 'c.txt'), path.extname('f.ts'), got, util.format('%d!', 3), crypto.createHash('sha256').update('abc').digest('hex'), crypto.createHmac('sha1', 'k').update('d').digest('base64'), os.tmpdir()];`),
    ).toEqual([
      '/b/c.txt', '.ts', 5, '3!', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      (await import('node:crypto')).createHmac('sha1', 'k').update('d').digest('base64'), '/tmp',
    ]);
  });

  it('freezes timers between invocations and fires overdue ones at the next thaw', async () => {
    const fn = await deploy(sim, `let fired = []; export const handler = async (e) => { if (e.arm) setTimeout(() => fired.push('t'), 1000).unref(); return fired; };`);
    expect((await call(sim, fn, { arm: true })).payload).toEqual([]);
    await sim.advance(5000);
    expect((await call(sim, fn, {})).payload).toEqual(['t']);
  });

  it('supports setInterval with clearInterval', async () => {
    expect(await run(`let n = 0; await new Promise((r) => { const h = setInterval(() => { if (++n === 3) { clearInterval(h); r(); } }, 100); }); return [n, Date.now() - ${Date.UTC(2025, 0, 1)}];`)).toEqual([3, 300]);
  });
});
