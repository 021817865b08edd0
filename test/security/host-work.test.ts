/**
 * Issue 16, class 9 (and the hashing part of class 8): host work on untrusted input. A host
 * callback's time is charged to the invocation only when it returns, so one callback must never
 * be long: what callbacks accept is bounded before any work. `{ $bigint: '9'.repeat(16e6) }` in an
 * SDK input held the host 6–8 s on a 500 ms budget; two million frames went to the source-map
 * callback; a 600 MB createHash input was copied whole into the supervised parent.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { HostHashes, MAX_HASH_CHUNK, MAX_OPEN_HASHES } from '../../src/runtime/host-services.js';
import { call, deploy, newSim } from '../helpers.js';

describe.each(['in-process', 'supervised'] as const)('bounded host work (%s)', (mode) => {
  let sim: LambdaSimulator;
  beforeAll(() => {
    sim = newSim({ seed: 9, cpuTimeBudgetMs: 5_000, sandbox: mode, modules: { m: { kind: (x: unknown) => typeof (x as { v: unknown }).v, echo: (x: unknown) => (typeof x === 'string' ? x.length : -1) } } });
  });
  afterAll(() => sim.close());

  const run = async (body: string, extra = {}): Promise<Awaited<ReturnType<typeof call>>> =>
    call(sim, await deploy(sim, `import m from 'm'; import crypto from 'node:crypto'; export const handler = async (event) => { ${body} };`, { Timeout: 60, ...extra }));

  it.each([
    ['a host module argument', `return m.kind({ v: { $bigint: '9'.repeat(16e6) } });`],
    ['an AWS SDK command input', `const { DynamoDBClient, PutItemCommand } = await import('@aws-sdk/client-dynamodb'); return new DynamoDBClient({}).send(new PutItemCommand({ TableName: 't', Item: { n: { $bigint: '9'.repeat(16e6) } } }));`],
    ['4,301 digits, just past the bound', `return m.kind({ v: { $bigint: '9'.repeat(4301) } });`],
  ])('a BigInt of too many digits in %s is a RangeError in the handler, not seconds of host work', async (_, body) => {
    const r = await run(`try { return await (async () => { ${body} })(); } catch (e) { return e.name + ': ' + e.message; }`);
    expect(r.payload).toBe('RangeError: lambda-sim: a BigInt of more than 4300 digits cannot cross the sandbox boundary');
  });

  it('a BigInt of 4,300 digits still crosses', async () => {
    const r = await run(`return [m.kind({ v: { $bigint: '9'.repeat(4300) } }), m.kind({ v: 10n ** 4299n })];`);
    expect(r.payload).toEqual(['bigint', 'bigint']);
  });

  it('20,000 frames handed to the runtime’s prepareStackTrace: the first 1024 are mapped, the rest stay as the bundle names them', async () => {
    const r = await run(`
      const shim = Error.prepareStackTrace;
      Error.prepareStackTrace = (e, sites) => sites;
      const site = new Error('here').stack[0];
      Error.prepareStackTrace = shim;
      const lines = shim(new Error('many'), new Array(20000).fill(site)).split('\\n').slice(1);
      return [lines.length, lines.filter((l) => l.includes('/var/task/index.js')).length, lines.filter((l) => l.includes('__bundle.mjs')).length];`);
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.payload).toEqual([20_000, 1024, 20_000 - 1024]);
  });

  it('a deep real stack with a raised Error.stackTraceLimit still maps its first frames to the user’s file', async () => {
    const r = await run(`Error.stackTraceLimit = Infinity; const deep = (n) => (n === 0 ? new Error('deep').stack : deep(n - 1)); const s = deep(3000).split('\\n'); return [s.length > 3000, s[1]];`);
    expect(r.payload).toEqual([true, expect.stringMatching(/\/var\/task\/index\.js:\d+:\d+/)]);
  });

  it.each([0, 1, 1048575, 1048576, 8 * 1048576 + 3, 20 * 1048576])('a hash of %i bytes, fed in chunks to the host, is the real digest', async (size) => {
    const r = await run(`const b = new Uint8Array(${size}).map((_, i) => i % 251);
      const parts = [b.subarray(0, ${Math.floor(size / 3)}), b.subarray(${Math.floor(size / 3)})];
      const h = crypto.createHash('sha256'); for (const p of parts) h.update(p);
      const mac = crypto.createHmac('sha512', 'key'); mac.update(b);
      return [h.digest('hex'), mac.digest('base64')];`, { MemorySize: 512 });
    const bytes = new Uint8Array(size).map((_, i) => i % 251);
    expect(r.payload).toEqual([createHash('sha256').update(bytes).digest('hex'), createHmac('sha512', 'key').update(bytes).digest('base64')]);
  });

  it('digest twice throws ERR_CRYPTO_HASH_FINALIZED, as Node does', async () => {
    const r = await run(`const h = crypto.createHash('md5').update('x'); h.digest(); try { h.digest(); return 'twice'; } catch (e) { return e.code; }`);
    expect(r.payload).toBe('ERR_CRYPTO_HASH_FINALIZED');
  });

  it('a URL longer than 8 MiB is ERR_INVALID_URL; a large one under the bound parses', async () => {
    const r = await run(`const t = (s) => { try { return new URL(s).href.length; } catch (e) { return e.code; } };
      return [t('data:text/plain,' + 'a'.repeat(8 * 1048576)), t('data:text/plain,' + 'a'.repeat(1048576))];`, { MemorySize: 512 });
    expect(r.payload).toEqual(['ERR_INVALID_URL', 1048576 + 'data:text/plain,'.length]);
  });

  it('host-call arguments over 64 MiB encoded are a RangeError before the host parses them', async () => {
    const r = await run(`const s = 'x'.repeat(64 * 1048576); try { return m.echo(s); } catch (e) { return [e.name, e.message]; }`, { MemorySize: 1024 });
    expect(r.payload).toEqual(['RangeError', expect.stringMatching(/^lambda-sim: the arguments of a host call \(a host module's call\) are \d+ characters encoded, over the host's bound of 67108864$/)]);
    const ok = await run(`return m.echo('x'.repeat(1048576));`, { MemorySize: 512 });
    expect(ok.payload).toBe(1048576);
  });

  it('an error report over 6 MB is Function.ResponseSizeTooLarge, not parsed on the host', async () => {
    const r = await run(`throw new Error('x'.repeat(7e6));`, { MemorySize: 512 });
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.payload).toEqual({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).', trace: [] });
  });
});

it('past 1024 hashes in progress the least recently fed is dropped: digesting it is a RangeError, never a wrong digest; the others and the next invocation are right', async () => {
  const sim = newSim({ seed: 9, cpuTimeBudgetMs: 30_000 });
  try {
    const name = await deploy(sim, `import crypto from 'node:crypto';
      const chunk = new Uint8Array(1048576);
      export const handler = async (e) => {
        if (!e.leak) return crypto.createHash('sha1').update(chunk).update(chunk).digest('hex');
        const open = [];
        for (let i = 0; i < 1030; i++) open.push(crypto.createHash('sha1').update(chunk));
        const t = (h) => { try { return h.update('x').digest('hex'); } catch (e) { return e.name + ': ' + e.message; } };
        return [t(open[0]), t(open[5]), t(open[6]), t(open[1029])];
      };`, { Timeout: 60, MemorySize: 512 });
    const right = createHash('sha1').update(new Uint8Array(1048576)).update('x').digest('hex');
    const dropped = 'RangeError: lambda-sim: this hash was dropped: more than 1024 hashes were in progress in this environment (update() called, digest() not yet)';
    expect((await call(sim, name, { leak: true })).payload).toEqual([dropped, dropped, right, right]);
    expect((await call(sim, name, {})).payload).toBe(createHash('sha1').update(new Uint8Array(2 * 1048576)).digest('hex'));
  } finally {
    await sim.close();
  }
});

// In-process the host waits for it (9.5 s on a 500 ms budget here); the watchdog ends it at the
// call's deadline + 2 s, so this holds on any machine where the operation takes over 2.2 s.
it('supervised: a long native operation isolated-vm cannot interrupt (replaceAll on 32 Mi characters) ends the child (Runtime.ExitError); the next invocation runs in a new one', async () => {
  const sim = newSim({ seed: 9, cpuTimeBudgetMs: 200, sandbox: 'supervised' });
  try {
    const name = await deploy(sim, `export const handler = async (e) => (e.long ? 'a'.repeat(2 ** 25).replaceAll('a', 'bb').length : 'fine');`, { MemorySize: 1024, Timeout: 60 });
    const r = await call(sim, name, { long: true });
    expect(r.payload).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect((r.payload as { errorMessage: string }).errorMessage).toMatch(/Runtime exited with error: signal: killed/);
    expect((await call(sim, name, {})).payload).toBe('fine');
    expect(sim.sandboxStats().restarts).toBe(1);
  } finally {
    await sim.close();
  }
});

describe('HostHashes, through its port', () => {
  it('refuses a chunk over MAX_HASH_CHUNK, drops the least recently fed past MAX_OPEN_HASHES, and forgets what clear() drops', () => {
    const hashes = new HostHashes();
    expect(() => hashes.feed(1, 'sha256', null, new Uint8Array(MAX_HASH_CHUNK + 1), true, false)).toThrow(RangeError);
    for (let id = 0; id < MAX_OPEN_HASHES; id++) expect(hashes.feed(id, 'sha256', null, new Uint8Array([id & 255]), false, false)).toBeNull();
    // Feeding 0 again makes 1 the least recently fed: the next new hash drops it.
    expect(hashes.feed(0, 'sha256', null, new Uint8Array([9]), false, true)).toBeNull();
    expect(hashes.feed(MAX_OPEN_HASHES, 'sha256', null, new Uint8Array(1), false, false)).toBeNull();
    expect(hashes.size).toBe(MAX_OPEN_HASHES);
    expect(() => hashes.feed(1, 'sha256', null, new Uint8Array(1), true, true)).toThrow(/this hash was dropped/);
    expect(Buffer.from(hashes.feed(0, 'sha256', null, new Uint8Array([8]), true, true)!).toString('hex')).toBe(createHash('sha256').update(new Uint8Array([0, 9, 8])).digest('hex'));
    hashes.clear();
    expect(hashes.size).toBe(0);
  });
});
