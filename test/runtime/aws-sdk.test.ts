import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidParameterValueException, LambdaSimulator } from '../../src/index.js';
import { call, deploy, report } from '../helpers.js';

const fixture = (p: string): string => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));

let sim: LambdaSimulator | undefined;
const ddb = mockClient(DynamoDBDocumentClient);
afterEach(async () => {
  ddb.reset();
  await sim?.close();
  sim = undefined;
});

async function orders(options: ConstructorParameters<typeof LambdaSimulator>[0] = {}): Promise<LambdaSimulator> {
  sim = new LambdaSimulator({ seed: 1, aws: { dynamodb: 'sdk' }, ...options });
  await sim.createFunction({ FunctionName: 'orders', Handler: 'index.handler', Code: { Path: fixture('orders/index.ts') }, Environment: { Variables: { TABLE: 'orders-table' } } });
  return sim;
}

describe('runtime-provided AWS SDK', () => {
  it('runs a DynamoDBDocumentClient handler against aws-sdk-client-mock on the host', async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(GetCommand, { TableName: 'orders-table', Key: { id: 'o-1' } }).resolves({ Item: { id: 'o-1', total: 42 } });
    const s = await orders();
    expect((await call(s, 'orders', { action: 'create', id: 'o-1', total: 42 })).payload).toEqual({ status: 'created', id: 'o-1' });
    expect((await call(s, 'orders', { action: 'get', id: 'o-1' })).payload).toEqual({ status: 'found', order: { id: 'o-1', total: 42 } });
    const put = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put).toEqual({
      TableName: 'orders-table',
      Item: { id: 'o-1', total: 42, createdAt: '2025-01-01T00:00:00.000Z' },
      ConditionExpression: 'attribute_not_exists(id)',
    });
  });

  it('rethrows service exceptions as the sandbox SDK classes, so instanceof works in the handler', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } }));
    const s = await orders();
    expect((await call(s, 'orders', { action: 'create', id: 'o-1', total: 1 })).payload).toEqual({ status: 'duplicate', id: 'o-1' });
  });

  it('fails an unmocked command of a service routed "sdk" instead of reaching the network', async () => {
    sim = new LambdaSimulator({ seed: 1, aws: { dynamodb: 'sdk' } });
    const fn = await deploy(sim, `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
      export const handler = async () => new DynamoDBClient({}).send(new GetItemCommand({ TableName: 't', Key: { id: { S: '1' } } }));`);
    const r = await call(sim, fn);
    expect(r.out.FunctionError).toBe('Unhandled');
    expect((r.payload as { errorMessage: string }).errorMessage).toMatch(/^lambda-sim blocked a real network request to dynamodb\.us-east-1\.amazonaws\.com/);
    void GetItemCommand;
    void DynamoDBClient;
  });

  it('fails a call to an unconfigured service with an error that says how to configure it', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, `import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
      export const handler = async () => new DynamoDBClient({}).send(new ListTablesCommand({}));`);
    const r = await call(sim, fn);
    expect(r.payload).toMatchObject({ errorType: 'LambdaSimConfigurationError' });
    expect((r.payload as { errorMessage: string }).errorMessage).toContain("no route for service 'dynamodb'. Configure one in the simulator options: aws: { dynamodb: 'sdk' }");
  });

  it('routes Lambda Invoke from a handler into the same simulation, with the caller lineage in the trace header', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction({ FunctionName: 'fanout', Handler: 'index.handler', Code: { Path: fixture('fanout/index.ts') } });
    await deploy(sim, `export const handler = async (e) => { await new Promise((r) => setTimeout(r, 100)); return { got: e, trace: process.env._X_AMZN_TRACE_ID }; };`, { FunctionName: 'worker' });
    await deploy(sim, `export const handler = async () => { throw new Error('worker down'); };`, { FunctionName: 'broken' });
    const ends: string[] = [];
    sim.on('invocation:end', (r) => ends.push(r.functionName));
    const r = await call(sim, 'fanout', { targets: ['worker', 'broken'] });
    const [ok, bad] = r.payload as Array<{ target: string; status: number; error: string | null; payload: { got: unknown; trace: string } }>;
    expect(ok).toMatchObject({ target: 'worker', status: 200, error: null, payload: { got: { from: 'fanout', target: 'worker' } } });
    expect(ok!.payload.trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0;Lineage=[0-9a-f]{8}:1$/);
    expect(bad).toMatchObject({ target: 'broken', status: 200, error: 'Unhandled', payload: { errorType: 'Error', errorMessage: 'worker down' } });
    expect(ends).toEqual(['worker', 'broken', 'fanout']);
    expect(report(r.log)).toContain('Duration: 100.00 ms');
  });

  it('queues asynchronous invokes from a handler (202 at once), delivered and retried in the same simulation', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction({ FunctionName: 'fanout', Handler: 'index.handler', Code: { Path: fixture('fanout/index.ts') } });
    await deploy(sim, `export const handler = async (e) => ({ got: e });`, { FunctionName: 'worker' });
    await deploy(sim, `export const handler = async () => { throw new Error('worker down'); };`, { FunctionName: 'broken' });
    const r = await call(sim, 'fanout', { targets: ['worker', 'broken'], type: 'Event' });
    expect(r.payload).toEqual([
      { target: 'worker', status: 202, error: null, payload: null },
      { target: 'broken', status: 202, error: null, payload: null },
    ]);
    await sim.settle();
    const events = sim.asyncEvents();
    expect(events.map((e) => [e.functionName, e.state, e.attempts.length])).toEqual([
      ['worker', 'succeeded', 1],
      ['broken', 'failed', 3],
    ]);
    expect(JSON.parse(events[0]!.payload)).toEqual({ from: 'fanout', target: 'worker' });
  });

  it('surfaces a ResourceNotFoundException of a nested invoke as the SDK exception class', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, `import { LambdaClient, InvokeCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
      export const handler = async () => { try { await new LambdaClient({}).send(new InvokeCommand({ FunctionName: 'ghost' })); } catch (e) { return [e instanceof ResourceNotFoundException, e.name, e.message, e.$metadata.httpStatusCode]; } };`);
    expect((await call(sim, fn)).payload).toEqual([true, 'ResourceNotFoundException', 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:ghost', 404]);
  });

  it('gives SDK calls their simulated latency (hostLatency["aws:dynamodb"])', async () => {
    ddb.on(GetCommand).resolves({});
    const s = await orders({ hostLatency: { 'aws:dynamodb': 25 } });
    const r = await call(s, 'orders', { action: 'get', id: 'x' });
    expect(r.payload).toEqual({ status: 'missing', id: 'x' });
    expect(report(r.log)).toContain('Duration: 25.00 ms');
  });

  it('refuses at create time a handler importing an SDK client the host cannot load, saying what to install', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const e = await deploy(sim, `import { X } from '@aws-sdk/client-not-a-real-service'; export const handler = async () => X;`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidParameterValueException);
    expect((e as Error).message).toContain('npm install --save-dev @aws-sdk/client-not-a-real-service');
  });

  it('rejects a malformed aws route option', () => {
    expect(() => new LambdaSimulator({ aws: { dynamodb: 'mock' as never } })).toThrow("Expected `aws.dynamodb` to be 'sdk', { endpoint }, { requestHandler } or { client: (config) => client }");
  });
});
