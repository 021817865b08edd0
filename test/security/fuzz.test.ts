/**
 * Hostile input (issue 9, first part): random and malformed InvokeCommandInputs and HTTP requests.
 * Never a crash, a hang or an untyped error: every answer is a success or a typed AWS error.
 */
import fc from 'fast-check';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaSimError, LambdaSimulator, type LambdaEndpoint } from '../../src/index.js';

let sim: LambdaSimulator;
let endpoint: LambdaEndpoint;
beforeAll(async () => {
  sim = new LambdaSimulator({ seed: 1 });
  await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: 'export const handler = async (e) => e;' } });
  await sim.publishVersion({ FunctionName: 'f' });
  endpoint = await sim.listen();
});
afterAll(async () => {
  await endpoint.close();
  await sim.close();
});

const anything = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.boolean(), fc.object({ maxDepth: 2 }), fc.uint8Array({ maxLength: 16 }));
const invokeInput = fc.record(
  {
    FunctionName: fc.oneof(fc.constantFrom('f', 'f:1', 'f:$LATEST', 'arn:aws:lambda:us-east-1:123456789012:function:f', 'g', '', 'f:nope', 'a'.repeat(200)), fc.string(), anything),
    InvocationType: fc.oneof(fc.constantFrom('RequestResponse', 'Event', 'DryRun'), anything),
    LogType: fc.oneof(fc.constantFrom('None', 'Tail'), anything),
    Payload: fc.oneof(fc.json(), fc.string(), fc.uint8Array({ maxLength: 64 }), anything),
    ClientContext: fc.oneof(fc.base64String({ maxLength: 40 }), anything),
    Qualifier: fc.oneof(fc.constantFrom('1', '$LATEST', 'x'), anything),
  },
  { requiredKeys: [] },
);

describe('hostile input', () => {
  it('random InvokeCommandInputs: a success or a typed AWS error, and the simulator keeps working', async () => {
    await fc.assert(
      fc.asyncProperty(invokeInput, async (input) => {
        try {
          const out = await sim.invoke(input as never);
          expect([200, 202, 204]).toContain(out.StatusCode);
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(LambdaSimError);
          expect((e as LambdaSimError).$metadata.httpStatusCode).toBeGreaterThanOrEqual(400);
        }
      }),
      { numRuns: 300, seed: 9 },
    );
    expect((await sim.invoke({ FunctionName: 'f', Payload: '{"ok":1}' })).Payload!.transformToString()).toBe('{"ok":1}');
  }, 60_000);

  it('random HTTP requests (methods, paths, headers, bodies): always a well-formed answer with a status, never a crash', async () => {
    const paths = fc.oneof(
      fc.constantFrom('/2015-03-31/functions/f/invocations', '/2015-03-31/functions', '/2015-03-31/functions/f', '/2017-10-31/functions/f/concurrency', '/2019-09-25/functions/f/event-invoke-config', '/', '/%zz', '/2015-03-31/functions/%E0%A4%A/invocations'),
      fc.webPath(),
    );
    const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
        paths,
        fc.dictionary(fc.constantFrom('x-amz-invocation-type', 'x-amz-log-type', 'x-amz-client-context', 'content-type', 'x-custom'), headerValue, { maxKeys: 3 }),
        fc.oneof(fc.json(), fc.string({ maxLength: 200 }), fc.constant('')),
        async (method, path, headers, body) => {
          const status = await new Promise<number>((resolve, reject) => {
            const req = request(`${endpoint.url}${path.startsWith('/') ? path : `/${path}`}`, { method, headers, agent: false }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode!));
            });
            req.on('error', reject);
            req.end(method === 'GET' || method === 'HEAD' ? undefined : body);
          });
          expect(status).toBeGreaterThanOrEqual(200);
          expect(status).toBeLessThan(600);
          expect(status).not.toBe(500);
        },
      ),
      { numRuns: 150, seed: 10 },
    );
    // Still serving (the random requests may have deleted or changed `f`: that was their right).
    const alive = await new Promise<number>((resolve, reject) => {
      const req = request(`${endpoint.url}/2016-08-19/account-settings`, { agent: false }, (res) => (res.resume(), resolve(res.statusCode!)));
      req.on('error', reject);
      req.end();
    });
    expect(alive).toBe(200);
  }, 120_000);
});
