/**
 * Issue 17: the Powertools Event Handler REST router (it builds WHATWG Request, Response and
 * Headers objects; it died with "ReferenceError: Headers is not defined" before) answers API
 * Gateway events in the sandbox as the same handler does on the host.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { newSim } from '../helpers.js';

const dir = fileURLToPath(new URL('../fixtures/powertools-router/', import.meta.url));
let sim: LambdaSimulator;
let onHost: (event: unknown, context: unknown) => Promise<unknown>;
beforeAll(async () => {
  sim = newSim({ seed: 21 });
  await sim.createFunction({ FunctionName: 'router', Handler: 'index.handler', Code: { Path: dir } });
  onHost = ((await import(`${dir}index.mjs`)) as { handler: typeof onHost }).handler;
});
afterAll(() => sim.close());

const event = (method: string, path: string, body: string | null = null): Record<string, unknown> => ({
  resource: path, path, httpMethod: method, headers: { 'content-type': 'application/json' }, multiValueHeaders: { 'content-type': ['application/json'] },
  queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null,
  requestContext: { httpMethod: method, path, stage: 'prod', requestId: 'r1', identity: { sourceIp: '203.0.113.9' } }, body, isBase64Encoded: false,
});

describe('Powertools Event Handler router', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['a route with a path parameter', event('GET', '/orders/7')],
    ['a NotFoundError thrown by the route', event('GET', '/orders/missing')],
    ['a POST whose JSON body the route reads through req.json()', event('POST', '/orders', '{"sku":"a"}')],
    ['a route that is not there', event('GET', '/nothing')],
  ];
  for (const [name, e] of cases) {
    it(`${name}: the same answer as on the host`, async () => {
      const out = await sim.invoke({ FunctionName: 'router', Payload: JSON.stringify(e) });
      expect(out.FunctionError).toBeUndefined();
      const want = await onHost(JSON.parse(JSON.stringify(e)), { awsRequestId: 'r1', getRemainingTimeInMillis: () => 3000 });
      expect(JSON.parse(out.Payload!.transformToString())).toEqual(JSON.parse(JSON.stringify(want)));
    });
  }
});
