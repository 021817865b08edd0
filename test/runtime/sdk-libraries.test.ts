/**
 * Issue 17, part 5: the SDK surface of real handlers beyond clients and commands: streamed and
 * byte inputs (PutObject's Body), sent by the real S3 client on the host.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LambdaSimulator, LambdaSimulatorOptions } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function run(options: LambdaSimulatorOptions, source: string, event: unknown = {}, extra: object = {}): Promise<Awaited<ReturnType<typeof call>>> {
  sim = newSim({ seed: 17, ...options });
  const fn = await deploy(sim, source, extra);
  return call(sim, fn, event);
}

interface SeenRequest {
  path: string;
  length: string | undefined;
  body: string;
}

/** A `{ requestHandler }` route for S3: records what the real client sends and answers 200 with an ETag. */
function s3Recorder(): { handler: { handle(request: unknown): Promise<unknown>; destroy(): void }; requests: SeenRequest[] } {
  const requests: SeenRequest[] = [];
  return {
    requests,
    handler: {
      handle(request: unknown): Promise<unknown> {
        const r = request as { path: string; headers: Record<string, string>; body?: unknown };
        const body = typeof r.body === 'string' ? r.body : r.body instanceof Uint8Array ? Buffer.from(r.body).toString() : `<${typeof r.body}>`;
        requests.push({ path: r.path, length: r.headers['content-length'], body });
        return Promise.resolve({ response: { statusCode: 200, headers: { etag: `"e${requests.length}"` }, body: new Uint8Array(0) } });
      },
      destroy(): void {},
    },
  };
}

describe('streamed and byte inputs (PutObject Body)', () => {
  it('sends a string, a Buffer, a Uint8Array, a Node Readable, a web ReadableStream and a Blob as their bytes', async () => {
    const route = s3Recorder();
    const source = `import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3'; import { Readable } from 'node:stream';
      const s3 = new S3Client({});
      const put = (Key, Body) => s3.send(new PutObjectCommand({ Bucket: 'b', Key, Body }));
      export const handler = async () => {
        const web = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('web ')); c.enqueue(new TextEncoder().encode('stream')); c.close(); } });
        const readable = Readable.from(['node ', Buffer.from('readable')]);
        const out = [];
        // (A one-letter bucket cannot be a host name: the SDK puts it in the path.)
        out.push((await put('string', 'a string')).ETag);
        out.push((await put('buffer', Buffer.from('a buffer'))).ETag);
        out.push((await put('bytes', new TextEncoder().encode('some bytes'))).ETag);
        out.push((await put('readable', readable)).ETag);
        out.push((await put('web', web)).ETag);
        out.push((await put('blob', new Blob(['a ', 'blob']))).ETag);
        return out;
      };`;
    const r = await run({ aws: { s3: { requestHandler: route.handler } } }, source);
    expect(r.out.FunctionError, r.text).toBeUndefined();
    expect(r.payload).toEqual(['"e1"', '"e2"', '"e3"', '"e4"', '"e5"', '"e6"']);
    expect(route.requests.map((q) => [q.path, q.body, q.length])).toEqual([
      ['/b/string', 'a string', '8'],
      ['/b/buffer', 'a buffer', '8'],
      ['/b/bytes', 'some bytes', '10'],
      ['/b/readable', 'node readable', '13'],
      ['/b/web', 'web stream', '10'],
      ['/b/blob', 'a blob', '6'],
    ]);
  });

  it(`refuses a stream past the bound (32 MiB) with a RangeError coded ERR_LAMBDA_SIM_BODY_TOO_LARGE, before anything is sent`, async () => {
    const route = s3Recorder();
    const source = `import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3'; import { Readable } from 'node:stream';
      export const handler = async () => {
        let produced = 0;
        const big = Readable.from((function* () { for (let i = 0; i < 40; i++) { produced++; yield Buffer.alloc(1048576, 97); } })());
        try { await new S3Client({}).send(new PutObjectCommand({ Bucket: 'b', Key: 'big', Body: big })); return 'sent'; }
        catch (e) { return [e.name, e.code, e.message, produced, big.destroyed]; }
      };`;
    const r = await run({ aws: { s3: { requestHandler: route.handler } } }, source, {}, { MemorySize: 512 });
    const [name, code, message, produced, destroyed] = r.payload as [string, string, string, number, boolean];
    expect([name, code, destroyed]).toEqual(['RangeError', 'ERR_LAMBDA_SIM_BODY_TOO_LARGE', true]);
    // Read until past the bound (Readable.from reads one chunk ahead), not to the stream's end.
    expect(produced).toBeGreaterThanOrEqual(33);
    expect(produced).toBeLessThan(40);
    expect(message).toMatch(/^lambda-sim: the Body of PutObjectCommand is over 33554432 bytes/);
    expect(route.requests).toEqual([]);
  });
});
