/**
 * Issue 17, part 5: the runtime-provided SDK as real handlers use it beyond `new XClient()` +
 * `send()`: aggregated clients (`new SSM().getParameter()`, `new S3()`), `DynamoDBDocument.from()`,
 * and streaming bodies (S3 GetObject's Body: transformToString, async iteration, pipe,
 * transformToWebStream), answered on the host by the real SDK under aws-sdk-client-mock.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { sdkStreamMixin } from '@smithy/util-stream';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);
const doc = mockClient(DynamoDBDocumentClient);
let sim: LambdaSimulator;
beforeAll(() => {
  sim = newSim({ seed: 14, aws: { s3: 'sdk', ssm: 'sdk', dynamodb: 'sdk' } });
});
afterEach(() => {
  s3.reset();
  ssm.reset();
  doc.reset();
});
afterAll(() => sim.close());

const body = (text: string): ReturnType<typeof sdkStreamMixin> => sdkStreamMixin(Readable.from([Buffer.from(text.slice(0, 3)), Buffer.from(text.slice(3))]));

describe('the SDK surface of real handlers', () => {
  it('S3 GetObject: Body is a stream with transformToString, async iteration, pipe and transformToWebStream, as on Node', async () => {
    s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => ({ Body: body(`content of ${input.Key}`), ContentType: 'text/plain', ContentLength: 17 }));
    const fn = await deploy(sim, `import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3'; import { Writable } from 'node:stream';
      const s3 = new S3Client({});
      const get = (Key) => s3.send(new GetObjectCommand({ Bucket: 'b', Key }));
      export const handler = async () => {
        const a = await get('a.txt'); const text = await a.Body.transformToString();
        let twice; try { await a.Body.transformToString(); } catch (e) { twice = e.message; }
        const b = await get('b.txt'); const chunks = []; for await (const c of b.Body) chunks.push(Buffer.from(c).toString());
        const c = await get('c.txt'); const piped = await new Promise((res) => { let t = ''; c.Body.pipe(new Writable({ write(ch, _e, cb) { t += ch; cb(); } })).on('finish', () => res(t)); });
        const d = await get('d.txt'); const reader = d.Body.transformToWebStream().getReader(); const first = await reader.read();
        return [text, twice, chunks.join(''), piped, Buffer.from(first.value).toString(), a.ContentType, a.ContentLength, typeof a.Body.on];
      };`);
    const r = await call(sim, fn);
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.payload).toEqual(['content of a.txt', 'The stream has already been transformed.', 'content of b.txt', 'content of c.txt', 'content of d.txt', 'text/plain', 17, 'function']);
  });

  it('aggregated clients: new SSM().getParameter(), new S3().getObject(), with callbacks too', async () => {
    ssm.on(GetParameterCommand, { Name: '/app/key' }).resolves({ Parameter: { Name: '/app/key', Value: 'secret', Type: 'SecureString' } });
    s3.on(GetObjectCommand).resolves({ Body: body('agg body') });
    const fn = await deploy(sim, `import { SSM } from '@aws-sdk/client-ssm'; import { S3 } from '@aws-sdk/client-s3';
      export const handler = async () => {
        const ssm = new SSM({ region: 'eu-west-1' });
        const p = await ssm.getParameter({ Name: '/app/key', WithDecryption: true });
        const viaCallback = await new Promise((res, rej) => ssm.getParameter({ Name: '/app/key' }, (e, out) => (e ? rej(e) : res(out.Parameter.Value))));
        const o = await new S3({}).getObject({ Bucket: 'b', Key: 'k' });
        return [p.Parameter.Value, viaCallback, await o.Body.transformToString(), ssm instanceof (await import('@aws-sdk/client-ssm')).SSMClient, typeof ssm.putParameter];
      };`);
    expect((await call(sim, fn)).payload).toEqual(['secret', 'secret', 'agg body', true, 'function']);
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({ Name: '/app/key', WithDecryption: true });
  });

  it('DynamoDBDocument.from(new DynamoDB()): get and put through the document client on the host', async () => {
    const table = new Map<string, unknown>();
    doc.on(PutCommand).callsFake(async (input: { Item: { id: string } }) => {
      table.set(input.Item.id, input.Item);
      return {};
    });
    doc.on(GetCommand).callsFake(async (input: { Key: { id: string } }) => ({ Item: table.get(input.Key.id) }));
    const fn = await deploy(sim, `import { DynamoDB } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
      const db = DynamoDBDocument.from(new DynamoDB({}), { marshallOptions: { removeUndefinedValues: true } });
      export const handler = async () => { await db.put({ TableName: 't', Item: { id: 'o-1', total: 42, note: undefined } }); return (await db.get({ TableName: 't', Key: { id: 'o-1' } })).Item; };`);
    expect((await call(sim, fn)).payload).toEqual({ id: 'o-1', total: 42 });
  });
});
