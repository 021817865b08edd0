/**
 * Supervised mode (issue 9, part 2): sandboxes in a child process. What isolated-vm cannot contain
 * in-process ends the child, never the simulator: the invocation that did it fails with
 * Runtime.ExitError, environments held by the same child fail (running) or start cold (idle), a new
 * child starts, and the run replays exactly.
 */
import { describe, expect, it } from 'vitest';
import { LambdaSimulator, type InvokeOutput } from '../../src/index.js';
import { call, deploy } from '../helpers.js';

const text = (out: InvokeOutput): string => out.Payload?.transformToString() ?? '';

/** Everything a handler reaches through the host callbacks: console, timers, /tmp, lazy Buffer, a host module, Date. */
const EVERYTHING = `
import { writeFileSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import store from 'store';
let n = 0;
export const handler = async (event, context) => {
  n++;
  console.log('event', event, new Date().toISOString());
  writeFileSync('/tmp/n', String(n));
  await new Promise((r) => setTimeout(r, 250));
  const saved = await store.put(event.k, n);
  return { n, file: readFileSync('/tmp/n', 'utf8'), b64: Buffer.from('hey').toString('base64'), hash: createHash('sha256').update('x').digest('hex').slice(0, 8),
    saved, left: context.getRemainingTimeInMillis(), url: new URL('/a?b=1', 'https://example.com').searchParams.get('b'), rnd: Math.random() };
};`;

async function everything(sandbox: 'in-process' | 'supervised'): Promise<unknown[]> {
  const stored = new Map<string, number>();
  const sim = new LambdaSimulator({ seed: 7, sandbox, modules: { store: { put: async (k: string, v: number) => (stored.set(k, v), stored.size) } } });
  try {
    const name = await deploy(sim, EVERYTHING, { FunctionName: 'everything' });
    const results = [];
    for (const k of ['a', 'b', 'a']) {
      const r = await call(sim, name, { k });
      // Max Memory Used is measured, not simulated: the only field allowed to differ.
      results.push({ status: r.out.StatusCode, error: r.out.FunctionError, payload: r.payload, log: r.log.replace(/Max Memory Used: \d+ MB/, '') });
    }
    const [a, b] = await Promise.all([call(sim, name, { k: 'c' }), call(sim, name, { k: 'd' })]);
    results.push(a.payload, b.payload, sim.sandboxStats().created);
    return results;
  } finally {
    await sim.close();
  }
}

const VICTIM = `export const handler = async () => { await new Promise((r) => setTimeout(r, 5000)); return 'late'; };`;
const IDLE = `let n = 0; export const handler = async () => ({ n: ++n });`;
const BOMB = `
export const handler = async (event) => {
  if (event.kind === 'array') new Array(2 ** 32 - 1).fill(0); // V8 runs out of heap in native code (isolated-vm issue 107)
  // 40 MB of empty arrays: the GC thrashes near the heap limit inside JSON.parse, which V8 does not interrupt.
  if (event.kind === 'json') JSON.parse('[' + '[],'.repeat(40 * 2 ** 20 / 3) + '0]');
  if (event.kind === 'wasm') {
    // WebAssembly memory is not counted against the isolate's limit: up to 2 GB, touched.
    const memory = new WebAssembly.Memory({ initial: 0, maximum: 65536 });
    for (let i = 0; i < 32; i++) { memory.grow(1024); new Uint8Array(memory.buffer, i * 65536 * 1024).fill(1); }
  }
  return 'fine';
};`;

/** A crash in the child while another function runs and a third is idle there. */
async function crashRun(kind: 'array' | 'wasm' | 'json', seed: number) {
  const sim = new LambdaSimulator({ seed, sandbox: { mode: 'supervised', memoryLimitMB: 768 } });
  try {
    await deploy(sim, VICTIM, { FunctionName: 'victim', Timeout: 10 });
    await deploy(sim, IDLE, { FunctionName: 'idle' });
    // Timeout: the wedged JSON.parse is killed at its deadline + 2 s; wasm gets time to pass the RSS limit.
    await deploy(sim, BOMB, { FunctionName: 'bomb', Timeout: kind === 'wasm' ? 30 : 1, MemorySize: 128 });
    const start = sim.now();
    const before = await call(sim, 'idle');
    const victim = sim.invoke({ FunctionName: 'victim' });
    const bomb = await sim.invoke({ FunctionName: 'bomb', Payload: JSON.stringify({ kind }) });
    const victimOut = await victim;
    const after = await call(sim, 'idle');
    const bombAgain = await sim.invoke({ FunctionName: 'bomb', Payload: '{"kind":"none"}' });
    const stats = sim.sandboxStats();
    return {
      before: before.payload,
      bomb: { error: bomb.FunctionError, body: JSON.parse(text(bomb)) as { errorType: string; errorMessage: string } },
      victim: { error: victimOut.FunctionError, body: JSON.parse(text(victimOut)) as { errorType: string } },
      after: { payload: after.payload, cold: /Init Duration/.test(after.log) },
      bombAgain: text(bombAgain),
      stats,
      elapsed: sim.now() - start,
    };
  } finally {
    await sim.close();
  }
}

describe('supervised sandboxes', () => {
  it('a handler that uses every host service answers exactly as it does in-process (payloads, logs, request ids)', async () => {
    const inProcess = await everything('in-process');
    const supervised = await everything('supervised');
    expect(supervised).toEqual(inProcess);
    expect(JSON.stringify(inProcess)).toContain('"n":3');
  }, 60_000);

  it.each([
    ['array', 'new Array(2**32-1).fill(0): V8 out of heap in native code, a fatal error that aborts the process holding the isolate'],
    ['json', 'a JSON.parse thrashing the GC near the heap limit: V8 does not interrupt it, the watchdog kills the child at the deadline + 2 s'],
    ['wasm', 'WebAssembly.Memory grown past 768 MB and touched: not counted by the isolate limit, stopped by the child RSS limit'],
  ] as const)(
    '%s — %s: Runtime.ExitError for it and for the function running beside it, a cold start for the idle one, a new child, exact replay',
    async (kind, _why) => {
      const run = await crashRun(kind, 3);
      expect(run.before).toEqual({ n: 1 });
      expect(run.bomb.error).toBe('Unhandled');
      expect(run.bomb.body.errorType).toBe('Runtime.ExitError');
      expect(run.bomb.body.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/);
      expect(run.victim).toEqual({ error: 'Unhandled', body: expect.objectContaining({ errorType: 'Runtime.ExitError' }) });
      // The idle function's environment lost its sandbox with the child: module state starts over.
      expect(run.after).toEqual({ payload: { n: 1 }, cold: true });
      expect(run.bombAgain).toBe('"fine"');
      expect(run.stats.restarts).toBe(1);
      expect(run.stats.created).toBe(run.stats.disposed + run.stats.live);
      // The victim's 5 s timer never ran: it ended at the crash's instant.
      expect(run.elapsed).toBeLessThan(5000);
      expect(await crashRun(kind, 3)).toEqual(run);
    },
    90_000,
  );

  it('what a handler throws crosses unchanged: throw 42 at init, throw undefined, rejections with strings answer exactly as in-process', async () => {
    const answers = async (sandbox: 'in-process' | 'supervised'): Promise<string[]> => {
      const sim = new LambdaSimulator({ seed: 5, sandbox });
      try {
        const out: string[] = [];
        const sources = [
          'throw 42; export const handler = async () => 1;',
          'export const handler = async () => { throw undefined; };',
          "export const handler = async () => Promise.reject('boom');",
          'export const handler = async () => { Promise.reject(7); return 1; };',
          "export const handler = async () => { const e = new Error('own'); e.name = 'Custom'; throw e; };",
        ];
        for (const [i, source] of sources.entries()) {
          await deploy(sim, source, { FunctionName: `t${i}` });
          out.push(text(await sim.invoke({ FunctionName: `t${i}` })));
        }
        return out;
      } finally {
        await sim.close();
      }
    };
    const inProcess = await answers('in-process');
    expect(await answers('supervised')).toEqual(inProcess);
    expect(inProcess[0]).toBe('{"errorType":"number","errorMessage":"42","trace":[]}');
    expect(inProcess.join('')).not.toMatch(/child\.mjs|lambda-sim-child/);
  });

  it('real clock: a function is charged its own calls only, not the neighbour spinning in the same child', async () => {
    const sim = new LambdaSimulator({ seed: 1, sandbox: 'supervised', clock: 'real', cpuTimeBudgetMs: 500 });
    try {
      await deploy(sim, 'export const handler = async () => { await new Promise((r) => setTimeout(r, 50)); return "on time"; };', { FunctionName: 'f', Timeout: 5 });
      await deploy(sim, 'export const handler = async () => { for (;;) {} };', { FunctionName: 'spin', Timeout: 1 });
      const [f, spin] = await Promise.all([sim.invoke({ FunctionName: 'f' }), sim.invoke({ FunctionName: 'spin' })]);
      expect(text(spin)).toMatch(/Sandbox\.Timedout/);
      expect(text(f)).toBe('"on time"');
    } finally {
      await sim.close();
    }
  });

  it('close() ends the child: every sandbox is disposed of', async () => {
    const sim = new LambdaSimulator({ seed: 1, sandbox: 'supervised' });
    await deploy(sim, VICTIM, { FunctionName: 'slow', Timeout: 10 });
    await Promise.all([call(sim, 'slow'), call(sim, 'slow')]);
    expect(sim.sandboxStats()).toEqual({ mode: 'supervised', created: 2, disposed: 0, live: 2, restarts: 0 });
    await sim.close();
    expect(sim.sandboxStats()).toEqual({ mode: 'supervised', created: 2, disposed: 2, live: 0, restarts: 0 });
  });

  it('a sandbox process that cannot start (no mkfifo) fails the invocation as a runtime that could not start, saying why; no concurrency slot or async event is left hanging', async () => {
    const sim = new LambdaSimulator({ seed: 1, sandbox: 'supervised' });
    await deploy(sim, IDLE, { FunctionName: 'idle' });
    await sim.putFunctionConcurrency({ FunctionName: 'idle', ReservedConcurrentExecutions: 1 });
    await sim.putFunctionEventInvokeConfig({ FunctionName: 'idle', MaximumRetryAttempts: 0 });
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      const out = await sim.invoke({ FunctionName: 'idle' });
      expect(out.FunctionError).toBe('Unhandled');
      expect(JSON.parse(text(out))).toEqual({
        errorType: 'Runtime.ExitError',
        errorMessage: expect.stringMatching(/Runtime exited with error: lambda-sim could not start a sandbox: .*needs POSIX FIFOs \(the mkfifo command\)/),
      });
      const event = await sim.invoke({ FunctionName: 'idle', InvocationType: 'Event' });
      await sim.settle();
      expect(sim.asyncEvents({ requestId: event.$metadata.requestId! })[0]).toMatchObject({ state: 'failed' });
    } finally {
      process.env['PATH'] = path;
    }
    // With mkfifo back, the same function (reserved concurrency 1: its slot was given back) serves.
    expect((await call(sim, 'idle')).payload).toEqual({ n: 1 });
    expect(sim.sandboxStats()).toMatchObject({ restarts: 0, live: 1 });
    await sim.close();
    expect(sim.sandboxStats()).toMatchObject({ live: 0 });
  });

  it.each([
    [{ sandbox: 'child' }, /Expected `sandbox` to be 'in-process', 'supervised' or/],
    [{ sandbox: { mode: 'supervised', memoryLimitMB: 10 } }, /`sandbox.memoryLimitMB` to be an integer >= 256, got `10`/],
    [{ sandbox: { mode: 'supervised', memory: 1 } }, /Unknown option `sandbox.memory`/],
    [{ maxSandboxMemoryMB: 0 }, /`maxSandboxMemoryMB` to be an integer >= 1/],
    [{ maxLogCharsPerInvocation: 100 }, /`maxLogCharsPerInvocation` to be an integer >= 1024, got `100`/],
  ])('rejects the option %j with a TypeError that says what was expected', (options, message) => {
    expect(() => new LambdaSimulator(options as never)).toThrow(message);
  });
});
