/**
 * The real `@aws-sdk/client-lambda` against lambda-sim, unchanged: through the in-process request
 * handler and through the HTTP server, every command lambda-sim implements.
 */
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionEventInvokeConfigCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionRecursionConfigCommand,
  GetPolicyCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  LambdaClient,
  LambdaServiceException,
  ListAliasesCommand,
  ListFunctionEventInvokeConfigsCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  PutFunctionRecursionConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  RemovePermissionCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { zipSync, strToU8 } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRequestHandler, LambdaSimulator, type LambdaEndpoint } from '../../src/index.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const zip = (source: string): Uint8Array => zipSync({ 'index.mjs': strToU8(source) });

let sim: LambdaSimulator;
let endpoint: LambdaEndpoint | undefined;
beforeEach(() => {
  sim = new LambdaSimulator({ seed: 1 });
});
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
  await sim.close();
});

const transports = {
  'in-process request handler': async (extra: object = {}) => new LambdaClient({ region: 'us-east-1', credentials, requestHandler: createRequestHandler(sim), ...extra }),
  'HTTP server': async (extra: object = {}) => {
    endpoint = await sim.listen();
    return new LambdaClient({ region: 'us-east-1', credentials, endpoint: endpoint.url, ...extra });
  },
};

describe.each(Object.entries(transports))('the real SDK through the %s', (_name, client) => {
  it('invokes: payload, FunctionError with the error payload, LogType Tail, Event (202), DryRun (204), unknown function', async () => {
    const lambda = await client();
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'echo', Runtime: 'nodejs20.x', Role: 'arn:aws:iam::123456789012:role/r', Handler: 'index.handler', Code: { ZipFile: zip('export const handler = async (e) => { if (e.fail) throw new TypeError("nope"); console.log("hi"); return { got: e }; };') } }));
    const ok = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ a: 1 }), LogType: 'Tail' }));
    expect(ok.StatusCode).toBe(200);
    expect(ok.ExecutedVersion).toBe('$LATEST');
    expect(JSON.parse(new TextDecoder().decode(ok.Payload))).toEqual({ got: { a: 1 } });
    expect(Buffer.from(ok.LogResult!, 'base64').toString()).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n.*\tINFO\thi\nEND RequestId/);
    expect(ok.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const failed = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ fail: true }) }));
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(new TextDecoder().decode(failed.Payload))).toMatchObject({ errorType: 'TypeError', errorMessage: 'nope' });
    const queued = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: '{}' }));
    expect(queued.StatusCode).toBe(202);
    const dry = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
    const missing = await lambda.send(new InvokeCommand({ FunctionName: 'ghost' })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:ghost', $metadata: { httpStatusCode: 404 } });
    await sim.settle();
    expect(sim.asyncEvents()[0]).toMatchObject({ state: 'succeeded', requestId: queued.$metadata.requestId });
  });

  it('a throttled invoke is retried by the SDK, then throws its own TooManyRequestsException with the Reason', async () => {
    const lambda = await client({ retryStrategy: new ConfiguredRetryStrategy(3, () => 0) });
    await sim.createFunction({ FunctionName: 'busy', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: 'export const handler = async () => 1;' } });
    await sim.putFunctionConcurrency({ FunctionName: 'busy', ReservedConcurrentExecutions: 0 });
    const throttles: string[] = [];
    sim.on('invocation:throttle', (t) => throttles.push(t.reason));
    const e = await lambda.send(new InvokeCommand({ FunctionName: 'busy' })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TooManyRequestsException);
    expect(e).toMatchObject({ Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', $metadata: { httpStatusCode: 429, attempts: 3 } });
    expect(throttles).toHaveLength(3);
  });

  it('errors the SDK does not model come back as its generic service exception with the name and status', async () => {
    const lambda = await client();
    await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: 'export const handler = async () => 1;' } });
    const big = await lambda.send(new InvokeCommand({ FunctionName: 'f', Payload: JSON.stringify({ s: 'x'.repeat(6_291_456) }) })).catch((x: unknown) => x);
    expect(big).toBeInstanceOf(LambdaServiceException);
    expect(big).toMatchObject({ name: 'RequestEntityTooLargeException', $metadata: { httpStatusCode: 413 } });
    const notImplemented = await lambda.send(new ListTagsCommand({ Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f' })).catch((x: unknown) => x);
    expect(notImplemented).toMatchObject({ name: 'NotImplementedException', message: 'lambda-sim does not implement the Lambda operation ListTags yet', $metadata: { httpStatusCode: 501 } });
  });

  it('runs the control plane: functions, versions, aliases, concurrency, permissions, event-invoke and recursion configs', async () => {
    const lambda = await client();
    const created = await lambda.send(new CreateFunctionCommand({ FunctionName: 'cp', Runtime: 'nodejs20.x', Role: 'arn:aws:iam::123456789012:role/r', Handler: 'index.handler', Code: { ZipFile: zip('export const handler = async () => "v1";') } }));
    expect(created).toMatchObject({ FunctionName: 'cp', Handler: 'index.handler', State: 'Active' });
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'cp' }))).Configuration?.FunctionName).toBe('cp');
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'cp' }))).Runtime).toBe('nodejs20.x');
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName)).toEqual(['cp']);
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'cp', Timeout: 9 }));
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'cp', ZipFile: zip('export const handler = async () => "v2";') }));
    expect(new TextDecoder().decode((await lambda.send(new InvokeCommand({ FunctionName: 'cp' }))).Payload)).toBe('"v2"');
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'cp' }));
    expect(v1.Version).toBe('1');
    expect((await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'cp' }))).Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1']);
    await lambda.send(new CreateAliasCommand({ FunctionName: 'cp', Name: 'live', FunctionVersion: '1' }));
    await lambda.send(new UpdateAliasCommand({ FunctionName: 'cp', Name: 'live', Description: 'prod' }));
    expect((await lambda.send(new GetAliasCommand({ FunctionName: 'cp', Name: 'live' }))).Description).toBe('prod');
    expect((await lambda.send(new ListAliasesCommand({ FunctionName: 'cp' }))).Aliases?.map((a) => a.Name)).toEqual(['live']);
    const viaAlias = await lambda.send(new InvokeCommand({ FunctionName: 'cp', Qualifier: 'live' }));
    expect(viaAlias.ExecutedVersion).toBe('1');
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'cp', ReservedConcurrentExecutions: 5 }));
    expect((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'cp' }))).ReservedConcurrentExecutions).toBe(5);
    await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'cp', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    expect((await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'cp', Qualifier: '1' }))).RequestedProvisionedConcurrentExecutions).toBe(2);
    await lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'cp', Qualifier: '1' }));
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'cp' }));
    expect((await lambda.send(new GetAccountSettingsCommand({}))).AccountLimit?.ConcurrentExecutions).toBe(1000);
    const added = await lambda.send(new AddPermissionCommand({ FunctionName: 'cp', StatementId: 's1', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com' }));
    expect(JSON.parse(added.Statement!)).toMatchObject({ Sid: 's1' });
    expect(JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: 'cp' }))).Policy!).Statement).toHaveLength(1);
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'cp', StatementId: 's1' }));
    const put = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cp', MaximumRetryAttempts: 1 }));
    expect(put.LastModified).toBeInstanceOf(Date);
    expect(put.LastModified!.getTime()).toBe(sim.now());
    await lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'cp', MaximumEventAgeInSeconds: 120 }));
    expect(await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cp' }))).toMatchObject({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 120 });
    expect((await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cp' }))).FunctionEventInvokeConfigs).toHaveLength(1);
    await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'cp' }));
    await lambda.send(new PutFunctionRecursionConfigCommand({ FunctionName: 'cp', RecursiveLoop: 'Allow' }));
    expect((await lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'cp' }))).RecursiveLoop).toBe('Allow');
    await lambda.send(new DeleteAliasCommand({ FunctionName: 'cp', Name: 'live' }));
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'cp' }));
    const gone = await lambda.send(new GetFunctionCommand({ FunctionName: 'cp' })).catch((x: unknown) => x);
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
  });
});
