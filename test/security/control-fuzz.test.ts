/**
 * Hostile input (issue 9, part 4): every control-plane method of the in-process API, and
 * `sim.send(command)`, with random and malformed inputs. Near-valid inputs (a valid shape with one
 * field replaced by a hostile value, a required field missing, an unknown or prototype-polluting
 * key added) and fully random values. Property: each call resolves with a JSON-serialisable answer
 * or rejects with a typed AWS error (a LambdaSimError with its AWS name, a 4xx/501 status and a
 * short, non-empty message); never a TypeError, a DataCloneError or a hang. Afterwards the
 * simulator still invokes and Object.prototype is untouched.
 *
 * Every property has its own fixed seed: a failure prints the seed and path that replay it.
 * `FUZZ_RUNS=2000 npx vitest run test/security/control-fuzz.test.ts` fuzzes deeper than CI does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sdk from '@aws-sdk/client-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaSimError, LambdaSimulator } from '../../src/index.js';

const ECHO = 'export const handler = async (e) => e;';
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function';

let sim: LambdaSimulator;
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
beforeAll(async () => {
  // Code.Path resolves against an empty directory: random paths find nothing to bundle. A small
  // account keeps provisioned concurrency (real isolates) cheap.
  sim = new LambdaSimulator({ seed: 1, cwd: mkdtempSync(join(tmpdir(), 'control-fuzz-')), accountConcurrency: 120 });
  // `sentinel` is named by no generator: it must still answer after everything else was fuzzed.
  await sim.createFunction({ FunctionName: 'sentinel', Handler: 'index.handler', Code: { Source: ECHO } });
  await fixture();
});
afterAll(async () => {
  await sim.close();
});

/**
 * What near-valid inputs name: function `f` with version 1 and alias `live` → 1. A fuzzed call may
 * delete or change them (its right): each run starts from them again.
 */
async function fixture(): Promise<void> {
  const intact = await sim.getAlias({ FunctionName: 'f', Name: 'live' }).then(
    (a) => a.FunctionVersion === '1' && a.RoutingConfig === undefined,
    () => false,
  );
  if (intact) return;
  await sim.deleteFunction({ FunctionName: 'f' }).catch(() => undefined);
  await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Code: { Source: ECHO } });
  await sim.publishVersion({ FunctionName: 'f' });
  await sim.createAlias({ FunctionName: 'f', Name: 'live', FunctionVersion: '1' });
}

// ---- hostile values ----

/** An object with own `__proto__` / `constructor.prototype` keys, as JSON.parse makes them. */
const polluting = (): unknown => JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}}');
const nullProto = (): unknown => Object.assign(Object.create(null) as object, { a: 1, big: 1n });

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(null, undefined, NaN, Infinity, -Infinity, -0, -1, 0, 0.5, 2 ** 31, 2 ** 53 + 2, Number.MAX_VALUE, true, false) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>('', ' ', '\u0000', '\n', 'é', '$LATEST', '1', '0', '-1', 'arn:', `${ARN}:`, 'arn:aws:sqs:us-east-1:123456789012:', '*', '__proto__', 'constructor', 'toString') },
  { weight: 4, arbitrary: fc.constantFrom<() => unknown>(
    () => [],
    () => [[]],
    () => ({}),
    () => 10n,
    () => Symbol('s'),
    () => () => 1,
    () => new Date(Number.NaN),
    () => new Uint8Array(3),
    () => new Map([[1, 2]]),
    nullProto,
    polluting,
    () => 'x'.repeat(300_000),
    () => new Array(100_000).fill('x86_64'),
    () => Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`K${i}`, 'v'])),
  ).map((make) => make()) },
  { weight: 2, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()) },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4 }) },
);

/** What an in-process caller may hand a method instead of an input object. */
const notAnInput = fc.oneof(hostile, fc.constantFrom<unknown>('f', 42, ['f'], { FunctionName: { FunctionName: 'f' } }));

// ---- field values, per domain: mostly valid, sometimes wrong in the domain's own way ----

/** Valid values (a list or a generator) eight times out of nine, else one of the domain's invalid ones. */
function pick<T>(valid: readonly T[] | fc.Arbitrary<T>, invalid: readonly unknown[]): fc.Arbitrary<unknown> {
  const ok = Array.isArray(valid) ? fc.constantFrom(...(valid as T[])) : (valid as fc.Arbitrary<T>);
  return fc.oneof({ weight: 8, arbitrary: ok }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });
}
const ints = (min: number, max: number): fc.Arbitrary<unknown> => pick(fc.integer({ min, max }), [min - 1, max + 1, -1, 0.5, 2 ** 53 + 2]);

const functionName = pick(['f', 'f:1', 'f:live', 'f:$LATEST', `${ARN}:f`, `${ARN}:f:1`, '123456789012:function:f', 'missing'], [
  '', ':', 'f:', ':f', 'f:1:2', 'f:l!ve', 'f:2', 'f:nope', 'F', 'a'.repeat(65), 'a'.repeat(171), `${ARN}:`, 'arn:aws:s3:::bucket', 'function:f',
  'arn:aws:lambda:eu-west-1:123456789012:function:f', 'arn:aws:lambda:us-east-1:999999999999:function:f', 'f\n', 'f g', 'fö', '__proto__', 'constructor', 'hasOwnProperty',
]);
const newName = pick(fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/), ['f', '', 'a'.repeat(65), `${ARN}:g`, 'g:1', '__proto__', 'g h']);
const qualifier = pick(['1', '$LATEST', 'live'], ['2', '0', '01', '-1', 'nope', '', '__proto__', 'a'.repeat(129), 'l!ve']);
const code = pick<Record<string, unknown>>([{ Source: ECHO }, { Model: { durationMs: { fixed: 1 } } }], [
  { Source: 'export const handler = (' },
  { Source: 'throw new Error("init")' },
  { ZipFile: new Uint8Array([80, 75, 3, 4, 1, 2]) },
  { ZipFile: new Uint8Array() },
  { Path: 'nope.mjs' },
  { Path: '../../../../etc/shadow' },
  { Path: '' },
  { Model: { durationMs: { fixed: -1 } } },
  { Model: { durationMs: { uniform: [1] } } },
  { S3Bucket: 'b', S3Key: 'k' },
  { ImageUri: 'x' },
  { Source: ECHO, Path: 'x' },
  {},
]);
const marker = pick(['0', '1', '50'], ['-1', '1.5', 'x', 'f', '', ' 1']);
const maxItems = pick(fc.integer({ min: 1, max: 10_000 }), [0, -1, 10_001, 1e9, 0.5]);
const destinationArn = pick(['arn:aws:sqs:us-east-1:123456789012:q', 'arn:aws:sns:us-east-1:123456789012:t', `${ARN}:sentinel`, 'arn:aws:events:us-east-1:123456789012:event-bus/b'], [
  'arn:aws:s3:::b', 'arn:aws:dynamodb:us-east-1:123456789012:table/t', 'q', '', 'arn:aws:sqs:us-east-1:123456789012:',
]);
const destination = fc.record({ Destination: destinationArn }, { requiredKeys: [] });
const configurationFields = {
  Handler: pick(['index.handler'], ['index', 'a.b.c', 'index .handler', 'x'.repeat(129), '']),
  Runtime: pick(['nodejs20.x', 'nodejs22.x', 'nodejs24.x'], ['python3.12', 'nodejs18.x', '', 'NODEJS20.X']),
  Role: pick(['arn:aws:iam::123456789012:role/r', 'arn:aws:iam::123456789012:role/service-role/r-1'], ['arn:aws:iam::123456789012:role/', 'role', '', 'arn:aws:s3:::b']),
  Description: pick(fc.string({ maxLength: 20 }), ['d'.repeat(257)]),
  Timeout: ints(1, 900),
  MemorySize: ints(128, 10_240),
  EphemeralStorage: fc.record({ Size: ints(512, 10_240) }),
  Environment: pick(fc.record({ Variables: fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{1,8}$/), fc.string({ maxLength: 8 }), { maxKeys: 3 }) }), [
    { Variables: { AWS_REGION: 'x' } }, { Variables: { A: 'x'.repeat(5000) } }, { Variables: { A: 1 } }, { Variables: { '1A': 'x' } }, { Variables: null }, { Variables: [] },
  ]),
  LoggingConfig: pick([{ LogFormat: 'JSON' }, { LogFormat: 'Text' }, { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG', SystemLogLevel: 'WARN' }, { LogGroup: '/custom' }], [
    { LogFormat: 'XML' }, { ApplicationLogLevel: 'DEBUG' }, { LogFormat: 'JSON', SystemLogLevel: 'LOUD' }, { LogGroup: 42 }, { LogGroup: '' },
  ]),
  Architectures: pick([['x86_64'], ['arm64']], [['x86_64', 'arm64'], [], ['mips'], 'x86_64']),
  DeadLetterConfig: fc.record({ TargetArn: destinationArn }, { requiredKeys: [] }),
  TracingConfig: fc.record({ Mode: pick(['Active', 'PassThrough'], ['Off', 'active']) }, { requiredKeys: [] }),
};
const tags = pick(fc.dictionary(fc.stringMatching(/^[a-zA-Z0-9 _.:/=+@-]{1,20}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 }), [
  { ['k'.repeat(129)]: 'v' }, { k: 'v'.repeat(257) }, { k: 1 }, { '': 'v' }, ['a'], 'Team=a', Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
]);

/** A method's valid input shape: field generators, and the fields it needs. */
interface InputSpec {
  fields: Record<string, fc.Arbitrary<unknown>>;
  required: readonly string[];
}

const of = (fields: Record<string, fc.Arbitrary<unknown>>, ...required: string[]): InputSpec => ({ fields, required });
const named = (fields: Record<string, fc.Arbitrary<unknown>> = {}): InputSpec => of({ FunctionName: functionName, ...fields }, 'FunctionName');
const page = { Marker: marker, MaxItems: maxItems };
const stale = pick([undefined], ['stale', '']);
const eventConfig = named({
  Qualifier: qualifier,
  MaximumRetryAttempts: ints(0, 2),
  MaximumEventAgeInSeconds: ints(60, 21_600),
  DestinationConfig: fc.record({ OnSuccess: destination, OnFailure: destination }, { requiredKeys: [] }),
});
const aliasName = pick(fc.stringMatching(/^[a-z][a-z0-9_-]{0,7}$/), ['live', '1', 'a'.repeat(129), '$LATEST', '', 'a b']);
const alias = named({
  Name: aliasName,
  FunctionVersion: pick(['1', '$LATEST'], ['2', '0', '', 'live']),
  Description: pick(fc.string({ maxLength: 20 }), ['d'.repeat(257)]),
  RoutingConfig: pick([{ AdditionalVersionWeights: {} }, {}], [{ AdditionalVersionWeights: { 1: 0.5 } }, { AdditionalVersionWeights: { 1: 2 } }, { AdditionalVersionWeights: { 9: 0.1 } }, { AdditionalVersionWeights: { $LATEST: 0.1 } }, { AdditionalVersionWeights: { 1: -0.1 } }]),
});

/** Every control-plane method of LambdaSimulator, with the shape of its input. */
const METHODS: Record<string, InputSpec> = {
  createFunction: of({ FunctionName: newName, Code: code, Publish: fc.boolean(), Tags: tags, PackageType: pick(['Zip'], ['Image', 'zip']), ...configurationFields }, 'FunctionName', 'Handler', 'Code'),
  getFunction: named({ Qualifier: qualifier }),
  getFunctionConfiguration: named({ Qualifier: qualifier }),
  listFunctions: of({ ...page, FunctionVersion: pick(['ALL'], ['all', 'LATEST', '']) }),
  deleteFunction: named({ Qualifier: qualifier }),
  updateFunctionCode: named({ Source: pick([ECHO], ['export const handler = (']), Publish: fc.boolean(), DryRun: fc.boolean(), RevisionId: stale }),
  updateFunctionConfiguration: named({ ...configurationFields, RevisionId: stale }),
  publishVersion: named({ Description: pick(fc.string({ maxLength: 10 }), ['d'.repeat(257)]), RevisionId: stale, CodeSha256: pick([undefined], ['abc', '']) }),
  listVersionsByFunction: named(page),
  createAlias: alias,
  updateAlias: named({ ...alias.fields, RevisionId: stale }),
  getAlias: named({ Name: aliasName }),
  deleteAlias: named({ Name: aliasName }),
  listAliases: named({ FunctionVersion: pick(['1', '$LATEST'], ['x', '']), ...page }),
  addPermission: named({
    StatementId: pick(fc.stringMatching(/^[a-z0-9]{1,8}$/), ['s.2', 'a'.repeat(101), '', 's 1']),
    Action: pick(['lambda:InvokeFunction', 'lambda:*'], ['lambda:GetFunction', 's3:GetObject', '*', '']),
    Principal: pick(['s3.amazonaws.com', '123456789012', '*', 'arn:aws:iam::123456789012:role/r'], ['']),
    SourceArn: pick(['arn:aws:s3:::b'], ['x', '']),
    SourceAccount: pick(['123456789012'], ['x', '']),
    Qualifier: qualifier,
    RevisionId: stale,
  }),
  removePermission: named({ StatementId: pick(['s1'], ['nope', '']), Qualifier: qualifier, RevisionId: stale }),
  getPolicy: named({ Qualifier: qualifier }),
  putFunctionConcurrency: named({ ReservedConcurrentExecutions: ints(0, 20) }),
  getFunctionConcurrency: named(),
  deleteFunctionConcurrency: named(),
  putProvisionedConcurrencyConfig: of({ FunctionName: functionName, Qualifier: qualifier, ProvisionedConcurrentExecutions: ints(1, 3) }, 'FunctionName', 'Qualifier', 'ProvisionedConcurrentExecutions'),
  getProvisionedConcurrencyConfig: of({ FunctionName: functionName, Qualifier: qualifier }, 'FunctionName', 'Qualifier'),
  deleteProvisionedConcurrencyConfig: of({ FunctionName: functionName, Qualifier: qualifier }, 'FunctionName', 'Qualifier'),
  getAccountSettings: of({}),
  putFunctionEventInvokeConfig: eventConfig,
  updateFunctionEventInvokeConfig: eventConfig,
  getFunctionEventInvokeConfig: named({ Qualifier: qualifier }),
  deleteFunctionEventInvokeConfig: named({ Qualifier: qualifier }),
  listFunctionEventInvokeConfigs: named(page),
  putFunctionRecursionConfig: named({ RecursiveLoop: pick(['Allow', 'Terminate'], ['allow', '']) }),
  getFunctionRecursionConfig: named(),
};

/** Keys an attacker adds: unknown members and the ones that reach prototypes. */
const extraKey = fc.constantFrom('Unknown', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$metadata');

/**
 * A near-valid input: valid fields (required ones always there), then at most one mutation — a
 * field set to a hostile value, a required field removed, or an unknown/prototype key added (set
 * as an own data property, as JSON.parse would: `{ ['__proto__']: v }`).
 */
function nearValid(spec: InputSpec): fc.Arbitrary<unknown> {
  const base = fc.record(spec.fields, { requiredKeys: spec.required as string[] });
  const names = Object.keys(spec.fields);
  const mutation = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
    ...(names.length > 0 ? [{ weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...names), value: hostile }) }] : []),
    ...(spec.required.length > 0 ? [{ weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom(...spec.required) }) }] : []),
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), key: extraKey, value: hostile }) },
  );
  return fc.tuple(base, mutation).map(([input, m]) => {
    const out: Record<string, unknown> = { ...input };
    if (m.kind === 'set') Object.defineProperty(out, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    if (m.kind === 'drop') delete out[m.key];
    return out;
  });
}

const anyInput = (spec: InputSpec): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: nearValid(spec) }, { weight: 1, arbitrary: notAnInput });

// ---- the property ----

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Real ms a single call may take before the fuzzer calls it a hang. */
const HANG_MS = 10_000;

async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms`)), HANG_MS)));
  try {
    return { ok: true, value: await Promise.race([call(), hang]) };
  } catch (error) {
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** The REST layer's serialisation: a stored hostile value (a BigInt…) would make it throw. */
const wire = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));

function describeInput(input: unknown): string {
  try {
    return wire(input)?.slice(0, 300) ?? String(input);
  } catch {
    return Object.prototype.toString.call(input);
  }
}

function expectTyped(result: Outcome, what: string): void {
  if (result.ok) {
    expect(() => wire(result.value), what).not.toThrow();
    const status = (result.value as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    expect(status, what).toBeGreaterThanOrEqual(200);
    expect(status, what).toBeLessThan(300);
    return;
  }
  const e = result.error;
  expect(e, `${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`).toBeInstanceOf(LambdaSimError);
  const error = e as LambdaSimError;
  expect(error.name, what).toMatch(/^[A-Z][A-Za-z]+Exception$/);
  expect(error.$metadata.httpStatusCode, `${what}: ${error.name} ${error.message}`).toBeGreaterThanOrEqual(400);
  // 500 is the simulator's own fault (ServiceException): hostile input is the caller's (4xx), or a
  // command lambda-sim does not implement (501).
  expect([500, 502, 503, 504], `${what}: ${error.name} ${error.message}`).not.toContain(error.$metadata.httpStatusCode);
  expect(error.message.length, `${what}: ${error.name}`).toBeGreaterThan(0);
  // Errors quote what they received, bounded: a 300 KB input is not echoed back whole.
  expect(error.message.length, `${what}: ${error.name} ${error.message.slice(0, 300)}`).toBeLessThan(2_000);
}

/** Runs per property: the given default, or FUZZ_RUNS for a deeper local run (with time to match). */
const runs = (fallback: number): number => Number(process.env['FUZZ_RUNS'] ?? fallback);
const timeoutMs = (numRuns: number): number => Math.max(30_000, numRuns * 50);

const call = (method: string, input: unknown): Promise<unknown> => (sim as unknown as Record<string, (i: unknown) => Promise<unknown>>)[method]!(input);

/**
 * Reads of everything a call may have stored (configurations of every version, tags, aliases,
 * policies, event-invoke and provisioned configs), serialised as the REST layer would: a hostile
 * value that an earlier call let in surfaces here, not only in the call that stored it.
 */
async function probe(input: unknown): Promise<void> {
  const named = (input as { FunctionName?: unknown } | null | undefined)?.FunctionName;
  const reads: Array<[string, () => Promise<unknown>]> = [
    ['listFunctions(ALL)', () => sim.listFunctions({ FunctionVersion: 'ALL', MaxItems: 10_000 })],
    ...(['f', 'f:1', 'f:live'] as const).flatMap((name): Array<[string, () => Promise<unknown>]> => [
      [`getFunction(${name})`, () => sim.getFunction({ FunctionName: name })],
      [`getPolicy(${name})`, () => sim.getPolicy({ FunctionName: name })],
    ]),
    ['listAliases(f)', () => sim.listAliases({ FunctionName: 'f' })],
    ['listFunctionEventInvokeConfigs(f)', () => sim.listFunctionEventInvokeConfigs({ FunctionName: 'f' })],
    ['getProvisionedConcurrencyConfig(f:1)', () => sim.getProvisionedConcurrencyConfig({ FunctionName: 'f', Qualifier: '1' })],
    ...(typeof named === 'string' ? [[`getFunction(${named})`, () => sim.getFunction({ FunctionName: named })] as [string, () => Promise<unknown>]] : []),
  ];
  for (const [what, read] of reads) expectTyped(await outcome(read), `then ${what}`);
}

describe('control-plane fuzzing: every method, random and malformed inputs', () => {
  const entries = Object.entries(METHODS);
  it.each(entries.map(([method, spec], i) => ({ method, spec, seed: 4_000 + i, numRuns: runs(method === 'createFunction' ? 150 : 100) })))('$method (seed $seed)', async ({ method, spec, seed, numRuns }) => {
    await fc.assert(
      fc
        .asyncProperty(anyInput(spec), async (input) => {
          expectTyped(await outcome(() => call(method, input)), `${method}(${describeInput(input)})`);
          await probe(input);
        })
        .beforeEach(fixture),
      { numRuns, seed },
    );
  }, timeoutMs(runs(150)));

  it('no arguments at all, and extra arguments, are typed errors or answers', async () => {
    for (const method of Object.keys(METHODS)) {
      expectTyped(await outcome(() => (sim as unknown as Record<string, () => Promise<unknown>>)[method]!()), `${method}()`);
      expectTyped(await outcome(() => (sim as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!({ FunctionName: 'f' }, polluting(), 1)), `${method}(f, …extra)`);
    }
  });

  it('sim.send() with random command-like objects (seed 4100)', async () => {
    const commandName = fc.oneof(
      fc.constantFrom(...Object.keys(METHODS).map((m) => `${m[0]!.toUpperCase()}${m.slice(1)}Command`), 'InvokeCommand'),
      fc.constantFrom('NopeCommand', 'TagResourceCommand', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'),
      fc.string({ maxLength: 20 }),
    );
    const spec = (name: string): InputSpec | undefined => METHODS[`${name[0]?.toLowerCase() ?? ''}${name.slice(1, -'Command'.length)}`];
    const input = (name: string): fc.Arbitrary<unknown> => (spec(name) === undefined ? hostile : anyInput(spec(name)!));
    /** The SDK's own command class of that name (`new CreateFunctionCommand(input)`), when there is one. */
    const real = (name: string): (new (input: unknown) => object) | undefined => (Object.hasOwn(sdk, name) && name.endsWith('Command') ? (sdk as unknown as Record<string, new (input: unknown) => object>)[name] : undefined);
    const command = fc.oneof(
      { weight: 4, arbitrary: commandName.chain((name) => fc.record({ input: input(name), constructor: fc.constant({ name }) }, { requiredKeys: ['constructor'] })) },
      { weight: 2, arbitrary: commandName.filter((name) => real(name) !== undefined).chain((name) => input(name).map((i) => new (real(name)!)(i))) },
      { weight: 1, arbitrary: fc.record({ input: hostile, constructor: hostile }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: hostile },
    );
    await fc.assert(
      fc.asyncProperty(command, async (cmd) => {
        expectTyped(await outcome(() => sim.send(cmd as never)), `send(${describeInput(cmd)})`);
      }),
      { numRuns: runs(400), seed: 4_100 },
    );
  }, timeoutMs(runs(400)));

  it('afterwards: the simulator still invokes, and Object.prototype is not polluted', async () => {
    const out = await sim.invoke({ FunctionName: 'sentinel', Payload: '{"still":"here"}' });
    expect(out.FunctionError).toBeUndefined();
    expect(out.Payload!.transformToString()).toBe('{"still":"here"}');
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((await sim.getFunctionConfiguration({ FunctionName: 'sentinel' })).FunctionName).toBe('sentinel');
    await sim.settle();
  });
});

/** What a call ended with: 'resolved', or the rejection's AWS name ('untyped <name>' when it is no LambdaSimError). */
const ending = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => `${e instanceof LambdaSimError ? '' : 'untyped '}${(e as Error | undefined)?.name ?? typeof e}`,
  );
const endings = async (...calls: Array<() => Promise<unknown>>): Promise<string> => {
  const out: string[] = [];
  for (const c of calls) out.push(await ending(c()));
  return out.join(', ');
};
const create = (name: string, extra: Record<string, unknown>) => (): Promise<unknown> =>
  sim.createFunction({ FunctionName: name, Handler: 'index.handler', Code: { Source: ECHO }, ...extra } as never);
const exists = (name: string): Promise<string> => sim.getFunction({ FunctionName: name }).then(() => 'exists', () => 'absent');
const versions = async (): Promise<number> => (await sim.listVersionsByFunction({ FunctionName: 'f' })).Versions.length;
const IPVE = 'InvalidParameterValueException';
const NIE = 'NotImplementedException';

/**
 * One row per bug the fuzzer found: each failed on the code before its fix (the comment says
 * how).
 */
const REGRESSIONS: Array<{ bug: string; run: () => Promise<string>; expected: string }> = [
  {
    // display() quoted a 100,000-element array whole: an 800 KB error message.
    bug: 'an error quotes a huge received value in at most 200 characters',
    run: () => sim.getFunction({ FunctionName: new Array(100_000).fill('x86_64') as never }).then(() => 'resolved', (e: Error) => `${e.name}, ${e.message.length < 400 ? 'short' : 'huge'}`),
    expected: `${IPVE}, short`,
  },
  {
    // display() fell back to String(value), which throws a TypeError for an object without a prototype.
    bug: 'an error quotes a prototype-less value holding a BigInt instead of throwing TypeError',
    run: () => ending(sim.getFunction({ FunctionName: nullProto() as never })),
    expected: IPVE,
  },
  {
    // Description was stored unchecked: a function created the function, then structuredClone threw
    // DataCloneError at the caller and at every later read of it.
    bug: 'createFunction refuses a function as Description and creates nothing',
    run: async () => `${await ending(create('r-desc-fn', { Description: () => 1 })())}, ${await exists('r-desc-fn')}`,
    expected: `${IPVE}, absent`,
  },
  {
    // A BigInt Description was stored: GetFunction over HTTP answered 500 from then on (JSON.stringify threw).
    bug: 'createFunction refuses a BigInt or over-long Description',
    run: () => endings(create('r-desc-big', { Description: 10n }), create('r-desc-long', { Description: 'd'.repeat(257) })),
    expected: `${IPVE}, ${IPVE}`,
  },
  {
    bug: 'createFunction refuses a Role that is not an IAM role ARN',
    run: () => endings(create('r-role', { Role: 'role' }), create('r-role-big', { Role: 10n })),
    expected: `${IPVE}, ${IPVE}`,
  },
  {
    // Tags were spread unchecked: 'Team=a' became { 0: 'T', 1: 'e', … } and { k: 1 } kept a number.
    bug: 'createFunction refuses Tags that are not a map of at most 50 strings',
    run: () => endings(create('r-tags', { Tags: 'Team=a' }), create('r-tags-num', { Tags: { k: 1 } }), create('r-tags-51', { Tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) })),
    expected: `${IPVE}, ${IPVE}, ${IPVE}`,
  },
  {
    bug: 'a __proto__ tag stays a tag (data), never a prototype',
    run: async () => {
      await create('r-tags-proto', { Tags: JSON.parse('{"__proto__":"x"}') })();
      const tags = (await sim.getFunction({ FunctionName: 'r-tags-proto' })).Tags;
      return `${Object.getPrototypeOf(tags) === Object.prototype ? 'plain' : 'prototype set'}, ${tags['__proto__']}`;
    },
    expected: 'plain, x',
  },
  {
    // publishVersion numbered the version, then stored any Description (DataCloneError from then on).
    bug: 'publishVersion refuses a function as Description and publishes nothing',
    run: async () => {
      await fixture();
      const before = await versions();
      return `${await ending(sim.publishVersion({ FunctionName: 'f', Description: (() => 1) as never }))}, ${(await versions()) - before} published`;
    },
    expected: `${IPVE}, 0 published`,
  },
  {
    bug: 'createAlias refuses a Symbol as Description',
    run: async () => (await fixture(), ending(sim.createAlias({ FunctionName: 'f', Name: 'r-alias', FunctionVersion: '1', Description: Symbol('s') as never }))),
    expected: IPVE,
  },
  {
    // SourceArn / SourceAccount were kept in the policy unchecked: a BigInt made every GetPolicy
    // throw; an object made every enforced invoke throw (globMatch called .replace on it).
    bug: 'addPermission refuses a SourceArn or SourceAccount of the wrong type or pattern',
    run: async () => {
      await fixture();
      const add = (extra: object) => (): Promise<unknown> => sim.addPermission({ FunctionName: 'f', StatementId: 'r-src', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', ...extra });
      return endings(add({ SourceArn: 10n }), add({ SourceArn: {} }), add({ SourceArn: 'bucket' }), add({ SourceAccount: 'x' }));
    },
    expected: `${IPVE}, ${IPVE}, ${IPVE}, ${IPVE}`,
  },
  // ---- in src/simulator.ts ----
  {
    // qualified() interpolates Qualifier into a string: a Symbol or a prototype-less object throws TypeError.
    bug: 'a Symbol or prototype-less Qualifier is refused',
    run: () => endings(() => sim.getFunction({ FunctionName: 'f', Qualifier: Symbol('q') as never }), () => sim.getFunction({ FunctionName: 'f', Qualifier: Object.create(null) as never })),
    expected: `${IPVE}, ${IPVE}`,
  },
  {
    // The same interpolation in get/deleteProvisionedConcurrencyConfig (`${record.name}:${input.Qualifier}`).
    bug: 'get/deleteProvisionedConcurrencyConfig refuse a Symbol Qualifier',
    run: () => endings(() => sim.getProvisionedConcurrencyConfig({ FunctionName: 'f', Qualifier: Symbol('q') as never }), () => sim.deleteProvisionedConcurrencyConfig({ FunctionName: 'f', Qualifier: Symbol('q') as never })),
    expected: `${IPVE}, ${IPVE}`,
  },
  {
    // listFunctions reads null.FunctionVersion (its `= {}` default applies to undefined only).
    bug: 'listFunctions(null) is refused',
    run: () => ending(sim.listFunctions(null as never)),
    expected: IPVE,
  },
  {
    // listFunctions compares names with String(input.Marker), which throws for a prototype-less object.
    bug: 'listFunctions refuses a prototype-less Marker',
    run: () => ending(sim.listFunctions({ Marker: Object.create(null) as never })),
    expected: IPVE,
  },
  {
    // page() calls Number(input.Marker): a Symbol throws TypeError.
    bug: 'a Symbol Marker is refused',
    run: async () => (await fixture(), ending(sim.listVersionsByFunction({ FunctionName: 'f', Marker: Symbol('m') as never }))),
    expected: IPVE,
  },
  {
    // send() looks the name up in a plain object: 'toString' finds Object.prototype.toString, then this[fn] is undefined.
    bug: 'send() of a command named toString, constructor or __proto__ is not implemented',
    run: () => endings(...['toString', 'constructor', '__proto__'].map((name) => () => sim.send({ constructor: { name } }))),
    expected: `${NIE}, ${NIE}, ${NIE}`,
  },
  {
    // send() names an unknown command with String(command), which throws for a prototype-less object.
    bug: 'send() of a prototype-less object is not implemented',
    run: () => ending(sim.send(Object.create(null) as never)),
    expected: NIE,
  },
];

describe('regressions found by the control-plane fuzzer', () => {
  for (const { bug, run, expected } of REGRESSIONS) {
    it(bug, async () => {
      expect(await run()).toBe(expected);
    });
  }
});

describe('createFunction of something that is not an input object', () => {
  it.each([[''], [null], [42]])('createFunction(%j) says an input object was expected', async (input) => {
    await expect(sim.createFunction(input as never)).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('Expected a CreateFunction input object like { FunctionName, Handler, Code, Runtime }'),
    });
  });
});
