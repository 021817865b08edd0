/**
 * lambda-sim benchmark: `npm run bench`. Measures, interleaved in one run so machine noise hits
 * every variant alike, and reports ratios:
 *
 *  warm invoke   lambda-sim `sim.invoke` of a trivial async handler (validation, request ids, log
 *                records, REPORT, memory statistics: all bookkeeping on)
 *    vs floor    raw isolated-vm: `applySync` into a prepared context that parses the JSON event,
 *                calls the same handler and returns JSON through a host Callback
 *    vs lambda-local 2.x on the same handler (no isolation, what users pick instead)
 *    and the same invoke in supervised mode (the sandbox in a child process, every call over a pipe)
 *  cold start    a new execution environment (isolate, shim, handler evaluated) plus the invoke
 *    vs bare     `new Isolate()` + `createContextSync()`
 *
 * Every variant counts its handler runs, and the bench fails if a count is not exactly what was
 * asked for.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LambdaSimulator } from '../dist/index.js';
import { loadIsolatedVm } from '../dist/runtime/isolated-vm.js';
import { record } from './results.js';

const require = createRequire(import.meta.url);
const ivm = loadIsolatedVm();

const HANDLER = `let runs = 0;
exports.handler = async (event) => { runs++; return { ok: true, n: event.n, runs }; };`;

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 15);
const PER_ROUND = Number(process.env['BENCH_PER_ROUND'] ?? 2000);
const COLD_ROUNDS = Number(process.env['BENCH_COLD_ROUNDS'] ?? 15);
const COLD_PER_ROUND = Number(process.env['BENCH_COLD_PER_ROUND'] ?? 20);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 0 ? (s[m - 1]! + s[m]!) / 2 : s[m]!;
}

interface Variant {
  name: string;
  setup(): Promise<void>;
  run(n: number): Promise<void>;
  runs(): Promise<number>;
  close(): Promise<void>;
}

// ---- warm: lambda-sim ----
function lambdaSimWarm(sandbox: 'in-process' | 'supervised' = 'in-process'): Variant {
  let sim: LambdaSimulator;
  let last = 0;
  return {
    name: sandbox === 'in-process' ? 'lambda-sim warm invoke' : 'lambda-sim warm invoke, supervised',
    async setup() {
      sim = new LambdaSimulator({ seed: 1, sandbox, requestsPerSecondPerConcurrency: Number.POSITIVE_INFINITY, scalingRate: { environments: 1e9, perMs: 1 } });
      await sim.createFunction({ FunctionName: 'bench', Handler: 'index.handler', Code: { Source: HANDLER } });
      await sim.invoke({ FunctionName: 'bench', Payload: '{"n":0}' }); // cold start outside the measurement
    },
    async run(n) {
      let out;
      for (let i = 0; i < n; i++) {
        out = await sim.invoke({ FunctionName: 'bench', Payload: `{"n":${i}}` });
        if (out.FunctionError !== undefined) throw new Error(`lambda-sim invoke failed: ${out.Payload?.transformToString()}`);
      }
      if (out !== undefined) last = (JSON.parse(out.Payload!.transformToString()) as { runs: number }).runs;
    },
    async runs() {
      return last - 1; // minus the warm-up
    },
    async close() {
      await sim.close();
    },
  };
}

// ---- warm: the floor ----
function rawFloor(): Variant {
  let isolate: InstanceType<typeof ivm.Isolate>;
  let call: { applySync(t: undefined, a: [string]): unknown };
  let result = '';
  let runsRef: { applySync(t: undefined, a: []): unknown };
  return {
    name: 'floor: raw isolated-vm applySync',
    async setup() {
      isolate = new ivm.Isolate({ memoryLimit: 128 });
      const context = isolate.createContextSync();
      context.global.setSync('__reply', new ivm.Callback((json: string) => void (result = json)));
      isolate
        .compileScriptSync(
          `const exports = {}; ${HANDLER}
           globalThis.run = (json) => { exports.handler(JSON.parse(json)).then((r) => __reply(JSON.stringify(r))); };
           globalThis.count = () => runs;`,
        )
        .runSync(context);
      call = context.global.getSync('run', { reference: true }) as never;
      runsRef = context.global.getSync('count', { reference: true }) as never;
    },
    async run(n) {
      for (let i = 0; i < n; i++) {
        call.applySync(undefined, [`{"n":${i}}`]);
        if (result === '') throw new Error('floor: no reply');
        result = '';
      }
    },
    async runs() {
      return Number(runsRef.applySync(undefined, []));
    },
    async close() {
      isolate.dispose();
    },
  };
}

// ---- warm: lambda-local ----
function lambdaLocal(): Variant {
  const lambdaLocalLib = require('lambda-local') as {
    execute(o: Record<string, unknown>): Promise<unknown>;
    setLogger(l: unknown): void;
  };
  const dir = mkdtempSync(join(tmpdir(), 'lambda-sim-bench-'));
  const file = join(dir, 'handler.cjs');
  writeFileSync(file, `${HANDLER}\nexports.runs = () => runs;`);
  const mod = require(file) as { handler: unknown; runs(): number };
  return {
    name: 'lambda-local 2.x execute',
    async setup() {
      const silent = { log() {}, info() {}, warn() {}, error() {}, debug() {}, transports: [] };
      lambdaLocalLib.setLogger(silent);
    },
    async run(n) {
      for (let i = 0; i < n; i++) {
        await lambdaLocalLib.execute({ lambdaFunc: mod, lambdaHandler: 'handler', event: { n: i }, verboseLevel: 0, timeoutMs: 3000 });
      }
    },
    async runs() {
      return mod.runs();
    },
    async close() {},
  };
}

// ---- cold ----
function lambdaSimCold(): Variant {
  let sim: LambdaSimulator;
  let count = 0;
  let ran = 0;
  return {
    name: 'lambda-sim cold start + invoke',
    async setup() {
      sim = new LambdaSimulator({ seed: 1, requestsPerSecondPerConcurrency: Number.POSITIVE_INFINITY, scalingRate: { environments: 1e9, perMs: 1 } });
      await sim.createFunction({ FunctionName: 'cold', Handler: 'index.handler', Code: { Source: HANDLER } });
    },
    async run(n) {
      for (let i = 0; i < n; i++) {
        // Retire the environment (the handler bundle is reused), outside the measured part.
        const t = performance.now();
        await sim.updateFunctionConfiguration({ FunctionName: 'cold', Description: `round ${count++}` });
        excluded += performance.now() - t;
        const out = await sim.invoke({ FunctionName: 'cold', Payload: '{"n":1}' });
        const runs = (JSON.parse(out.Payload!.transformToString()) as { runs: number }).runs;
        if (runs !== 1) throw new Error('cold: the environment was not new');
        ran++;
      }
    },
    async runs() {
      return ran;
    },
    async close() {
      await sim.close();
    },
  };
}

function bareIsolate(): Variant {
  let made = 0;
  return {
    name: 'bare isolate + context',
    async setup() {},
    async run(n) {
      const isolates = [];
      for (let i = 0; i < n; i++) {
        const iso = new ivm.Isolate({ memoryLimit: 128 });
        iso.createContextSync();
        isolates.push(iso);
        made++;
      }
      const t = performance.now();
      for (const iso of isolates) iso.dispose();
      excluded += performance.now() - t;
    },
    async runs() {
      return made;
    },
    async close() {},
  };
}

// ---- host-bridged AWS SDK call ----
/** A DynamoDB client stand-in that answers at once and counts its calls. */
function fakeDynamo(): { sends: number; send(command: { input: { Key: { id: { S: string } } } }): Promise<unknown> } {
  return {
    sends: 0,
    async send(command) {
      this.sends++;
      return { Item: { id: { S: command.input.Key.id.S } }, $metadata: { httpStatusCode: 200 } };
    },
  };
}

function sdkFromSandbox(): Variant {
  let sim: LambdaSimulator;
  const client = fakeDynamo();
  return {
    name: 'SDK call from the sandbox (round trip)',
    async setup() {
      sim = new LambdaSimulator({ seed: 1, aws: { dynamodb: { client: () => client } } });
      await sim.createFunction({
        FunctionName: 'sdk',
        Handler: 'index.handler',
        Code: {
          Source: `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
            const c = new DynamoDBClient({});
            export const handler = async (e) => { for (let i = 0; i < e.k; i++) await c.send(new GetItemCommand({ TableName: 't', Key: { id: { S: String(i) } } })); };`,
        },
      });
    },
    async run(n) {
      // One invocation that sends n commands: the invocation's own cost is noise next to n calls.
      const out = await sim.invoke({ FunctionName: 'sdk', Payload: JSON.stringify({ k: n }) });
      if (out.FunctionError !== undefined) throw new Error(out.Payload!.transformToString());
    },
    async runs() {
      return client.sends;
    },
    async close() {
      await sim.close();
    },
  };
}

function sdkOnHost(): Variant {
  const client = fakeDynamo();
  return {
    name: 'same client called on the host',
    async setup() {},
    async run(n) {
      for (let i = 0; i < n; i++) await client.send({ input: { Key: { id: { S: String(i) } } } });
    },
    async runs() {
      return client.sends;
    },
    async close() {},
  };
}

/** Time inside `run` that is not part of what is measured (set-up between iterations). */
let excluded = 0;

async function measure(variants: Variant[], rounds: number, perRound: number): Promise<Map<string, number>> {
  for (const v of variants) {
    await v.setup();
    await v.run(Math.max(1, Math.floor(perRound / 10))); // warm-up (JIT)
  }
  const warmup = Math.max(1, Math.floor(perRound / 10));
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    // Rotate the order every round so no variant always runs first.
    const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
    for (const v of order) {
      excluded = 0;
      const t = performance.now();
      await v.run(perRound);
      samples.get(v.name)!.push((performance.now() - t - excluded) / perRound);
    }
  }
  const result = new Map<string, number>();
  for (const v of variants) {
    const expected = warmup + rounds * perRound;
    const runs = await v.runs();
    if (runs !== expected) throw new Error(`${v.name}: the handler ran ${runs} times, expected ${expected}`);
    result.set(v.name, median(samples.get(v.name)!));
    await v.close();
  }
  return result;
}

const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`;

console.log(`lambda-sim bench — Node ${process.version}, isolated-vm ${(require('isolated-vm/package.json') as { version: string }).version}, ${ROUNDS}×${PER_ROUND} warm, ${COLD_ROUNDS}×${COLD_PER_ROUND} cold, interleaved\n`);
const warm = await measure([lambdaSimWarm(), rawFloor(), lambdaLocal(), lambdaSimWarm('supervised')], ROUNDS, PER_ROUND);
const supervised = warm.get('lambda-sim warm invoke, supervised')!;
const sim = warm.get('lambda-sim warm invoke')!;
const floor = warm.get('floor: raw isolated-vm applySync')!;
const local = warm.get('lambda-local 2.x execute')!;
const cold = await measure([lambdaSimCold(), bareIsolate()], COLD_ROUNDS, COLD_PER_ROUND);
const simCold = cold.get('lambda-sim cold start + invoke')!;
const bare = cold.get('bare isolate + context')!;
const sdk = await measure([sdkFromSandbox(), sdkOnHost()], 9, 1000);
const viaSandbox = sdk.get('SDK call from the sandbox (round trip)')!;
const onHost = sdk.get('same client called on the host')!;

const rows: Array<[string, string, string]> = [
  ['lambda-sim warm invoke', us(sim), ''],
  ['floor: raw isolated-vm applySync', us(floor), `lambda-sim = ${(sim / floor).toFixed(2)}× floor (goal ≤ 2×)`],
  ['lambda-local 2.x execute', us(local), `lambda-sim is ${(local / sim).toFixed(1)}× faster (goal ≥ 10×)`],
  ['lambda-sim warm invoke, supervised', us(supervised), `${(supervised / sim).toFixed(1)}× in-process (sandbox in a child process; for untrusted code)`],
  ['lambda-sim cold start + invoke', us(simCold), ''],
  ['bare isolate + context', us(bare), `lambda-sim = ${(simCold / bare).toFixed(2)}× bare (goal ≤ 2×)`],
  ['SDK call from the sandbox (round trip)', us(viaSandbox), ''],
  ['same client called on the host', us(onHost), `bridge adds ${us(viaSandbox - onHost)} per call (goal: a few tens of µs)`],
];
const w = Math.max(...rows.map((r) => r[0].length));
for (const [name, t, ratio] of rows) console.log(`${name.padEnd(w)}  ${t.padStart(10)}  ${ratio}`);
console.log('\nmedian time per operation; ratios are what to compare across machines.');
record('warm-and-cold', {
  warmInvokeUs: Number((sim * 1000).toFixed(1)),
  floorUs: Number((floor * 1000).toFixed(1)),
  warmVsFloor: Number((sim / floor).toFixed(2)),
  lambdaLocalUs: Number((local * 1000).toFixed(1)),
  fasterThanLambdaLocal: Number((local / sim).toFixed(2)),
  supervisedWarmInvokeUs: Number((supervised * 1000).toFixed(1)),
  supervisedVsInProcess: Number((supervised / sim).toFixed(2)),
  coldStartMs: Number(simCold.toFixed(2)),
  bareIsolateMs: Number(bare.toFixed(2)),
  coldVsBare: Number((simCold / bare).toFixed(2)),
  sdkBridgeUs: Number((viaSandbox * 1000).toFixed(1)),
});
