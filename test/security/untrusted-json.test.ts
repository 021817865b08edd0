/**
 * Issue 16, class 7: values that came from a sandbox or a client are untrusted JSON. A payload
 * nested 200,000 levels deep parses (V8's JSON.parse is iterative) but does not stringify: the
 * destination record's JSON.stringify threw out of a kernel event, `settle()` rejected and an
 * unrelated concurrent invoke failed with the same RangeError. Now such work fails (or succeeds)
 * for that one event only, recorded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';
import { raw } from '../wire/support.js';

const DEPTH = 200_000;
const deepArray = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH / 2) + '1' + '}'.repeat(DEPTH / 2); // 600 KB: under the 1 MB Event limit

/** A handler whose response text is `text` (it replaces the JSON.stringify the runtime uses on its result). */
const answering = (text: string): string => `export const handler = async () => { JSON.stringify = () => ${JSON.stringify(text)}; return 1; };`;

describe.each(['in-process', 'supervised'] as const)('deeply nested JSON from handlers and clients (%s)', (mode) => {
  let sim: LambdaSimulator;
  beforeEach(() => {
    sim = newSim({ seed: 7, sandbox: mode });
  });
  afterEach(() => sim.close());

  /** A function that sleeps 1 s of simulated time: it runs while the deep event is handled. */
  const neighbour = async (): Promise<string> => deploy(sim, `export const handler = async (e) => { await new Promise((r) => setTimeout(r, 1000)); return 'neighbour ' + e.n; };`, { FunctionName: 'neighbour' });

  it.each([
    ['a handler’s response nested 200,000 deep (arrays)', answering(deepArray), '{}', deepArray],
    ['a handler’s response nested 200,000 deep (objects)', answering(deepObject), '{}', deepObject],
    ['an Event payload nested 200,000 deep', `export const handler = async () => 'fine';`, deepArray, deepArray],
  ])('%s, to a function with an OnSuccess destination: the record is delivered, and a concurrent invoke and settle() are untouched', async (_, source, payload, deep) => {
    const queue = sim.createQueue('destination');
    await deploy(sim, source, { FunctionName: 'deep' });
    await sim.putFunctionEventInvokeConfig({ FunctionName: 'deep', DestinationConfig: { OnSuccess: { Destination: queue.arn } } });
    await neighbour();
    expect((await sim.invoke({ FunctionName: 'deep', InvocationType: 'Event', Payload: payload })).StatusCode).toBe(202);
    const other = await call(sim, 'neighbour', { n: 1 });
    expect(other.payload).toBe('neighbour 1');
    await sim.settle();
    expect(sim.asyncEvents().map((e) => e.state)).toEqual(['succeeded']);
    const [message] = queue.messages();
    const record = JSON.parse(message!.Body) as { requestContext: { condition: string }; requestPayload: unknown; responsePayload: unknown };
    expect(record.requestContext.condition).toBe('Success');
    // The deep part arrives whole: its text is exactly what was sent or answered.
    expect(message!.Body.includes(deep)).toBe(true);
  });

  it('a deep failure response to an OnFailure destination (and an EventBridge bus) after its retries', async () => {
    const queue = sim.createQueue('failures');
    const bus = sim.createEventBus('bus');
    await deploy(sim, `export const handler = async () => { JSON.stringify = () => ${JSON.stringify(deepArray)}; throw new Error('no'); };`, { FunctionName: 'deepfail' });
    await deploy(sim, `export const handler = async () => { throw new Error('plain'); };`, { FunctionName: 'plainfail' });
    await sim.putFunctionEventInvokeConfig({ FunctionName: 'deepfail', MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: queue.arn } } });
    await sim.putFunctionEventInvokeConfig({ FunctionName: 'plainfail', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: bus.arn } } });
    await neighbour();
    await sim.invoke({ FunctionName: 'deepfail', InvocationType: 'Event', Payload: deepArray });
    await sim.invoke({ FunctionName: 'plainfail', InvocationType: 'Event', Payload: deepObject });
    expect((await call(sim, 'neighbour', { n: 2 })).payload).toBe('neighbour 2');
    await sim.settle();
    expect(sim.asyncEvents().map((e) => [e.functionName, e.state]).sort()).toEqual([['deepfail', 'failed'], ['plainfail', 'failed']]);
    expect(queue.messages()).toHaveLength(1);
    expect(JSON.parse(queue.messages()[0]!.Body)).toMatchObject({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 } });
    expect(bus.events()).toHaveLength(1);
  });

  it('the same deep event replays identically from the seed', async () => {
    const run = async (s: LambdaSimulator): Promise<string> => {
      const q = s.createQueue('replay');
      await deploy(s, answering(deepArray), { FunctionName: 'replay' });
      await s.putFunctionEventInvokeConfig({ FunctionName: 'replay', DestinationConfig: { OnSuccess: { Destination: q.arn } } });
      await s.invoke({ FunctionName: 'replay', InvocationType: 'Event', Payload: deepObject });
      await s.settle();
      return q.messages()[0]!.Body;
    };
    const again = newSim({ seed: 7, sandbox: mode });
    try {
      expect(await run(sim)).toBe(await run(again));
    } finally {
      await again.close();
    }
  });
});

describe('over HTTP', () => {
  let sim: LambdaSimulator;
  beforeEach(() => {
    sim = newSim({ seed: 7 });
  });
  afterEach(() => sim.close());

  it('a client’s deep Event payload is accepted (202), delivered to the destination, and the endpoint keeps serving', async () => {
    const queue = sim.createQueue('http-destination');
    await deploy(sim, `export const handler = async (e) => Array.isArray(e);`, { FunctionName: 'deephttp' });
    await sim.putFunctionEventInvokeConfig({ FunctionName: 'deephttp', DestinationConfig: { OnSuccess: { Destination: queue.arn } } });
    const endpoint = await sim.listen();
    try {
      const accepted = await raw(endpoint.url, 'POST', '/2015-03-31/functions/deephttp/invocations', deepArray, { 'x-amz-invocation-type': 'Event' });
      expect(accepted.status).toBe(202);
      const sync = await raw(endpoint.url, 'POST', '/2015-03-31/functions/deephttp/invocations', deepObject);
      expect(sync.status).toBe(200);
      expect(sync.body).toBe('false');
      await sim.settle();
      expect(JSON.parse(queue.messages()[0]!.Body)).toMatchObject({ responsePayload: true });
      expect((await raw(endpoint.url, 'GET', '/2015-03-31/functions')).status).toBe(200);
    } finally {
      await endpoint.close();
    }
  });

  it('deep values in control-plane requests are 400 InvalidParameterValueException', async () => {
    const endpoint = await sim.listen();
    try {
      for (const body of [
        `{"FunctionName":"a","Role":"arn:aws:iam::123456789012:role/r","Handler":"index.handler","Runtime":"nodejs20.x","Code":{"ZipFile":"UEs="},"Environment":{"Variables":${deepArray}}}`,
        `{"FunctionName":"a","Role":"arn:aws:iam::123456789012:role/r","Handler":"index.handler","Runtime":"nodejs20.x","Code":{"ZipFile":"UEs="},"Tags":{"a":${deepObject}}}`,
        `{"FunctionName":${deepArray}}`,
      ]) {
        const answer = await raw(endpoint.url, 'POST', '/2015-03-31/functions', body, { 'content-type': 'application/json' });
        expect(answer.status).toBe(400);
        expect(answer.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
      }
    } finally {
      await endpoint.close();
    }
  });
});
