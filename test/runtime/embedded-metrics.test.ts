/**
 * Issue 17: aws-embedded-metrics (v4) as its README writes a Lambda handler. On Lambda the library
 * picks its Lambda environment (AWS_LAMBDA_FUNCTION_NAME is set) and its console sink: each flush
 * is one console.log of an Embedded Metric Format document, which the function's log must hold.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, newSim } from '../helpers.js';

const Path = fileURLToPath(new URL('../fixtures/embedded-metrics/', import.meta.url));
let sim: LambdaSimulator;
beforeAll(async () => {
  sim = newSim({ seed: 3 });
  await sim.createFunction({ FunctionName: 'checkout', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Path } });
  await sim.createFunction({ FunctionName: 'refunds', Handler: 'index.explicit', Runtime: 'nodejs20.x', Code: { Path } });
});
afterAll(() => sim.close());

/** The EMF documents of a tail log: console.log lines (`<time>\t<request id>\tINFO\t<message>`) whose message is one. */
function emfDocuments(log: string, requestId: string): Array<Record<string, unknown>> {
  return log
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((f) => f.length === 4 && f[1] === requestId && f[2] === 'INFO' && f[3]!.includes('"_aws"'))
    .map((f) => JSON.parse(f[3]!) as Record<string, unknown>);
}

describe('aws-embedded-metrics', () => {
  it('metricScope flushes one EMF document to stdout: namespace, metrics with units and resolution, dimensions with the Lambda defaults, values and properties', async () => {
    const r = await call(sim, 'checkout', { latency: 120, items: 3, orderId: 'o-9' });
    expect(r.out.FunctionError, r.text + r.log).toBeUndefined();
    expect(r.payload).toEqual({ ok: true });
    const docs = emfDocuments(r.log, r.out.$metadata.requestId!);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toEqual({
      _aws: {
        // The simulator's clock: virtual time starts at 2025-01-01T00:00:00Z.
        Timestamp: Date.UTC(2025, 0, 1),
        CloudWatchMetrics: [{
          Namespace: 'Bookings',
          // The library's Lambda defaults (LogGroup and ServiceName: the function's name) plus the handler's own.
          Dimensions: [['LogGroup', 'ServiceName', 'ServiceType', 'Service']],
          Metrics: [{ Name: 'ProcessingLatency', Unit: 'Milliseconds' }, { Name: 'Items', Unit: 'Count', StorageResolution: 1 }],
        }],
      },
      LogGroup: 'checkout', ServiceName: 'checkout', ServiceType: 'AWS::Lambda::Function', Service: 'Checkout',
      ProcessingLatency: 120, Items: 3, OrderId: 'o-9',
      // Properties the library reads from Lambda's environment variables.
      executionEnvironment: 'AWS_Lambda_nodejs20.x', memorySize: '128', functionVersion: '$LATEST',
      logStreamId: expect.stringMatching(/^2025\/01\/01\/\[\$LATEST\][0-9a-f]{32}$/) as unknown,
    });
  });

  it('createMetricsLogger().flush() with setDimensions replacing the defaults: one document per flush, per invocation', async () => {
    for (const refunds of [2, 5]) {
      const r = await call(sim, 'refunds', { refunds });
      expect(r.payload).toEqual({ flushed: true });
      const docs = emfDocuments(r.log, r.out.$metadata.requestId!);
      expect(docs).toHaveLength(1);
      expect(docs[0]).toMatchObject({
        _aws: { CloudWatchMetrics: [{ Namespace: 'Bookings', Dimensions: [['Stage']], Metrics: [{ Name: 'Refunds', Unit: 'Count' }] }] },
        Stage: 'prod', Refunds: refunds,
      });
      expect(docs[0]).not.toHaveProperty('LogGroup');
    }
  });
});
