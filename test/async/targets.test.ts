import { afterEach, describe, expect, it } from 'vitest';
import { InvalidParameterValueException, ResourceNotFoundException } from '../../src/index.js';
import { deploy, newSim, type Sim } from '../helpers.js';

let sim: Sim;
afterEach(async () => {
  await sim?.close();
});

const FAILING = `export const handler = async (e) => { throw new TypeError('bad order ' + e.id); };`;
const OK = `export const handler = async (e) => ({ done: e.id });`;

async function fire(fn: string, payload: object): Promise<string> {
  const out = await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: JSON.stringify(payload) });
  return out.$metadata.requestId!;
}

describe('dead-letter queue', () => {
  it('receives the original event with RequestID, ErrorCode and ErrorMessage attributes once retries are exhausted', async () => {
    sim = newSim();
    const dlq = sim.createQueue('orders-dlq');
    const fn = await deploy(sim, FAILING, { DeadLetterConfig: { TargetArn: dlq.arn } });
    const id = await fire(fn, { id: 42 });
    await sim.settle();
    expect(dlq.arn).toBe('arn:aws:sqs:us-east-1:123456789012:orders-dlq');
    const [message] = dlq.messages();
    expect(dlq.size).toBe(1);
    expect(message!.Body).toBe('{"id":42}');
    expect(message!.MessageAttributes).toEqual({
      RequestID: { DataType: 'String', StringValue: id },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: 'bad order 42' },
    });
    expect(sim.asyncEvents()[0]!.deadLetter).toEqual({ targetArn: dlq.arn, ok: true });
  });

  it('cuts ErrorMessage to its first 1 KB', async () => {
    sim = newSim();
    const dlq = sim.createTopic('dlq-topic');
    const fn = await deploy(sim, `export const handler = async () => { throw new Error('é'.repeat(2000)); };`, { DeadLetterConfig: { TargetArn: dlq.arn } });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumRetryAttempts: 0 });
    await fire(fn, {});
    await sim.settle();
    const text = dlq.messages()[0]!.MessageAttributes['ErrorMessage']!.StringValue;
    expect(Buffer.byteLength(text)).toBe(1024);
    expect(text).toBe('é'.repeat(512));
    expect(dlq.messages()[0]!.Message).toBe('{}');
  });

  it('counts DeadLetterErrors when the target refuses the message or does not exist, and the event still ends failed', async () => {
    sim = newSim();
    const dlq = sim.createQueue('flaky-dlq');
    dlq.failNext(1);
    const fn = await deploy(sim, FAILING, { DeadLetterConfig: { TargetArn: dlq.arn } });
    const missing = await deploy(sim, FAILING, { DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:123456789012:nobody' } });
    for (const f of [fn, missing]) await sim.putFunctionEventInvokeConfig({ FunctionName: f, MaximumRetryAttempts: 0 });
    await fire(fn, { id: 1 });
    await fire(fn, { id: 2 });
    await fire(missing, { id: 3 });
    await sim.settle();
    expect(dlq.messages().map((m) => m.Body)).toEqual(['{"id":2}']);
    expect(sim.metrics().functions[fn]!.DeadLetterErrors).toBe(1);
    expect(sim.metrics().functions[missing]!.DeadLetterErrors).toBe(1);
    const records = sim.asyncEvents();
    expect(records.map((r) => [r.state, r.deadLetter?.ok])).toEqual([
      ['failed', false],
      ['failed', true],
      ['failed', false],
    ]);
    expect(records[2]!.deadLetter!.error).toMatch(/no queue, topic or bus with ARN arn:aws:sqs:us-east-1:123456789012:nobody/);
  });
});

describe('destinations', () => {
  it('OnSuccess gets the invocation record: condition Success, approximateInvokeCount, request and response payloads', async () => {
    sim = newSim();
    const queue = sim.createQueue('done');
    const fn = await deploy(sim, OK, { FunctionName: 'orders' });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, DestinationConfig: { OnSuccess: { Destination: queue.arn } } });
    const id = await fire(fn, { id: 9 });
    await sim.settle();
    expect(JSON.parse(queue.messages()[0]!.Body)).toEqual({
      version: '1.0',
      timestamp: '2025-01-01T00:00:00.000Z',
      requestContext: { requestId: id, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST', condition: 'Success', approximateInvokeCount: 1 },
      requestPayload: { id: 9 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { done: 9 },
    });
  });

  it('OnFailure to an EventBridge bus: the record as detail, source lambda, detail-type "… - Failure", with functionError', async () => {
    sim = newSim();
    const bus = sim.createEventBus('ops');
    const fn = await deploy(sim, FAILING, { FunctionName: 'pay' });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: bus.arn } } });
    await fire(fn, { id: 5 });
    await sim.settle();
    const [e] = bus.events();
    expect(bus.arn).toBe('arn:aws:events:us-east-1:123456789012:event-bus/ops');
    expect(e).toMatchObject({ source: 'lambda', 'detail-type': 'Lambda Function Invocation Result - Failure', account: '123456789012', region: 'us-east-1' });
    expect(e!.detail).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 },
      requestPayload: { id: 5 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'TypeError', errorMessage: 'bad order 5' },
    });
  });

  it('a DLQ and an on-failure destination both get the failed event', async () => {
    sim = newSim();
    const dlq = sim.createQueue('dlq');
    const topic = sim.createTopic('failures');
    const fn = await deploy(sim, FAILING, { DeadLetterConfig: { TargetArn: dlq.arn } });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: topic.arn } } });
    await fire(fn, { id: 1 });
    await sim.settle();
    expect(dlq.size).toBe(1);
    expect(JSON.parse(topic.messages()[0]!.Message).requestContext.condition).toBe('RetriesExhausted');
  });

  it('a Lambda destination is invoked asynchronously with the record as its event', async () => {
    sim = newSim();
    const audit = sim.createQueue('audit');
    const sink = await deploy(sim, `export const handler = async (record) => { throw new Error(record.requestContext.condition + ':' + record.responsePayload.done); };`, {
      FunctionName: 'sink',
      DeadLetterConfig: { TargetArn: audit.arn },
    });
    await sim.putFunctionEventInvokeConfig({ FunctionName: sink, MaximumRetryAttempts: 0 });
    const fn = await deploy(sim, OK);
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, DestinationConfig: { OnSuccess: { Destination: 'arn:aws:lambda:us-east-1:123456789012:function:sink' } } });
    await fire(fn, { id: 3 });
    await sim.settle();
    // The sink threw with what it read from the record: its own DLQ shows it.
    expect(audit.messages()[0]!.MessageAttributes['ErrorMessage']!.StringValue).toBe('Success:3');
    expect(sim.asyncEvents({ functionName: 'sink' })).toHaveLength(1);
  });

  it('counts DestinationDeliveryFailures when the destination refuses or does not exist', async () => {
    sim = newSim();
    const queue = sim.createQueue('q');
    queue.failAll();
    const fn = await deploy(sim, OK);
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, DestinationConfig: { OnSuccess: { Destination: queue.arn } } });
    await fire(fn, {});
    await sim.settle();
    expect(sim.metrics().functions[fn]!.DestinationDeliveryFailures).toBe(1);
    expect(sim.asyncEvents()[0]!.destination).toMatchObject({ kind: 'OnSuccess', ok: false });
  });
});

describe('event-invoke configs', () => {
  it('put replaces the whole config, update merges, get/list read it, delete removes it', async () => {
    sim = newSim();
    const q = sim.createQueue('q');
    const fn = await deploy(sim, OK, { FunctionName: 'cfg' });
    const put = await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: q.arn } } });
    expect(put).toMatchObject({
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cfg:$LATEST',
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: q.arn } },
    });
    expect(put.LastModified).toBeInstanceOf(Date);
    const updated = await sim.updateFunctionEventInvokeConfig({ FunctionName: fn, MaximumEventAgeInSeconds: 300 });
    expect(updated).toMatchObject({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 300, DestinationConfig: { OnFailure: { Destination: q.arn } } });
    const replaced = await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumEventAgeInSeconds: 120 });
    expect(replaced.MaximumRetryAttempts).toBeUndefined();
    expect(replaced.DestinationConfig).toEqual({ OnSuccess: {}, OnFailure: {} });
    expect((await sim.getFunctionEventInvokeConfig({ FunctionName: fn })).MaximumEventAgeInSeconds).toBe(120);
    expect((await sim.listFunctionEventInvokeConfigs({ FunctionName: fn })).FunctionEventInvokeConfigs).toHaveLength(1);
    await sim.deleteFunctionEventInvokeConfig({ FunctionName: fn });
    await expect(sim.getFunctionEventInvokeConfig({ FunctionName: fn })).rejects.toThrow(
      new ResourceNotFoundException("The function arn:aws:lambda:us-east-1:123456789012:function:cfg:$LATEST doesn't have an EventInvokeConfig"),
    );
  });

  it('configs are per qualifier: an alias has its own', async () => {
    sim = newSim();
    const fn = await deploy(sim, `export const handler = async () => { throw new Error('x'); };`);
    await sim.publishVersion({ FunctionName: fn });
    await sim.createAlias({ FunctionName: fn, Name: 'live', FunctionVersion: '1' });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, Qualifier: 'live', MaximumRetryAttempts: 0 });
    await sim.invoke({ FunctionName: `${fn}:live`, InvocationType: 'Event' });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event' });
    await sim.settle();
    const byQualifier = Object.fromEntries(sim.asyncEvents().map((r) => [r.qualifier, r.attempts.map((a) => a.executedVersion)]));
    expect(byQualifier).toEqual({ live: ['1'], $LATEST: ['$LATEST', '$LATEST', '$LATEST'] });
    await expect(sim.updateFunctionEventInvokeConfig({ FunctionName: fn, MaximumRetryAttempts: 1 })).rejects.toThrow(ResourceNotFoundException);
  });

  it('validates ranges and destination ARNs with the service wording', async () => {
    sim = newSim();
    const fn = await deploy(sim, OK);
    await expect(sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumRetryAttempts: 3 })).rejects.toThrow(
      new InvalidParameterValueException("1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"),
    );
    await expect(sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumEventAgeInSeconds: 59 })).rejects.toThrow(
      "1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60",
    );
    await expect(sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumEventAgeInSeconds: 21_601 })).rejects.toThrow('less than or equal to 21600');
    await expect(sim.putFunctionEventInvokeConfig({ FunctionName: fn, DestinationConfig: { OnSuccess: { Destination: 'arn:aws:s3:::bucket' } } })).rejects.toThrow(
      /The destination ARN arn:aws:s3:::bucket is invalid/,
    );
    await expect(sim.putFunctionEventInvokeConfig({ FunctionName: 'missing', MaximumRetryAttempts: 1 })).rejects.toThrow(ResourceNotFoundException);
  });
});

describe('in-memory targets', () => {
  it('createQueue/createTopic/createEventBus return the same target for the same name and refuse bad names', () => {
    sim = newSim();
    expect(sim.createQueue('a')).toBe(sim.createQueue('a'));
    expect(sim.createTopic('a').arn).toBe('arn:aws:sns:us-east-1:123456789012:a');
    expect(() => sim.createQueue('bad name')).toThrow(/Expected a queue name of 1-80 characters/);
  });
});
