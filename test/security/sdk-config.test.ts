/**
 * Issue 16 (outside security review): the runtime-provided SDK's client config is the handler's
 * data, and it used to be spread into the real client on the host. `{ credentials: null, profile }`
 * ran that profile's `credential_process` on the host, `defaultsMode: 'auto'` called the instance
 * metadata service, a handler's `endpoint` or `requestHandler` options moved the host's requests,
 * and every distinct config kept one more host client. Each row below is one way in, run from a real
 * handler against the real SDK on the host, in a fake HOME whose AWS config holds a hostile profile
 * and with an instance metadata service the test controls; the allow-listed fields (region,
 * maxAttempts, retryMode) must keep working.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LambdaSimulator, LambdaSimulatorOptions } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

// ---- the host's environment, as a hostile handler would like to use it ----

/** Every variable the SDK's discovery reads: cleared for each test, restored after. */
const AWS_ENV = [
  'HOME', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SDK_LOAD_CONFIG',
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_ACCOUNT_ID',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE', 'AWS_EC2_METADATA_DISABLED', 'AWS_EC2_METADATA_V1_DISABLED',
  'AWS_EXECUTION_ENV', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_DEFAULTS_MODE',
  'AWS_RETRY_MODE', 'AWS_MAX_ATTEMPTS', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_ENABLE_ENDPOINT_DISCOVERY', 'AWS_ENDPOINT_DISCOVERY_ENABLED',
];

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** A local HTTP server that records what reaches it and answers `answer(path)`. */
async function recordingServer(listenOn: number | string, answer: (path: string) => [number, string]): Promise<{ server: Server; requests: Recorded[]; url: string }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      const [status, body] = answer(req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(listenOn, resolve));
  const address = server.address();
  const url = typeof address === 'object' && address !== null ? `http://127.0.0.1:${(address as AddressInfo).port}` : String(address);
  return { server, requests, url };
}

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** The instance metadata service every test points the host at: it must see no request. */
let imds: Awaited<ReturnType<typeof recordingServer>>;
let home: string;
let marker: string;
const saved = new Map<string, string | undefined>();

beforeAll(async () => {
  // Answers like a real one (a token, a region) so that the SDK's negative cache never hides a request.
  imds = await recordingServer(0, (path) => (path === '/latest/api/token' ? [200, 'imds-token'] : path === '/latest/meta-data/placement/region' ? [200, 'us-east-1'] : [404, '']));
});

afterAll(async () => {
  await close(imds.server);
});

beforeEach(() => {
  for (const key of AWS_ENV) {
    saved.set(key, process.env[key]);
    delete process.env[key];
  }
  home = mkdtempSync(join(tmpdir(), 'lambda-sim-sdk-config-'));
  marker = join(home, 'credential-process-ran');
  const script = join(home, 'credential-process.cjs');
  writeFileSync(
    script,
    `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n` +
      `console.log(JSON.stringify({ Version: 1, AccessKeyId: 'AKIAFROMCREDPROCESS', SecretAccessKey: 'from-credential-process' }));\n`,
  );
  writeFileSync(join(home, 'config'), `[profile devops]\ncredential_process = ${process.execPath} ${script}\nregion = ap-northeast-3\nuse_fips_endpoint = true\n`);
  writeFileSync(join(home, 'credentials'), '');
  process.env['HOME'] = home;
  process.env['AWS_CONFIG_FILE'] = join(home, 'config');
  process.env['AWS_SHARED_CREDENTIALS_FILE'] = join(home, 'credentials');
  process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = imds.url;
  imds.requests.length = 0;
});

let sim: LambdaSimulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const [key, value] of saved) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  saved.clear();
  rmSync(home, { recursive: true, force: true });
  // Whatever the row, the host never asked the instance metadata service anything.
  expect(imds.requests).toEqual([]);
});

// ---- routes and handlers ----

interface SeenRequest {
  hostname: string;
  headers: Record<string, string>;
  body: string;
}

/** A `{ requestHandler }` route: records each request the real client sends and answers it. */
function recorder(status = 200, body = '{}'): { handler: { handle(request: unknown): Promise<unknown>; destroy(): void }; requests: SeenRequest[]; destroyed: number } {
  const seen = { requests: [] as SeenRequest[], destroyed: 0 };
  return Object.assign(seen, {
    handler: {
      handle(request: unknown): Promise<unknown> {
        const r = request as { hostname: string; headers: Record<string, string>; body?: unknown };
        seen.requests.push({ hostname: r.hostname, headers: r.headers, body: typeof r.body === 'string' ? r.body : r.body instanceof Uint8Array ? new TextDecoder().decode(r.body) : String(r.body) });
        return Promise.resolve({ response: { statusCode: status, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: new TextEncoder().encode(body) } });
      },
      destroy(): void {
        seen.destroyed++;
      },
    },
  });
}

/** GetItem with the event's client config; the outcome as data. */
const GET_ITEM = `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
  export const handler = async (e) => {
    try {
      await new DynamoDBClient(e.config).send(new GetItemCommand({ TableName: 't', Key: { id: { S: '1' } } }));
      return { ok: true };
    } catch (err) {
      return { ok: false, name: err.name, message: err.message };
    }
  };`;

async function getItem(options: LambdaSimulatorOptions, config: unknown): Promise<{ ok: boolean; name?: string; message?: string }> {
  sim = newSim(options);
  const fn = await deploy(sim, GET_ITEM);
  const r = await call(sim, fn, { config });
  expect(r.out.FunctionError, r.text).toBeUndefined();
  return r.payload as { ok: boolean; name?: string; message?: string };
}

const SIMULATED_KEY = 'Credential=ASIASIMULATEDKEY0000/';
const DEFAULT_HOST = 'dynamodb.us-east-1.amazonaws.com';

// ---- credentials and profiles ----

describe("a handler's client config never starts the host's credential discovery", () => {
  it.each([
    ['credentials: null', { credentials: null, profile: 'devops' }],
    ['credentials: false', { credentials: false, profile: 'devops' }],
    ["credentials: ''", { credentials: '', profile: 'devops' }],
    ['credentials: 0', { credentials: 0, profile: 'devops' }],
  ])("%s with profile 'devops' does not run that profile's credential_process; the call signs with the simulated key", async (_label, config) => {
    const route = recorder();
    expect(await getItem({ aws: { dynamodb: { requestHandler: route.handler } } }, config)).toEqual({ ok: true });
    expect(existsSync(marker)).toBe(false);
    expect(route.requests).toHaveLength(1);
    expect(route.requests[0]!.headers['authorization']).toContain(SIMULATED_KEY);
    expect(route.requests[0]!.hostname).toBe(DEFAULT_HOST);
  });

  it("does not run it through DynamoDBDocumentClient.from(new DynamoDBClient({ credentials: null, profile: 'devops' })) either", async () => {
    const route = recorder();
    sim = newSim({ aws: { dynamodb: { requestHandler: route.handler } } });
    const fn = await deploy(sim, `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
      export const handler = async () => {
        const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ credentials: null, profile: 'devops' }));
        try { await doc.send(new GetCommand({ TableName: 't', Key: { id: '1' } })); return 'ok'; } catch (e) { return e.message; }
      };`);
    expect((await call(sim, fn)).payload).toBe('ok');
    expect(existsSync(marker)).toBe(false);
    expect(route.requests[0]!.headers['authorization']).toContain(SIMULATED_KEY);
  });

  it.each([
    ['environment variables', (): void => {
      process.env['AWS_ACCESS_KEY_ID'] = 'AKIAHOSTENVIRONMENT0';
      process.env['AWS_SECRET_ACCESS_KEY'] = 'host-environment-secret';
    }],
    ['shared credentials file', (): void => writeFileSync(join(home, 'credentials'), '[default]\naws_access_key_id = AKIAHOSTCREDENTIALSF\naws_secret_access_key = host-file-secret\n')],
  ])("credentials: null does not make the host sign with the credentials of its %s", async (_label, plant) => {
    plant();
    const route = recorder();
    expect(await getItem({ aws: { dynamodb: { requestHandler: route.handler } } }, { credentials: null })).toEqual({ ok: true });
    expect(route.requests[0]!.headers['authorization']).toContain(SIMULATED_KEY);
  });

  it("replaces a handler's own static credentials by the simulated ones", async () => {
    const route = recorder();
    const config = { credentials: { accessKeyId: 'AKIAHANDLERGIVENKEY0', secretAccessKey: 'handler-secret', sessionToken: 'handler-token' } };
    expect(await getItem({ aws: { dynamodb: { requestHandler: route.handler } } }, config)).toEqual({ ok: true });
    expect(route.requests[0]!.headers['authorization']).toContain(SIMULATED_KEY);
    expect(route.requests[0]!.headers['x-amz-security-token']).toBe('lambda-sim-simulated-session-token');
  });
});

// ---- the instance metadata service ----

describe("a handler's client config never makes the host call the instance metadata service", () => {
  it.each([
    ["defaultsMode: 'auto'", { defaultsMode: 'auto' }],
    ["defaultsMode: 'auto' with a region", { defaultsMode: 'auto', region: 'eu-west-1' }],
    ["defaultsMode: 'AUTO'", { defaultsMode: 'AUTO' }],
    ['credentials: null, nothing else to find', { credentials: null }],
  ])('%s: no request reaches the metadata service', async (_label, config) => {
    const route = recorder();
    expect(await getItem({ aws: { dynamodb: { requestHandler: route.handler } } }, config)).toEqual({ ok: true });
    expect(imds.requests).toEqual([]);
    expect(route.requests).toHaveLength(1);
  });
});

// ---- endpoints and transport ----

describe("a handler's client config never moves the host's requests", () => {
  it.each([
    ['endpoint', { endpoint: 'https://attacker.example' }],
    ['endpoint as an object', { endpoint: { protocol: 'https:', hostname: 'attacker.example', path: '/' } }],
    ['useFipsEndpoint', { useFipsEndpoint: true }],
    ['useDualstackEndpoint', { useDualstackEndpoint: true }],
    ["a profile whose settings turn on FIPS endpoints", { profile: 'devops' }],
  ])("%s: the request still goes to the default endpoint, through the user's requestHandler", async (_label, config) => {
    const route = recorder();
    expect(await getItem({ aws: { dynamodb: { requestHandler: route.handler } } }, config)).toEqual({ ok: true });
    expect(route.requests.map((r) => r.hostname)).toEqual([DEFAULT_HOST]);
  });

  it("an endpoint from the handler on an 'sdk' route: the blocked request names the default host", async () => {
    const r = await getItem({ aws: { dynamodb: 'sdk' } }, { endpoint: 'https://attacker.example' });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^lambda-sim blocked a real network request to dynamodb\.us-east-1\.amazonaws\.com /);
  });

  it.each([
    ['requestHandler.httpAgent.socketPath', (socket: string) => ({ requestHandler: { httpAgent: { socketPath: socket } } })],
    ['requestHandler.httpAgent.socketPath with a decoy endpoint', (socket: string) => ({ endpoint: 'http://127.0.0.1:9', requestHandler: { httpAgent: { socketPath: socket } } })],
    ['useFipsEndpoint, refused by the SDK next to a custom endpoint', () => ({ useFipsEndpoint: true })],
  ])("%s: on an { endpoint } route the request reaches the user's endpoint, nothing else", async (_label, config) => {
    const endpoint = await recordingServer(0, () => [200, '{}']);
    const socket = await recordingServer(join(home, 'elsewhere.sock'), () => [200, '{}']);
    try {
      expect(await getItem({ aws: { dynamodb: { endpoint: endpoint.url } } }, config(join(home, 'elsewhere.sock')))).toEqual({ ok: true });
      expect(socket.requests).toEqual([]);
      expect(endpoint.requests).toHaveLength(1);
      expect(endpoint.requests[0]!.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
      expect(endpoint.requests[0]!.headers['authorization']).toContain(SIMULATED_KEY);
    } finally {
      await close(endpoint.server);
      await close(socket.server);
    }
  });
});

// ---- what a handler may still set ----

const FAILING = '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"down"}';

describe('what a handler may set still works, next to fields that are dropped', () => {
  it.each([
    [1, 'standard'],
    [2, 'standard'],
    [3, 'adaptive'],
    [2, 'legacy'],
  ])('maxAttempts %i with retryMode %s and region eu-west-1: that many attempts, in that region, with an endpoint and a profile ignored', async (maxAttempts, retryMode) => {
    const route = recorder(500, FAILING);
    const config = { region: 'eu-west-1', maxAttempts, retryMode, endpoint: 'https://attacker.example', profile: 'devops', credentials: null };
    const r = await getItem({ aws: { dynamodb: { requestHandler: route.handler } } }, config);
    expect(r).toMatchObject({ ok: false, name: 'InternalServerError' });
    expect(route.requests.map((x) => x.hostname)).toEqual(Array(maxAttempts).fill('dynamodb.eu-west-1.amazonaws.com'));
    expect(route.requests[0]!.headers['authorization']).toMatch(/Credential=ASIASIMULATEDKEY0000\/\d{8}\/eu-west-1\/dynamodb\/aws4_request/);
    expect(existsSync(marker)).toBe(false);
  });

  it("without a region from the handler, the host client uses the function's region (AWS_REGION on Lambda), not a profile's", async () => {
    const route = recorder();
    expect(await getItem({ region: 'eu-central-1', aws: { dynamodb: { requestHandler: route.handler } } }, { profile: 'devops' })).toEqual({ ok: true });
    expect(route.requests.map((r) => r.hostname)).toEqual(['dynamodb.eu-central-1.amazonaws.com']);
  });

  it("the user's route config applies over the handler's", async () => {
    const route = recorder();
    const r = await getItem({ aws: { dynamodb: { requestHandler: route.handler, region: 'ap-south-1' } } }, { region: 'eu-west-1', endpoint: 'https://attacker.example' });
    expect(r).toEqual({ ok: true });
    expect(route.requests.map((x) => x.hostname)).toEqual(['dynamodb.ap-south-1.amazonaws.com']);
  });

  it.each([
    [{ region: 'attacker.example/#' }, "Expected `region` in new DynamoDBClient(config) to be a region name such as 'eu-west-1' (lowercase letters, digits and hyphens), got `attacker.example/#` (string)"],
    [{ region: 'EU-WEST-1' }, "Expected `region` in new DynamoDBClient(config) to be a region name such as 'eu-west-1' (lowercase letters, digits and hyphens), got `EU-WEST-1` (string)"],
    [{ region: 5 }, "Expected `region` in new DynamoDBClient(config) to be a region name such as 'eu-west-1' (lowercase letters, digits and hyphens), got `5` (number)"],
    [{ maxAttempts: 0 }, 'Expected `maxAttempts` in new DynamoDBClient(config) to be an integer from 1 to 10, got `0` (number)'],
    [{ maxAttempts: 11 }, 'Expected `maxAttempts` in new DynamoDBClient(config) to be an integer from 1 to 10, got `11` (number)'],
    [{ maxAttempts: 2.5 }, 'Expected `maxAttempts` in new DynamoDBClient(config) to be an integer from 1 to 10, got `2.5` (number)'],
    [{ maxAttempts: '3' }, 'Expected `maxAttempts` in new DynamoDBClient(config) to be an integer from 1 to 10, got `3` (string)'],
    [{ retryMode: 'eager' }, "Expected `retryMode` in new DynamoDBClient(config) to be 'standard', 'adaptive' or 'legacy', got `eager` (string)"],
    [{ forcePathStyle: 'yes' }, 'Expected `forcePathStyle` in new DynamoDBClient(config) to be a boolean, got `yes` (string)'],
  ])('a malformed allow-listed field %j fails the call saying what was expected, and nothing is sent', async (config, message) => {
    const route = recorder();
    expect(await getItem({ aws: { dynamodb: { requestHandler: route.handler } } }, config)).toEqual({ ok: false, name: 'TypeError', message });
    expect(route.requests).toEqual([]);
  });
});

// ---- DynamoDBDocumentClient ----

describe('DynamoDBDocumentClient on the host', () => {
  it('keeps each document client its own translateConfig, even over equal base configs, and refuses a non-boolean switch', async () => {
    const route = recorder();
    sim = newSim({ aws: { dynamodb: { requestHandler: route.handler } } });
    const fn = await deploy(sim, `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
      export const handler = async () => {
        const nulls = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { convertEmptyValues: true }, endpoint: 'https://attacker.example' });
        const plain = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { convertEmptyValues: false } });
        const put = (doc) => doc.send(new PutCommand({ TableName: 't', Item: { id: '1', note: '' } }));
        await put(nulls); await put(plain); await put(nulls);
        const bad = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { convertEmptyValues: 'yes' } });
        try { await put(bad); return 'sent'; } catch (e) { return e.message; }
      };`);
    expect((await call(sim, fn)).payload).toBe('Expected `marshallOptions.convertEmptyValues` in DynamoDBDocumentClient.from(client, translateConfig) to be a boolean, got `yes` (string)');
    expect(route.requests.map((r) => (JSON.parse(r.body) as { Item: { note: unknown } }).Item.note)).toEqual([{ NULL: true }, { S: '' }, { NULL: true }]);
    expect(route.requests.map((r) => r.hostname)).toEqual([DEFAULT_HOST, DEFAULT_HOST, DEFAULT_HOST]);
  });
});

// ---- the user's client factory ----

describe('the { client: (config) => client } route', () => {
  it("gives the user's factory only the handler's allow-listed fields", async () => {
    const seen: unknown[] = [];
    const route = { client: (config: Record<string, unknown>) => (seen.push(config), { send: () => Promise.resolve({}) }) };
    const config = { region: 'eu-west-1', maxAttempts: 2, credentials: null, profile: 'devops', defaultsMode: 'auto', endpoint: 'https://attacker.example', logger: {}, customUserAgent: 'x' };
    expect(await getItem({ aws: { dynamodb: route } }, config)).toEqual({ ok: true });
    expect(seen).toEqual([{ region: 'eu-west-1', maxAttempts: 2 }]);
  });
});

// ---- what the host builds, seen from a stand-in SDK package ----

/** A stand-in `@aws-sdk/client-dynamodb` given through `aws.packages`: it records what the host builds. */
function standIn(): { pkg: Record<string, unknown>; log: unknown[] } {
  const log: unknown[] = [];
  let held: (() => void) | undefined;
  class DynamoDBClient {
    readonly config: Record<string, unknown>;
    constructor(config: Record<string, unknown>) {
      this.config = config;
      log.push(['DynamoDBClient', config]);
    }
    send(command: { input?: Record<string, unknown> }): Promise<unknown> {
      if (command.input?.['hold'] === true) return new Promise((resolve) => (held = () => resolve({ held: true })));
      if (command.input?.['release'] === true) {
        log.push('released');
        held?.();
      }
      return Promise.resolve({});
    }
    destroy(): void {
      log.push(`destroy ${String(this.config['region'])}`);
    }
  }
  class GetItemCommand {
    readonly input: unknown;
    constructor(input: unknown) {
      this.input = input;
      log.push(['GetItemCommand', input]);
    }
  }
  return { pkg: { DynamoDBClient, GetItemCommand }, log };
}

const built = (log: unknown[]): unknown[] => log.filter((x) => Array.isArray(x) && x[0] === 'DynamoDBClient');

describe('what the host builds from a handler', () => {
  it('only allow-listed fields reach the host client constructor, over static credentials and a pinned defaults mode', async () => {
    const fake = standIn();
    const hostile = {
      region: 'eu-west-1', maxAttempts: 3, retryMode: 'adaptive', forcePathStyle: true,
      credentials: null, profile: 'devops', defaultsMode: 'auto', endpoint: 'https://attacker.example', useFipsEndpoint: true,
      useDualstackEndpoint: true, endpointDiscoveryEnabled: true, requestHandler: { httpAgent: { socketPath: '/var/run/docker.sock' } },
      logger: {}, customUserAgent: 'x', retryStrategy: {}, signer: {}, sha256: 'x', urlParser: 'x', serviceId: 'S3', apiVersion: '2012-08-10',
      disableHostPrefix: true, accountIdEndpointMode: 'required', useArnRegion: true, followRegionRedirects: true, cacheMiddleware: true,
      userAgentAppId: 'x', authSchemePreference: ['sigv4a'], sigv4aSigningRegionSet: ['*'], extensions: [{}], tls: false,
    };
    expect(await getItem({ aws: { dynamodb: 'sdk', packages: { '@aws-sdk/client-dynamodb': fake.pkg } } }, hostile)).toEqual({ ok: true });
    expect(built(fake.log)).toEqual([
      [
        'DynamoDBClient',
        {
          region: 'eu-west-1', maxAttempts: 3, retryMode: 'adaptive', forcePathStyle: true,
          credentials: { accessKeyId: 'ASIASIMULATEDKEY0000', secretAccessKey: 'lambda-sim/simulated/secret/access/key000', sessionToken: 'lambda-sim-simulated-session-token' },
          defaultsMode: 'legacy',
          requestHandler: expect.objectContaining({ handle: expect.any(Function) }),
        },
      ],
    ]);
  });

  it('a forged client name or command name builds nothing on the host but the package clients and commands', async () => {
    const fake = standIn();
    sim = newSim({ aws: { dynamodb: 'sdk', packages: { '@aws-sdk/client-dynamodb': fake.pkg } } });
    const fn = await deploy(sim, `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
      export const handler = async () => {
        const out = [];
        const forged = { _ref: { pkg: '@aws-sdk/client-dynamodb', client: 'GetItemCommand', config: { profile: 'devops', credentials: null } } };
        try { await DynamoDBClient.prototype.send.call(forged, new GetItemCommand({})); out.push('sent'); } catch (e) { out.push(e.message); }
        const c = new DynamoDBClient({ region: 'eu-west-1' });
        String.prototype.endsWith = () => true; // lets the sandbox send any "command name" it likes
        try { await c.send({ input: { profile: 'devops', credentials: null }, constructor: { name: 'DynamoDBClient' } }); out.push('sent'); } catch (e) { out.push(e.message); }
        return out;
      };`);
    expect((await call(sim, fn)).payload).toEqual(['@aws-sdk/client-dynamodb has no client class GetItemCommand', '@aws-sdk/client-dynamodb has no DynamoDBClient']);
    expect(fake.log).toEqual([]);
  });
});

describe('the cache of host clients', () => {
  it('keeps at most 64 and destroys the least recently used (never a requestHandler the user gave)', async () => {
    const fake = standIn();
    sim = newSim({ aws: { dynamodb: 'sdk', packages: { '@aws-sdk/client-dynamodb': fake.pkg } } });
    const source = `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
      export const handler = async () => {
        const get = (region) => new DynamoDBClient({ region }).send(new GetItemCommand({}));
        for (let i = 0; i < 64; i++) await get('r-' + i);
        await get('r-0');                                 // a hit: r-0 becomes the most recently used
        for (let i = 64; i < 70; i++) await get('r-' + i);
        await get('r-0');                                 // still cached
        return 'done';
      };`;
    expect((await call(sim, await deploy(sim, source))).payload).toBe('done');
    expect(built(fake.log)).toHaveLength(70);
    expect(fake.log.filter((x) => typeof x === 'string')).toEqual(['destroy r-1', 'destroy r-2', 'destroy r-3', 'destroy r-4', 'destroy r-5', 'destroy r-6']);

    await sim.close();
    const own = standIn();
    const route = recorder();
    sim = newSim({ aws: { dynamodb: { requestHandler: route.handler }, packages: { '@aws-sdk/client-dynamodb': own.pkg } } });
    expect((await call(sim, await deploy(sim, source))).payload).toBe('done');
    expect(built(own.log)).toHaveLength(70);
    expect(own.log.filter((x) => typeof x === 'string')).toEqual([]);
    expect(route.destroyed).toBe(0);
  });

  it('destroys an evicted client only once its calls have ended', async () => {
    const fake = standIn();
    sim = newSim({ aws: { dynamodb: 'sdk', packages: { '@aws-sdk/client-dynamodb': fake.pkg } } });
    const fn = await deploy(sim, `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
      export const handler = async () => {
        const held = new DynamoDBClient({ region: 'r-0' }).send(new GetItemCommand({ hold: true }));
        const others = [];
        for (let i = 1; i <= 64; i++) others.push(new DynamoDBClient({ region: 'r-' + i }).send(new GetItemCommand({})));
        others.push(new DynamoDBClient({ region: 'r-65' }).send(new GetItemCommand({ release: true })));
        return [await held, (await Promise.all(others)).length];
      };`);
    expect((await call(sim, fn)).payload).toEqual([{ held: true }, 65]);
    const events = fake.log.filter((x) => typeof x === 'string');
    // 66 clients, all busy when r-0 and r-1 were evicted: destroyed after their calls, not before.
    expect(events[0]).toBe('released');
    expect(events.slice(1).sort()).toEqual(['destroy r-0', 'destroy r-1']);
  });

  it('sim.close() destroys every cached client lambda-sim made (not those whose request handler is the user’s)', async () => {
    const fake = standIn();
    sim = newSim({ aws: { dynamodb: 'sdk', packages: { '@aws-sdk/client-dynamodb': fake.pkg } } });
    const fn = await deploy(sim, `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
      export const handler = async () => { for (const region of ['r-a', 'r-b', 'r-c']) await new DynamoDBClient({ region }).send(new GetItemCommand({})); return 'done'; };`);
    expect((await call(sim, fn)).payload).toBe('done');
    expect(fake.log.filter((x) => typeof x === 'string')).toEqual([]);
    await sim.close();
    expect(fake.log.filter((x) => typeof x === 'string').sort()).toEqual(['destroy r-a', 'destroy r-b', 'destroy r-c']);
  });
});
