/**
 * The same calls through `sim.invoke`, through the real SDK with `createRequestHandler`, and
 * through the real SDK against `sim.listen()` give deep-equal results: status, function error,
 * payload bytes, log, executed version, request id; for errors the name, HTTP status and message.
 */
import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { describe, expect, it } from 'vitest';
import { createRequestHandler, LambdaSimulator, type InvokeInput } from '../../src/index.js';

const HANDLER = `export const handler = async (e, ctx) => {
  console.log('event', e, ctx.clientContext ?? null);
  if (e.fail) throw new RangeError('bad ' + e.n);
  if (e.sleep) await new Promise((r) => setTimeout(r, e.sleep));
  return { n: e.n, at: Date.now(), version: ctx.functionVersion };
};`;

const calls: Array<InvokeInput & InvokeCommandInput> = [
  { FunctionName: 'diff', Payload: '{"n":1}', LogType: 'Tail' },
  { FunctionName: 'diff', Payload: '{"n":2,"fail":true}', LogType: 'Tail' },
  { FunctionName: 'diff', Payload: '{"n":3,"sleep":5000}', LogType: 'Tail' },
  { FunctionName: 'diff', Qualifier: '1', Payload: '{"n":4}' },
  { FunctionName: 'diff:live', Payload: '{"n":5}', ClientContext: Buffer.from(JSON.stringify({ custom: { k: 'v' } })).toString('base64'), LogType: 'Tail' },
  { FunctionName: 'diff', InvocationType: 'Event', Payload: '{"n":6}' },
  { FunctionName: 'diff', InvocationType: 'DryRun' },
  { FunctionName: 'ghost', Payload: '{}' },
  { FunctionName: 'diff', Payload: '{not json' },
  { FunctionName: 'diff', InvocationType: 'Sideways' as never },
  { FunctionName: 'capped', Payload: '{}' },
];

type Outcome = Record<string, unknown>;

async function setUp(): Promise<LambdaSimulator> {
  const sim = new LambdaSimulator({ seed: 42 });
  await sim.createFunction({ FunctionName: 'diff', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: HANDLER } });
  await sim.publishVersion({ FunctionName: 'diff' });
  await sim.createAlias({ FunctionName: 'diff', Name: 'live', FunctionVersion: '1' });
  await sim.createFunction({ FunctionName: 'capped', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: HANDLER } });
  await sim.putFunctionConcurrency({ FunctionName: 'capped', ReservedConcurrentExecutions: 0 });
  return sim;
}

function outcome(out: { StatusCode?: number | undefined; FunctionError?: string | undefined; ExecutedVersion?: string | undefined; LogResult?: string | undefined; Payload?: Uint8Array | null | undefined; $metadata: { requestId?: string | undefined } }): Outcome {
  return {
    StatusCode: out.StatusCode,
    FunctionError: out.FunctionError,
    ExecutedVersion: out.ExecutedVersion,
    Payload: out.Payload === undefined || out.Payload === null || out.Payload.byteLength === 0 ? '' : Buffer.from(out.Payload).toString('utf8'),
    Log: out.LogResult === undefined ? undefined : Buffer.from(out.LogResult, 'base64').toString('utf8').replace(/Max Memory Used: \d+ MB/g, 'Max Memory Used: N MB'),
    RequestId: out.$metadata.requestId,
  };
}

function failure(e: unknown): Outcome {
  const x = e as { name: string; message: string; $metadata?: { httpStatusCode?: number }; Reason?: string };
  return { error: x.name, status: x.$metadata?.httpStatusCode, message: x.message, ...(x.Reason === undefined ? {} : { Reason: x.Reason }) };
}

async function runAll(send: (input: InvokeInput & InvokeCommandInput) => Promise<Outcome>): Promise<Outcome[]> {
  const results: Outcome[] = [];
  for (const input of calls) results.push(await send(input));
  return results;
}

describe('differential: sim.invoke, the SDK in-process, the SDK over HTTP', () => {
  it('answer every call alike, byte for byte', async () => {
    const direct = await setUp();
    const viaHandler = await setUp();
    const viaHttp = await setUp();
    const endpoint = await viaHttp.listen();
    const sdk = (sim: LambdaSimulator, extra: object): LambdaClient =>
      new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 's' }, retryStrategy: new ConfiguredRetryStrategy(1, () => 0), ...extra });
    const inProcess = sdk(viaHandler, { requestHandler: createRequestHandler(viaHandler) });
    const overHttp = sdk(viaHttp, { endpoint: endpoint.url });
    try {
      const a = await runAll((input) => direct.invoke(input).then(outcome, failure));
      const command = (input: InvokeInput & InvokeCommandInput): InvokeCommand => {
        const { Payload, ...rest } = input;
        return new InvokeCommand({ ...rest, ...(Payload === undefined ? {} : { Payload: new TextEncoder().encode(Payload as string) }) });
      };
      const b = await runAll((input) => inProcess.send(command(input)).then(outcome, failure));
      const c = await runAll((input) => overHttp.send(command(input)).then(outcome, failure));
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      // The calls cover what they claim to.
      expect(a.map((o) => o['StatusCode'] ?? o['error'])).toEqual([
        200, 200, 200, 200, 200, 202, 204, 'ResourceNotFoundException', 'InvalidRequestContentException', 'InvalidParameterValueException', 'TooManyRequestsException',
      ]);
      expect(a[1]).toMatchObject({ FunctionError: 'Unhandled' });
      expect(a[10]).toMatchObject({ status: 429, Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
      await Promise.all([direct.settle(), viaHandler.settle(), viaHttp.settle()]);
      const records = (sim: LambdaSimulator): unknown => sim.asyncEvents().map((r) => ({ ...r, attempts: r.attempts.map((x) => ({ ...x })) }));
      expect(records(viaHandler)).toEqual(records(direct));
      expect(records(viaHttp)).toEqual(records(direct));
    } finally {
      inProcess.destroy();
      overHttp.destroy();
      await endpoint.close();
      await Promise.all([direct.close(), viaHandler.close(), viaHttp.close()]);
    }
  });
});
