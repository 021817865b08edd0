/**
 * The HTTP server's manners: errors on the wire as the service sends them, request hygiene,
 * callers for permission checks, long synchronous invokes, clients that go away, graceful close.
 */
import { InvokeCommand, LambdaClient, LambdaServiceException } from '@aws-sdk/client-lambda';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestHandler, LambdaSimulator, type LambdaEndpoint } from '../../src/index.js';
import { raw } from './support.js';

let sim: LambdaSimulator;
let endpoint: LambdaEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
  await sim.close();
});

async function start(options: ConstructorParameters<typeof LambdaSimulator>[0] = {}): Promise<string> {
  sim = new LambdaSimulator({ seed: 1, ...options });
  await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: 'export const handler = async (e, ctx) => ({ e, cc: ctx.clientContext ?? null });' } });
  endpoint = await sim.listen();
  return endpoint.url;
}

describe('errors and headers on the wire', () => {
  it('sends Lambda\'s error shape: status, x-amzn-errortype, a JSON body with Type and message (Reason for throttles)', async () => {
    const url = await start();
    const missing = await raw(url, 'POST', '/2015-03-31/functions/ghost/invocations', '{}');
    expect(missing.status).toBe(404);
    expect(missing.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(JSON.parse(missing.body)).toEqual({ Type: 'User', message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:ghost' });
    await sim.putFunctionConcurrency({ FunctionName: 'f', ReservedConcurrentExecutions: 0 });
    const throttled = await raw(url, 'POST', '/2015-03-31/functions/f/invocations', '{}');
    expect(throttled.status).toBe(429);
    expect(JSON.parse(throttled.body)).toEqual({ Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User', message: 'Rate Exceeded.' });
  });

  it('reads every Invoke header in (invocation type, log type, client context, qualifier) and sends them out', async () => {
    const url = await start();
    const cc = Buffer.from(JSON.stringify({ custom: { a: 1 } })).toString('base64');
    const r = await raw(url, 'POST', '/2015-03-31/functions/f/invocations?Qualifier=%24LATEST', '{"x":1}', { 'x-amz-log-type': 'Tail', 'x-amz-client-context': cc, 'x-amz-invocation-type': 'RequestResponse' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ e: { x: 1 }, cc: { custom: { a: 1 } } });
    expect(r.headers['x-amz-executed-version']).toBe('$LATEST');
    expect(Buffer.from(r.headers['x-amz-log-result'] as string, 'base64').toString()).toMatch(/^START RequestId: /);
    expect(r.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    const event = await raw(url, 'POST', '/2015-03-31/functions/f/invocations', '{}', { 'x-amz-invocation-type': 'Event' });
    expect([event.status, event.body]).toEqual([202, '']);
  });
});

describe('request hygiene', () => {
  it('answers an unknown route 404 with an error body, malformed control-plane JSON 400, an unimplemented operation 501', async () => {
    const url = await start();
    const unknown = await raw(url, 'GET', '/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['x-amzn-errortype']).toBe('UnknownOperationException');
    expect(JSON.parse(unknown.body).message).toBe('No Lambda operation matches GET /nothing/here');
    const bad = await raw(url, 'PUT', '/2017-10-31/functions/f/concurrency', '{oops');
    expect(bad.status).toBe(400);
    expect(bad.headers['x-amzn-errortype']).toBe('InvalidRequestContentException');
    const layers = await raw(url, 'GET', '/2018-10-31/layers');
    expect([layers.status, JSON.parse(layers.body).message]).toEqual([501, 'lambda-sim does not implement the Lambda operation ListLayers yet']);
  });

  it('refuses a body over the limit with 413 RequestEntityTooLargeException without reading it all, and keeps serving', async () => {
    const url = await start();
    const r = await raw(url, 'POST', '/2015-03-31/functions/f/invocations', Buffer.alloc(7 * 1024 * 1024, 0x20));
    expect(r.status).toBe(413);
    expect(r.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect((await raw(url, 'POST', '/2015-03-31/functions/f/invocations', '{"ok":1}')).status).toBe(200);
  });

  it('refuses headers over 16 KB (431) and keeps serving', async () => {
    const url = await start();
    const r = await raw(url, 'GET', '/2016-08-19/account-settings', undefined, { 'x-padding': 'x'.repeat(20_000) });
    expect(r.status).toBe(431);
    expect((await raw(url, 'GET', '/2016-08-19/account-settings')).status).toBe(200);
  });
});

describe('callers and permissions', () => {
  it("with permissions 'enforce', the caller resolved from the signing key is checked: AccessDeniedException (403) as the SDK's generic exception", async () => {
    sim = new LambdaSimulator({ seed: 1, permissions: 'enforce' });
    await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: 'export const handler = async () => 1;' } });
    const caller = (key: string | undefined): string | undefined => (key === 'AKIDSTRANGER' ? 'arn:aws:iam::210987654321:role/stranger' : undefined);
    endpoint = await sim.listen({ caller });
    for (const requestHandler of [createRequestHandler(sim, { caller }), undefined]) {
      const client = (key: string): LambdaClient =>
        new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: key, secretAccessKey: 's' }, ...(requestHandler === undefined ? { endpoint: endpoint!.url } : { requestHandler }) });
      const denied = await client('AKIDSTRANGER').send(new InvokeCommand({ FunctionName: 'f' })).catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(LambdaServiceException);
      expect(denied).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
      expect((denied as Error).message).toBe(
        'User: arn:aws:iam::210987654321:role/stranger is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:f because no identity-based policy allows the lambda:InvokeFunction action',
      );
      expect((await client('AKIDOWNER').send(new InvokeCommand({ FunctionName: 'f' }))).StatusCode).toBe(200);
    }
  });
});

describe('long invokes, clients that go away, close', () => {
  it('a client that disconnects mid-invoke does not take the server down; the invocation still ends and is recorded', async () => {
    sim = new LambdaSimulator({ seed: 1, clock: 'real', timeScale: 20 });
    await sim.createFunction({ FunctionName: 'slow', Handler: 'index.handler', Runtime: 'nodejs20.x', Timeout: 900, Code: { Source: 'export const handler = async () => { await new Promise((r) => setTimeout(r, 4000)); return "late"; };' } });
    endpoint = await sim.listen();
    const ended = new Promise<string>((resolve) => sim.on('invocation:end', (r) => resolve(r.payload)));
    const started = new Promise<void>((resolve) => sim.on('invocation:start', () => resolve()));
    const req = request(`${endpoint.url}/2015-03-31/functions/slow/invocations`, { method: 'POST' });
    req.on('error', () => {});
    req.end('{}');
    await started;
    req.destroy();
    expect(await ended).toBe('"late"');
    const url = endpoint.url;
    expect((await raw(url, 'GET', '/2015-03-31/functions/slow')).status).toBe(200);
  });

  it('close() lets an in-flight invoke finish, then stops listening', async () => {
    sim = new LambdaSimulator({ seed: 1, clock: 'real', timeScale: 20 });
    await sim.createFunction({ FunctionName: 'slow', Handler: 'index.handler', Runtime: 'nodejs20.x', Timeout: 900, Code: { Source: 'export const handler = async () => { await new Promise((r) => setTimeout(r, 2000)); return "done"; };' } });
    const ep = await sim.listen();
    const started = new Promise<void>((resolve) => sim.on('invocation:start', () => resolve()));
    const pending = raw(ep.url, 'POST', '/2015-03-31/functions/slow/invocations', '{}');
    await started;
    await ep.close();
    expect(await pending).toMatchObject({ status: 200, body: '"done"' });
    await expect(raw(ep.url, 'GET', '/2016-08-19/account-settings')).rejects.toThrow(/ECONNREFUSED/);
  });
});
