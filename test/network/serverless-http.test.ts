/**
 * Issue 17, part 3: http.IncomingMessage and ServerResponse without a socket, as serverless-http
 * builds them for express: the real express 5 app behind serverless-http (test/fixtures/express-app)
 * answers API Gateway events in the sandbox exactly as it does when the same handler runs on the host.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { newSim } from '../helpers.js';

const path = fileURLToPath(new URL('../fixtures/express-app/index.mjs', import.meta.url));
let sim: LambdaSimulator;
let onHost: (event: unknown, context: unknown) => Promise<unknown>;

beforeAll(async () => {
  sim = newSim({ seed: 2 });
  await sim.createFunction({ FunctionName: 'api', Handler: 'index.handler', Code: { Path: path } });
  onHost = ((await import(path)) as { handler: typeof onHost }).handler;
});
afterAll(() => sim.close());

const v2 = (method: string, rawPath: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  version: '2.0', routeKey: '$default', rawPath, rawQueryString: '', headers: { 'user-agent': 'curl/8' }, isBase64Encoded: false,
  requestContext: { http: { method, path: rawPath, sourceIp: '203.0.113.9', protocol: 'HTTP/1.1', userAgent: 'curl/8' }, stage: '$default', requestId: 'r1' },
  ...extra,
});

const inSandbox = async (event: unknown): Promise<unknown> => {
  const out = await sim.invoke({ FunctionName: 'api', Payload: JSON.stringify(event) });
  const payload = JSON.parse(out.Payload!.transformToString()) as unknown;
  if (out.FunctionError !== undefined) throw new Error(JSON.stringify(payload));
  return payload;
};

describe('express behind serverless-http', () => {
  const events: Array<[string, Record<string, unknown>]> = [
    ['GET with a path parameter and a query (HTTP API, v2)', v2('GET', '/hello/ann', { rawQueryString: 'x=1' })],
    ['POST with a JSON body, a status and a header set by the route', v2('POST', '/items', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'a-1', n: 2 }) })],
    ['two cookies (v2: the cookies field)', v2('GET', '/cookies')],
    ['a route that is not there (express’s 404)', v2('GET', '/nothing')],
    ['a REST API (v1) event with a base64 body', { httpMethod: 'POST', path: '/items', headers: { 'Content-Type': 'application/json' }, multiValueHeaders: { 'Content-Type': ['application/json'] }, queryStringParameters: null, isBase64Encoded: true, body: Buffer.from('{"v1":true}').toString('base64'), requestContext: { identity: { sourceIp: '203.0.113.9' }, requestId: 'r2' } }],
  ];
  for (const [name, event] of events) {
    it(`${name}: the same answer as on the host`, async () => {
      const got = await inSandbox(event);
      const want = await onHost(JSON.parse(JSON.stringify(event)), {});
      expect(got).toEqual(JSON.parse(JSON.stringify(want)));
      expect((got as { statusCode: number }).statusCode).toBeGreaterThanOrEqual(200);
    });
  }

  it('a route that throws: express’s error handler answers 500 (the stack names sandbox files, so only the status is compared)', async () => {
    const got = (await inSandbox(v2('GET', '/boom'))) as { statusCode: number; body: string };
    expect(got.statusCode).toBe(500);
    expect(got.body).toContain('Error: boom');
  });
});
