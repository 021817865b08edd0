/**
 * Issue 17: the Powertools Tracer (aws-xray-sdk-core underneath, which imports dgram) runs a
 * handler as its docs write it: captureLambdaHandler(tracer) as Middy middleware, putAnnotation
 * and putMetadata. On an unsampled invocation (PassThrough tracing: Sampled=0) the Tracer records
 * the handler's subsegment and sends nothing; on a sampled one (Active tracing: X-Ray's default
 * rule samples a function's first invocation each second) the X-Ray SDK sends the subsegment as a
 * UDP datagram to AWS_XRAY_DAEMON_ADDRESS, which the sandbox's dgram accepts (it threw
 * ERR_LAMBDA_SIM_UNSUPPORTED, and the Tracer warned that the segment was lost).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, newSim } from '../helpers.js';

const Path = fileURLToPath(new URL('../fixtures/powertools-tracer/', import.meta.url));
let sim: LambdaSimulator;
beforeAll(async () => {
  sim = newSim({ seed: 11 });
  await sim.createFunction({ FunctionName: 'bookings', Handler: 'index.handler', Runtime: 'nodejs20.x', TracingConfig: { Mode: 'PassThrough' }, Code: { Path } });
  await sim.createFunction({
    FunctionName: 'sampled', Handler: 'index.handler', Runtime: 'nodejs20.x', TracingConfig: { Mode: 'Active' }, Code: { Path },
    // The X-Ray SDK's debug log, which shows each datagram it sent (to AWS_XRAY_DAEMON_ADDRESS, which Lambda sets).
    Environment: { Variables: { AWS_XRAY_DEBUG_MODE: 'true' } },
  });
});
afterAll(() => sim.close());

interface Answer {
  booked: string;
  tracingEnabled: boolean;
  sampled: boolean;
  rootTraceId: string | null;
  header: string | null;
  segment: { name: string; annotations: Record<string, unknown>; metadata: Record<string, unknown> } | null;
}

/** Log lines at WARN or ERROR (the Tracer and the X-Ray SDK report lost segments there). */
const complaints = (log: string): string[] => log.split('\n').filter((l) => /\t(WARN|ERROR)\t/.test(l));

describe('Powertools Tracer', () => {
  it('captureLambdaHandler on an unsampled invocation: tracing on, the handler subsegment with ColdStart, Service and the annotation, as on the host', async () => {
    const first = await call(sim, 'bookings', { bookingId: 'b-1' });
    expect(first.out.FunctionError, first.text + first.log).toBeUndefined();
    const a = first.payload as Answer;
    expect(a.header).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(a).toEqual({
      booked: 'b-1', tracingEnabled: true, sampled: false,
      // The Tracer reads the invocation's trace header (_X_AMZN_TRACE_ID).
      rootTraceId: /Root=([^;]+)/.exec(a.header!)![1],
      header: a.header,
      segment: { name: '## index.handler', annotations: { ColdStart: true, Service: 'bookings', bookingId: 'b-1' }, metadata: { bookings: { request: { bookingId: 'b-1' } } } },
    });
    expect(complaints(first.log)).toEqual([]);
    const second = (await call(sim, 'bookings', { bookingId: 'b-2' })).payload as Answer;
    expect(second.segment?.annotations).toEqual({ ColdStart: false, Service: 'bookings', bookingId: 'b-2' });
    expect(second.rootTraceId).not.toBe(a.rootTraceId);

    // The same module on the host, with the variables Lambda sets that the Tracer and the X-Ray SDK read.
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x', LAMBDA_TASK_ROOT: '/var/task', _HANDLER: 'index.handler', _X_AMZN_TRACE_ID: a.header!, AWS_LAMBDA_FUNCTION_NAME: 'bookings', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000', AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR' });
      const { handler } = (await import('../fixtures/powertools-tracer/index.js')) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
      const onHost = await handler({ bookingId: 'b-1' }, { functionName: 'bookings', awsRequestId: 'r1', getRemainingTimeInMillis: () => 3000 });
      expect(JSON.parse(JSON.stringify(onHost))).toEqual(a);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('on a sampled invocation the X-Ray SDK sends the subsegment (annotations, metadata, the response) to the daemon over UDP, and nothing is lost', async () => {
    const r = await call(sim, 'sampled', { bookingId: 'b-3' });
    expect(r.out.FunctionError, r.text + r.log).toBeUndefined();
    const a = r.payload as Answer;
    expect(a).toMatchObject({ booked: 'b-3', tracingEnabled: true, sampled: true });
    const [, root, parent] = /^Root=([^;]+);Parent=([^;]+);Sampled=1$/.exec(a.header!)!;
    // The SDK's debug log after its send callback reported success: "UDP message sent: <the subsegment>".
    const sent = r.log.split('\n').filter((l) => l.includes('\tUDP message sent: ')).map((l) => JSON.parse(l.slice(l.indexOf('UDP message sent: ') + 18)) as Record<string, unknown>);
    expect(sent).toEqual([{
      id: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown, name: '## index.handler', type: 'subsegment', trace_id: root, parent_id: parent,
      start_time: Date.UTC(2025, 0, 1) / 1000, end_time: Date.UTC(2025, 0, 1) / 1000,
      annotations: { ColdStart: true, Service: 'bookings', bookingId: 'b-3' },
      metadata: { bookings: { request: { bookingId: 'b-3' }, 'index.handler response': a } },
    }]);
    expect(complaints(r.log)).toEqual([]);
  });
});
