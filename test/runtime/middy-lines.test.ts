/**
 * Issue 17: Middy 3, 4 and 5 (installed as npm aliases middyN-*, beside Middy 6 in
 * test/fixtures/middy) run unchanged: core and the JSON body parser on API Gateway events, each
 * line with its own behaviour (Middy 3 keeps rawBody and answers malformed JSON with 422, Middy 4
 * with 415, Middy 5 also refuses a body that is not JSON with 415). The Middy 3 fixture imports
 * @middy/util 3, which makes an https.Agent when it loads (refused at create before). Each answer
 * is checked against what the line does and against the same handler run on the host.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, newSim } from '../helpers.js';

const dir = fileURLToPath(new URL('../fixtures/middy-lines/', import.meta.url));
type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const lines = [3, 4, 5] as const;
let sim: LambdaSimulator;
const onHost = new Map<number, Handler>();
beforeAll(async () => {
  sim = newSim({ seed: 5 });
  for (const v of lines) {
    await sim.createFunction({ FunctionName: `middy${v}`, Handler: `middy${v}.handler`, Runtime: 'nodejs20.x', Code: { Path: dir } });
    onHost.set(v, ((await import(`${dir}middy${v}.mjs`)) as { handler: Handler }).handler);
  }
});
afterAll(() => sim.close());

const apiEvent = (body: string, contentType: string | undefined): Record<string, unknown> => {
  const headers = contentType === undefined ? {} : { 'Content-Type': contentType };
  return {
    resource: '/greet', path: '/greet', httpMethod: 'POST', headers, multiValueHeaders: {}, queryStringParameters: null,
    pathParameters: null, stageVariables: null, requestContext: { httpMethod: 'POST', path: '/prod/greet', stage: 'prod', requestId: 'r1' },
    body, isBase64Encoded: false,
  };
};

/** What the sandbox answered: the payload, or a function error's type and message. */
async function inSandbox(v: number, event: unknown): Promise<unknown> {
  const r = await call(sim, `middy${v}`, event);
  if (r.out.FunctionError === undefined) return r.payload;
  const e = r.payload as { errorType: string; errorMessage: string };
  return { error: e.errorType, message: e.errorMessage };
}

/** The same on the host: the handler's answer, or the name and message of what it threw. */
async function onTheHost(v: number, event: unknown): Promise<unknown> {
  const context = { awsRequestId: 'r1', getRemainingTimeInMillis: () => 3000 };
  try {
    return JSON.parse(JSON.stringify(await onHost.get(v)!(event, context)));
  } catch (e) {
    return { error: (e as Error).name, message: (e as Error).message };
  }
}

const ok = (v: number): unknown => ({ statusCode: 200, body: JSON.stringify({ hello: 'Ada', rawBody: v === 3 ? '{"name":"Ada"}' : null }) });
/** The handler's own refusal: Middy 3's fixture throws createError(400) of @middy/util, the others an Error. */
const refused = (v: number): unknown => ({ error: v === 3 ? 'BadRequestError' : 'Error', message: 'name is required' });
const cases: Array<{ name: string; event: Record<string, unknown>; want: (v: number) => unknown }> = [
  { name: 'a JSON body reaches the handler parsed', event: apiEvent('{"name":"Ada"}', 'application/json'), want: ok },
  { name: 'a JSON body with a charset parameter', event: apiEvent('{"name":"Ada"}', 'application/json; charset=utf-8'), want: ok },
  {
    name: 'malformed JSON is refused by the parser',
    event: apiEvent('{"name":', 'application/json'),
    want: (v) => (v === 3 ? { error: 'UnprocessableEntityError', message: 'Invalid or malformed JSON was provided' } : { error: 'UnsupportedMediaTypeError', message: 'Invalid or malformed JSON was provided' }),
  },
  {
    name: 'a body without a JSON content type',
    event: apiEvent('{"name":"Ada"}', undefined),
    // Middy 3 and 4 pass it on unparsed (the handler sees a string and refuses it); Middy 5 refuses it.
    want: (v) => (v === 5 ? { error: 'UnsupportedMediaTypeError', message: 'Unsupported Media Type' } : refused(v)),
  },
  {
    name: 'the handler refusing a parsed body (Middy 3: createError of @middy/util)',
    event: apiEvent('{"name":5}', 'application/json'),
    want: refused,
  },
];

describe('Middy 3, 4 and 5 with the JSON body parser', () => {
  for (const v of lines) {
    for (const c of cases) {
      it(`Middy ${v}: ${c.name}, as on the host`, async () => {
        const got = await inSandbox(v, c.event);
        expect(got).toEqual(c.want(v));
        expect(got).toEqual(await onTheHost(v, structuredClone(c.event)));
      });
    }
  }
});
