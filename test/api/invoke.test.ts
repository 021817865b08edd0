import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidParameterValueException,
  InvalidRequestContentException,
  PayloadBlob,
  RequestEntityTooLargeException,
  ResourceNotFoundException,
} from '../../src/index.js';
import { call, deploy, newSim, type Sim } from '../helpers.js';

let sim: Sim;
let good: string;
beforeEach(async () => {
  sim = newSim();
  good = await deploy(sim, 'export const handler = async (e) => ({ echo: e });', { FunctionName: 'good' });
});
afterEach(async () => {
  await sim.close();
});

/** After every bad input, a good function still answers correctly. */
async function stillWorks(): Promise<void> {
  const r = await call(sim, good, { still: 'ok' });
  expect(r.out.StatusCode).toBe(200);
  expect(r.payload).toEqual({ echo: { still: 'ok' } });
}

describe('Invoke output', () => {
  it('has the InvokeCommandOutput shape with $metadata and a Payload blob', async () => {
    const out = await sim.invoke({ FunctionName: good, Payload: '{"a":1}' });
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.Payload).toBeInstanceOf(Uint8Array);
    expect(out.Payload).toBeInstanceOf(PayloadBlob);
    expect(out.Payload!.transformToString()).toBe('{"echo":{"a":1}}');
    expect(out.$metadata).toEqual({ httpStatusCode: 200, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), attempts: 1, totalRetryDelay: 0 });
    expect(out.LogResult).toBeUndefined();
  });

  it('accepts Payload as bytes, treats absent or empty payload as {}', async () => {
    expect((await sim.invoke({ FunctionName: good, Payload: new TextEncoder().encode('[1,2]') })).Payload!.transformToString()).toBe('{"echo":[1,2]}');
    expect((await sim.invoke({ FunctionName: good })).Payload!.transformToString()).toBe('{"echo":{}}');
    expect((await sim.invoke({ FunctionName: good, Payload: '' })).Payload!.transformToString()).toBe('{"echo":{}}');
  });

  it('returns the last 4 KB of the log as LogResult with LogType Tail', async () => {
    const fn = await deploy(sim, `export const handler = async () => { for (let i = 0; i < 200; i++) console.log('line ' + i + ' ' + 'x'.repeat(40)); };`);
    const out = await sim.invoke({ FunctionName: fn, LogType: 'Tail' });
    const bytes = Buffer.from(out.LogResult!, 'base64');
    expect(bytes.length).toBe(4096);
    expect(bytes.toString()).toMatch(/REPORT RequestId: .*\n$/);
  });

  it('answers DryRun with 204 and runs nothing', async () => {
    const fn = await deploy(sim, `let n = 0; export const handler = async () => ++n;`);
    const dry = await sim.invoke({ FunctionName: fn, InvocationType: 'DryRun' });
    expect(dry.StatusCode).toBe(204);
    expect(dry.Payload).toBeUndefined();
    expect((await call(sim, fn)).payload).toBe(1);
  });

  it('accepts full and partial ARNs and the $LATEST qualifier', async () => {
    for (const name of ['arn:aws:lambda:us-east-1:123456789012:function:good', '123456789012:function:good', 'good:$LATEST']) {
      expect((await sim.invoke({ FunctionName: name })).StatusCode).toBe(200);
    }
    expect((await sim.invoke({ FunctionName: good, Qualifier: '$LATEST' })).StatusCode).toBe(200);
  });

  it('serves real @aws-sdk/client-lambda InvokeCommand objects through send()', async () => {
    const out = (await sim.send(new InvokeCommand({ FunctionName: good, Payload: new TextEncoder().encode('{"sdk":true}') }))) as { Payload: PayloadBlob };
    expect(out.Payload.transformToString()).toBe('{"echo":{"sdk":true}}');
  });
});

describe('bad input gets a typed error and the simulator keeps working', () => {
  it('unknown function → ResourceNotFoundException (404) naming the ARN', async () => {
    const e = await sim.invoke({ FunctionName: 'missing' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ResourceNotFoundException);
    expect(e).toMatchObject({
      name: 'ResourceNotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
      message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing',
    });
    await stillWorks();
  });

  it('unknown version or alias → ResourceNotFoundException with the qualified ARN', async () => {
    await expect(sim.invoke({ FunctionName: good, Qualifier: 'prod' })).rejects.toThrow('Function not found: arn:aws:lambda:us-east-1:123456789012:function:good:prod');
    await stillWorks();
  });

  it.each(['', 'has space', 'a'.repeat(65), 'arn:aws:lambda:us-east-1:123456789012:good', 'x:y:z:w'])('malformed name %j → InvalidParameterValueException', async (name) => {
    const e = await sim.invoke({ FunctionName: name }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidParameterValueException);
    expect((e as Error).message).toMatch(/^1 validation error detected: Value '.*' at 'functionName' failed to satisfy constraint: /);
    expect((e as InvalidParameterValueException).$metadata.httpStatusCode).toBe(400);
    await stillWorks();
  });

  it('non-JSON payload → InvalidRequestContentException (400)', async () => {
    const e = await sim.invoke({ FunctionName: good, Payload: '{not json' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidRequestContentException);
    expect((e as Error).message).toMatch(/^Could not parse request body into json: Could not parse payload into json: /);
    await stillWorks();
  });

  it('6 MB + 1 byte → RequestEntityTooLargeException (413); exactly 6 MB is accepted', async () => {
    const limit = 6_291_456;
    const over = `"${'x'.repeat(limit - 1)}"`;
    const e = await sim.invoke({ FunctionName: good, Payload: over }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RequestEntityTooLargeException);
    expect(e).toMatchObject({ name: 'RequestEntityTooLargeException', message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation', $metadata: { httpStatusCode: 413 } });
    const fn = await deploy(sim, 'export const handler = async (e) => e.length;');
    expect((await sim.invoke({ FunctionName: fn, Payload: `"${'x'.repeat(limit - 2)}"` })).Payload!.transformToString()).toBe(String(limit - 2));
    await stillWorks();
  });

  it.each([
    ['not base64!', 'Client context must be a valid Base64-encoded JSON object.'],
    [Buffer.from('not json').toString('base64'), 'Client context must be a valid Base64-encoded JSON object.'],
    [Buffer.from('[1]').toString('base64'), 'Client context must be a valid Base64-encoded JSON object.'],
    [Buffer.from(JSON.stringify({ a: 'x'.repeat(3000) })).toString('base64'), /at most 3583 bytes/],
  ])('bad ClientContext %# → InvalidRequestContentException', async (clientContext, message) => {
    const e = await sim.invoke({ FunctionName: good, ClientContext: clientContext }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidRequestContentException);
    expect((e as Error).message).toMatch(message);
    await stillWorks();
  });

  it('unknown InvocationType or LogType → InvalidParameterValueException', async () => {
    await expect(sim.invoke({ FunctionName: good, InvocationType: 'Sync' as never })).rejects.toThrow(
      "1 validation error detected: Value 'Sync' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
    );
    await expect(sim.invoke({ FunctionName: good, LogType: 'All' as never })).rejects.toThrow(
      "1 validation error detected: Value 'All' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]",
    );
    await stillWorks();
  });

  it('Event invocation of a missing function or with a bad payload fails at once (before any 202), typed', async () => {
    const missing = await sim.invoke({ FunctionName: 'no-such-fn', InvocationType: 'Event' }).catch((x: unknown) => x);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    const bad = await sim.invoke({ FunctionName: good, InvocationType: 'Event', Payload: '{oops' }).catch((x: unknown) => x);
    expect(bad).toBeInstanceOf(InvalidRequestContentException);
    expect(sim.asyncEvents()).toEqual([]);
    await stillWorks();
  });

  it.each([
    ['a module throwing at load', 'throw new Error("load");', 'Error'],
    ['a handler that is not a function', 'export const handler = "nope";', 'Runtime.HandlerNotFound'],
    ['code that does not parse', 'export const handler = async () => { ;;; ) };', 'Runtime.UserCodeSyntaxError'],
    ['a handler that loops forever', 'export const handler = async () => { for (;;) {} };', 'Sandbox.Timedout'],
    // Timeout 15 s: near the heap limit V8's GC can take over a second on a loaded machine (CI on Node 22), and the row is about memory.
    ['a handler that grows memory without bound', 'const a = []; export const handler = async () => { for (;;) a.push(new Array(1e5).fill(1)); };', 'Runtime.ExitError', 15],
    ['a handler that throws null', 'export const handler = async () => { throw null; };', 'string'],
    ['a handler returning a circular object', 'export const handler = async () => { const o = {}; o.o = o; return o; };', 'Error'],
    ['a handler calling back twice', 'exports.handler = (e, c, cb) => { cb(new Error("first")); cb(null, "second"); };', 'Error'],
  ] as Array<[string, string, string, number?]>)('%s → FunctionError Unhandled (%s), and the next good invoke works', async (_label, source, errorType, timeout = 1) => {
    const fn = await deploy(sim, source, { Timeout: timeout });
    const r = await call(sim, fn);
    expect(r.out.StatusCode).toBe(200);
    expect(r.out.FunctionError).toBe('Unhandled');
    expect((r.payload as { errorType: string }).errorType).toBe(errorType);
    await stillWorks();
  });

  it('a call into a built-in the sandbox does not simulate → FunctionError Unhandled, ERR_LAMBDA_SIM_UNSUPPORTED (the import itself loads)', async () => {
    const fn = await deploy(sim, 'import cp from "node:child_process"; export const handler = async () => cp.spawn("psql");');
    const r = await call(sim, fn);
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.payload).toMatchObject({ errorType: 'Error', errorMessage: expect.stringMatching(/^lambda-sim: child_process\.spawn\(\) is not supported in the sandbox: .*option `modules`/) });
    await stillWorks();
  });

  it('unknown input fields → InvalidParameterValueException', async () => {
    await expect(sim.invoke({ FunctionName: good, Paylod: '{}' } as never)).rejects.toThrow("Unknown parameter 'Paylod' in Invoke input");
    await stillWorks();
  });
});
