/**
 * Issue 17, part 5: the SDK surface of real handlers beyond clients and commands, with the real
 * library versions this project installs: `getSignedUrl` (@aws-sdk/s3-request-presigner), streamed
 * and byte inputs (PutObject's Body), lib-storage's `Upload`, and waiters (`waitUntil…`).
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator, LambdaSimulatorOptions } from '../../src/index.js';
import { call, deploy, newSim, report } from '../helpers.js';

// Mocks every S3Client's send, the host's included (the 'sdk' routes); the requestHandler routes below lift it.
let s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBClient);
let sim: LambdaSimulator | undefined;
afterEach(async () => {
  s3.reset();
  ddb.reset();
  await sim?.close();
  sim = undefined;
});

/** What the host client of an 'sdk' route signs with (control/aws-sdk.ts). */
const SIMULATED = { accessKeyId: 'ASIASIMULATEDKEY0000', secretAccessKey: 'lambda-sim/simulated/secret/access/key000', sessionToken: 'lambda-sim-simulated-session-token' };

async function run(options: LambdaSimulatorOptions, source: string, event: unknown = {}, extra: object = {}): Promise<Awaited<ReturnType<typeof call>>> {
  sim = newSim({ seed: 17, ...options });
  const fn = await deploy(sim, source, extra);
  return call(sim, fn, event);
}

describe('getSignedUrl (@aws-sdk/s3-request-presigner)', () => {
  const PRESIGN = `import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3'; import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
    export const handler = async (e) => {
      const at = new Date().toISOString();
      const url = await getSignedUrl(new S3Client(e.config), new GetObjectCommand({ Bucket: 'photos', Key: 'a b/c.jpg' }), { expiresIn: 900 });
      return { at, url, type: typeof url };
    };`;

  it("is the real presigner's URL for the routed host client (region, credentials), signed at the simulated time", async () => {
    const r = await run({ aws: { s3: 'sdk' } }, PRESIGN, { config: { region: 'eu-west-1' } });
    const { at, url, type } = r.payload as { at: string; url: string; type: string };
    expect(type).toBe('string');
    const u = new URL(url);
    expect([u.protocol, u.host, u.pathname]).toEqual(['https:', 'photos.s3.eu-west-1.amazonaws.com', '/a%20b/c.jpg']);
    const q = Object.fromEntries(u.searchParams);
    expect(q).toMatchObject({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Expires': '900',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Credential': `${SIMULATED.accessKeyId}/20250101/eu-west-1/s3/aws4_request`,
      'X-Amz-Date': '20250101T000000Z',
      'X-Amz-Security-Token': SIMULATED.sessionToken,
    });
    expect(at).toBe('2025-01-01T00:00:00.000Z');
    // The same presigner on the host, over an equivalent client, at the same date.
    const host = new S3Client({ region: 'eu-west-1', credentials: SIMULATED, defaultsMode: 'legacy' });
    expect(url).toBe(await getSignedUrl(host, new GetObjectCommand({ Bucket: 'photos', Key: 'a b/c.jpg' }), { expiresIn: 900, signingDate: new Date(at) }));
  });

  it("follows an endpoint route's config (a LocalStack-style endpoint, path style, its credentials)", async () => {
    const route = { endpoint: 'http://localhost:4566', forcePathStyle: true, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' } };
    const r = await run({ aws: { s3: route } }, PRESIGN, { config: {} });
    const { at, url } = r.payload as { at: string; url: string };
    const u = new URL(url);
    expect([u.host, u.pathname, u.searchParams.get('X-Amz-Credential')]).toEqual(['localhost:4566', '/photos/a%20b/c.jpg', 'AKIDLOCAL/20250101/us-east-1/s3/aws4_request']);
    const host = new S3Client({ region: 'us-east-1', defaultsMode: 'legacy', ...route });
    expect(url).toBe(await getSignedUrl(host, new GetObjectCommand({ Bucket: 'photos', Key: 'a b/c.jpg' }), { expiresIn: 900, signingDate: new Date(at) }));
  });

  it('fails with typed errors: a { client } route without an SDK client, S3RequestPresigner, an expiry over a week', async () => {
    const source = `import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3'; import { getSignedUrl, S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
      const outcome = async (f) => { try { await f(); return 'ok'; } catch (e) { return [e.name, e.code ?? null, e.message.split(':')[0]]; } };
      export const handler = async () => [
        await outcome(() => getSignedUrl(new S3Client({}), new GetObjectCommand({ Bucket: 'b', Key: 'k' }))),
        await outcome(() => new S3RequestPresigner({})),
        await outcome(() => getSignedUrl(new S3Client({}), new GetObjectCommand({ Bucket: 'b', Key: 'k' }), { expiresIn: 604801 })),
      ];`;
    const r = await run({ aws: { s3: { client: () => ({ send: async () => ({}) }) } } }, source);
    expect(r.payload).toEqual([
      ['LambdaSimConfigurationError', null, 'getSignedUrl runs the real presigner on the host, over the client of the route aws.s3, which must be an AWS SDK client (the presigner reads its config and middleware stack)'],
      ['Error', 'ERR_LAMBDA_SIM_UNSUPPORTED', 'lambda-sim'],
      ['TypeError', null, 'Expected `expiresIn` in getSignedUrl(client, command, options) to be a number of seconds from 1 to 604800 (one week), got `604801` (number)'],
    ]);
  });
});

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
  // The real S3 client serialises the requests here: no mock in between.
  beforeAll(() => s3.restore());
  afterAll(() => {
    s3 = mockClient(S3Client);
  });

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

describe("lib-storage's Upload", () => {
  it('uploads a small body with one PutObject, through the route, with the real Location', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"small"' });
    const source = `import { S3Client } from '@aws-sdk/client-s3'; import { Upload } from '@aws-sdk/lib-storage'; import { Readable } from 'node:stream';
      export const handler = async () => {
        const upload = new Upload({ client: new S3Client({ region: 'eu-west-1' }), params: { Bucket: 'docs', Key: 'notes/a.txt', Body: Readable.from(['hello ', 'upload']) } });
        const progress = [];
        upload.on('httpUploadProgress', (p) => progress.push(p));
        const out = await upload.done();
        return { ETag: out.ETag, Location: out.Location, Key: out.Key, progress };
      };`;
    const r = await run({ aws: { s3: 'sdk' } }, source);
    expect(r.out.FunctionError, r.text).toBeUndefined();
    expect(r.payload).toEqual({
      ETag: '"small"',
      Location: 'https://docs.s3.eu-west-1.amazonaws.com/notes/a.txt',
      Key: 'notes/a.txt',
      progress: [{ loaded: 12, total: 12, part: 1, Key: 'notes/a.txt', Bucket: 'docs' }],
    });
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    expect(Buffer.from(puts[0]!.args[0].input.Body as Uint8Array).toString()).toBe('hello upload');
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('uploads a body over 5 MiB as a multipart upload: CreateMultipartUpload, UploadPart ×2, CompleteMultipartUpload', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number }) => ({ ETag: `"part-${input.PartNumber}"` }));
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"whole"', Location: 'https://docs.s3.us-east-1.amazonaws.com/big.bin', Bucket: 'docs', Key: 'big.bin' });
    const source = `import { S3Client } from '@aws-sdk/client-s3'; import { Upload } from '@aws-sdk/lib-storage';
      export const handler = async () => {
        const Body = Buffer.alloc(6 * 1048576 + 10, 120);
        const upload = new Upload({ client: new S3Client({}), params: { Bucket: 'docs', Key: 'big.bin', Body }, queueSize: 2 });
        const parts = [];
        upload.on('httpUploadProgress', (p) => parts.push([p.part, p.loaded, p.total]));
        const out = await upload.done();
        return { ETag: out.ETag, Location: out.Location, parts };
      };`;
    const r = await run({ aws: { s3: 'sdk' }, hostLatency: { 'aws:s3': 40 } }, source, {}, { MemorySize: 512 });
    expect(r.out.FunctionError, r.text).toBeUndefined();
    const total = 6 * 1048576 + 10;
    expect(r.payload).toEqual({
      ETag: '"whole"',
      Location: 'https://docs.s3.us-east-1.amazonaws.com/big.bin',
      parts: [
        [1, 5 * 1048576, total],
        [2, total, total],
      ],
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(CreateMultipartUploadCommand).map((c) => c.args[0].input)).toMatchObject([{ Bucket: 'docs', Key: 'big.bin' }]);
    const parts = s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input as { PartNumber: number; UploadId: string; Body: Uint8Array });
    expect(parts.map((p) => [p.PartNumber, p.UploadId, p.Body.length]).sort()).toEqual([
      [1, 'up-1', 5 * 1048576],
      [2, 'up-1', 1048586],
    ]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input).toMatchObject({
      UploadId: 'up-1',
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"part-1"' }, { PartNumber: 2, ETag: '"part-2"' }] },
    });
    // The whole upload is one host call: one simulated latency.
    expect(report(r.log)).toContain('Duration: 40.00 ms');
  });

  it('fails done() as the real Upload does after abort(), and checks its options in the constructor', async () => {
    const source = `import { S3Client } from '@aws-sdk/client-s3'; import { Upload } from '@aws-sdk/lib-storage';
      export const handler = async () => {
        const upload = new Upload({ client: new S3Client({}), params: { Bucket: 'b', Key: 'k', Body: 'x' } });
        await upload.abort();
        let aborted; try { await upload.done(); } catch (e) { aborted = [e.name, e.message]; }
        let small; try { new Upload({ client: new S3Client({}), params: { Bucket: 'b', Key: 'k', Body: 'x' }, partSize: 1024 }); } catch (e) { small = e.message; }
        return { aborted, small };
      };`;
    const r = await run({ aws: { s3: 'sdk' } }, source);
    expect(r.payload).toEqual({
      aborted: ['AbortError', 'Upload aborted.'],
      small: 'EntityTooSmall: Your proposed upload part size [1024] is smaller than the minimum allowed size [5242880] (5MB)',
    });
    expect(s3.calls()).toHaveLength(0);
  });

  it('fails done() with AbortError at the simulated moment abort() is called while the upload is on its way', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"late"' });
    const source = `import { S3Client } from '@aws-sdk/client-s3'; import { Upload } from '@aws-sdk/lib-storage';
      export const handler = async () => {
        const upload = new Upload({ client: new S3Client({}), params: { Bucket: 'b', Key: 'k', Body: 'x' } });
        const t0 = Date.now();
        setTimeout(() => upload.abort(), 10);
        try { await upload.done(); return 'done'; } catch (e) { return [e.name, e.message, Date.now() - t0]; }
      };`;
    const r = await run({ aws: { s3: 'sdk' }, hostLatency: { 'aws:s3': 100 } }, source);
    expect(r.payload).toEqual(['AbortError', 'Upload aborted.', 10]);
  });
});

describe('waiters (waitUntil… of the client packages)', () => {
  it("waitUntilTableExists polls DescribeTable with the SDK's delays in simulated time and returns SUCCESS", async () => {
    let calls = 0;
    ddb.on(DescribeTableCommand).callsFake(async () => {
      calls++;
      if (calls === 1) throw new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: { httpStatusCode: 400 } });
      return { Table: { TableName: 'orders', TableStatus: calls < 3 ? 'CREATING' : 'ACTIVE' } };
    });
    const source = `import { DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
      export const handler = async () => {
        const t0 = Date.now();
        const r = await waitUntilTableExists({ client: new DynamoDBClient({}), maxWaitTime: 300 }, { TableName: 'orders' });
        return { state: r.state, status: r.reason.Table.TableStatus, elapsed: Date.now() - t0 };
      };`;
    const once = async (): Promise<{ state: string; status: string; elapsed: number }> => {
      calls = 0;
      const r = await run({ aws: { dynamodb: 'sdk' } }, source, {}, { FunctionName: 'wait-for-table', Timeout: 900 });
      expect(r.out.FunctionError, r.text).toBeUndefined();
      await sim!.close();
      sim = undefined;
      return r.payload as { state: string; status: string; elapsed: number };
    };
    const first = await once();
    expect(calls).toBe(3);
    expect(first).toMatchObject({ state: 'SUCCESS', status: 'ACTIVE' });
    // minDelay 20 s, then a jittered delay from 20 s to 40 s (util-waiter's backoff): simulated, so instant.
    expect(first.elapsed).toBeGreaterThanOrEqual(40_000);
    expect(first.elapsed).toBeLessThanOrEqual(60_000);
    // Seeded: the same jitter again (the same simulation: seed and function).
    expect(await once()).toEqual(first);
  });

  it("waitUntilObjectExists throws the SDK's TimeoutError after maxWaitTime seconds (simulated)", async () => {
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }));
    const source = `import { S3Client, waitUntilObjectExists } from '@aws-sdk/client-s3';
      export const handler = async () => {
        const t0 = Date.now();
        try { await waitUntilObjectExists({ client: new S3Client({}), maxWaitTime: 60 }, { Bucket: 'b', Key: 'missing' }); return 'found'; }
        catch (e) { return { name: e.name, state: JSON.parse(e.message).state, reason: JSON.parse(e.message).reason, elapsed: Date.now() - t0 }; }
      };`;
    const r = await run({ aws: { s3: 'sdk' }, hostLatency: { 'aws:s3': 50 } }, source, {}, { Timeout: 900 });
    expect(r.out.FunctionError, r.text).toBeUndefined();
    const out = r.payload as { name: string; state: string; reason: string; elapsed: number };
    expect(out).toMatchObject({ name: 'TimeoutError', state: 'TIMEOUT', reason: 'Waiter has timed out' });
    // maxWaitTime bounds the waiter's whole time (60 s from its start); no poll starts after it.
    expect(out.elapsed).toBeGreaterThan(59_000);
    expect(out.elapsed).toBeLessThanOrEqual(60_050);
    expect(s3.commandCalls(HeadObjectCommand).length).toBeGreaterThan(5);
  });
});
