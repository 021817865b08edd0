import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaSimulator } from '../../src/index.js';
import { call } from '../helpers.js';

const fixture = (p: string): string => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));

let sim: LambdaSimulator | undefined;
const ddb = mockClient(DynamoDBClient);
afterEach(async () => {
  ddb.reset();
  await sim?.close();
  sim = undefined;
});

type Item = Record<string, AttributeValue>;

/** A tiny DynamoDB table on the host, enough for Powertools' idempotency records. */
function fakeTable(): Map<string, Item> {
  const rows = new Map<string, Item>();
  const keyOf = (key: Item | undefined): string => JSON.stringify(key?.['id']);
  ddb.on(PutItemCommand).callsFake((input: { Item: Item }) => {
    const existing = rows.get(keyOf(input.Item));
    if (existing !== undefined && existing['status']?.S === 'COMPLETED' && Number(existing['expiration']?.N) * 1000 > Date.UTC(2025, 0, 1)) {
      throw Object.assign(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } }), { Item: existing });
    }
    rows.set(keyOf(input.Item), input.Item);
    return {};
  });
  ddb.on(GetItemCommand).callsFake((input: { Key: Item }) => ({ Item: rows.get(keyOf(input.Key)) }));
  ddb.on(UpdateItemCommand).callsFake((input: { Key: Item; UpdateExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Item }) => {
    const row = { ...(rows.get(keyOf(input.Key)) ?? input.Key) };
    for (const [, name, value] of input.UpdateExpression.matchAll(/(#\w+)\s*=\s*(:\w+)/g)) row[input.ExpressionAttributeNames[name!]!] = input.ExpressionAttributeValues[value!]!;
    rows.set(keyOf(input.Key), row);
    return {};
  });
  ddb.on(DeleteItemCommand).callsFake((input: { Key: Item }) => {
    rows.delete(keyOf(input.Key));
    return {};
  });
  return rows;
}

describe('the Lambda ecosystem runs unchanged', () => {
  it('Powertools Logger + Idempotency on DynamoDB (runtime-provided SDK, table mocked on the host): the second identical call returns the stored result', async () => {
    const rows = fakeTable();
    sim = new LambdaSimulator({ seed: 1, aws: { dynamodb: 'sdk' } });
    await sim.createFunction({ FunctionName: 'payments', Handler: 'index.handler', Code: { Path: fixture('powertools/index.ts') } });
    const first = await call(sim, 'payments', { orderId: 'o-1', amount: 5 });
    const second = await call(sim, 'payments', { orderId: 'o-1', amount: 5 });
    expect(first.out.FunctionError, first.text + first.log).toBeUndefined();
    expect(first.payload).toMatchObject({ orderId: 'o-1', charged: 5, bodyRuns: 1 });
    expect(second.payload).toEqual(first.payload);
    expect(rows.size).toBe(1);
    expect([...rows.values()][0]!['status']).toEqual({ S: 'COMPLETED' });
    // Powertools writes structured JSON straight to stdout: a raw line in the log.
    const line = first.log.split('\n').find((l) => l.includes('"charging card"'));
    expect(JSON.parse(line!)).toMatchObject({ level: 'INFO', message: 'charging card', service: 'payments', orderId: 'o-1', function_request_id: first.out.$metadata.requestId });
    expect(first.log).not.toContain('Failed to add user agent middleware');
  });

  it('Powertools Batch (partial SQS batch response) and Metrics (an EMF record on stdout)', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction({ FunctionName: 'batch', Handler: 'index.handler', Code: { Path: fixture('powertools-batch/index.ts') } });
    const rec = (id: string, ok: boolean): Record<string, unknown> => ({
      messageId: id, receiptHandle: 'r', body: JSON.stringify({ ok }), attributes: {}, messageAttributes: {}, md5OfBody: '',
      eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q', awsRegion: 'us-east-1',
    });
    const r = await call(sim, 'batch', { Records: [rec('m1', true), rec('m2', false), rec('m3', true)] });
    expect(r.payload).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    const emf = JSON.parse(r.log.split('\n').find((l) => l.startsWith('{"_aws"'))!) as Record<string, unknown>;
    expect(emf).toMatchObject({ _aws: { Timestamp: Date.UTC(2025, 0, 1), CloudWatchMetrics: [{ Namespace: 'shop' }] }, service: 'orders', processed: [1, 1] });
  });

  it('a Middy handler with header normalizer, JSON body parser and error handler', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction({ FunctionName: 'api', Handler: 'index.handler', Code: { Path: fixture('middy/index.ts') } });
    const ok = await call(sim, 'api', { headers: { 'Content-Type': 'application/json' }, body: '{"name":"Ada"}' });
    expect(ok.payload).toEqual({ statusCode: 200, body: '{"hello":"Ada","via":"application/json"}' });
    const invalid = await call(sim, 'api', { headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(invalid.payload).toMatchObject({ statusCode: 422, body: 'name is required' });
  });
});
