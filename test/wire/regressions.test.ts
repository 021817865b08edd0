/**
 * Regression tests from the review of the wire layer (issue 6): each failed on the reviewed code
 * because of a bug or gap in src/wire, src/cli/serve.ts, bin/lambda-sim.js or the simulator behind
 * them (the comments say what happened then), except those marked "(coverage)".
 */
import {
  AddLayerVersionPermissionCommand,
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  GetCodeSigningConfigCommand,
  GetFunctionConfigurationCommand,
  GetFunctionScalingConfigCommand,
  GetLayerVersionByArnCommand,
  GetPolicyCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  RemovePermissionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestHandler, LambdaSimulator, type LambdaEndpoint } from '../../src/index.js';
import { raw, serve as startServe, type Served } from './support.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const zip = (source: string, extra: Record<string, Uint8Array> = {}): Uint8Array => zipSync({ 'index.mjs': strToU8(source), ...extra }, { level: 0 });

let sim: LambdaSimulator | undefined;
let endpoint: LambdaEndpoint | undefined;
let running: Served | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
  await sim?.close();
  sim = undefined;
  running?.kill();
  running = undefined;
});

/** Bytes straight onto a socket; resolves with everything the server sent once it closes. */
function rawSocket(port: number, text: string, halfClose: boolean): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(text);
      if (halfClose) s.end();
    });
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.on('error', () => {});
    s.on('close', () => resolve(data));
  });
}

const inProcess = (s: LambdaSimulator, extra: object = {}): LambdaClient => new LambdaClient({ region: 'us-east-1', credentials, requestHandler: createRequestHandler(s), maxAttempts: 1, ...extra });
const caught = (p: Promise<unknown>): Promise<{ name: string | undefined; message: string | undefined; status: number | undefined } | 'ok'> =>
  p.then(
    () => 'ok' as const,
    (e: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) => ({ name: e.name, message: e.message, status: e.$metadata?.httpStatusCode }),
  );

async function serve(args: string[]): Promise<Served> {
  const served = await startServe(args);
  running = served;
  return served;
}

describe('HTTP server robustness', () => {
  it('a request line with an unparsable absolute URL (GET http://a:b:c/) gets a 400 and does not crash lambda-sim serve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'review-'));
    writeFileSync(join(dir, 'h.mjs'), 'export const handler = async () => "alive";');
    const server = await serve(['--function', `h=${join(dir, 'h.mjs')}`]);
    // server.ts `new URL(req.url, …)` throws inside serve(); the rejection is unhandled: the client
    // gets no answer and the process dies (Node's default for unhandled rejections).
    const answer = await rawSocket(server.port, 'GET http://a:b:c/ HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n', false).catch(() => '');
    const after = await raw(server.url, 'GET', '/2015-03-31/functions/h').then((r) => r.status, (e: Error) => e.message);
    expect({ answer: answer.slice(0, 12), after }).toEqual({ answer: 'HTTP/1.1 400', after: 200 });
    expect(answer).toMatch(/x-amzn-errortype: InvalidRequestContentException/i); // a typed AWS error, as every other answer
    expect(answer).toContain('Malformed request target: http://a:b:c/');
  });

  it('an upload cut short (4 of 10 declared bytes, then EOF) is not invoked with the truncated payload', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Code: { Source: 'export const handler = async (e) => e;' } });
    const events: string[] = [];
    sim.on('invocation:end', (r) => events.push(r.payload));
    endpoint = await sim.listen();
    await rawSocket(endpoint.port, 'POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n1234', true);
    expect((await raw(endpoint.url, 'POST', '/2015-03-31/functions/f/invocations', '"complete"')).body).toBe('"complete"');
    // readBody() resolves with the partial body on 'aborted'/'close', and the REST layer runs it.
    expect(events).toEqual(['"complete"']);
  });

  it('(coverage) a chunked body over the limit is refused 413 and the server keeps serving', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Code: { Source: 'export const handler = async () => 1;' } });
    endpoint = await sim.listen();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${endpoint!.url}/2015-03-31/functions/f/invocations`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const write = (): void => {
        while (sent < 8) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    expect(status).toBe(413);
    expect((await raw(endpoint.url, 'POST', '/2015-03-31/functions/f/invocations', '{}')).status).toBe(200);
  });
});

describe('request limits and what the wire accepts', () => {
  it("CreateFunction over HTTP refuses lambda-sim's in-process Code.Path (any file on the server's host) and UpdateFunctionCode refuses Path", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'review-host-'));
    writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => "read from the server host";');
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction({ FunctionName: 'mine', Handler: 'index.handler', Code: { Source: 'export const handler = async () => "mine";' } });
    endpoint = await sim.listen();
    const created = await raw(endpoint.url, 'POST', '/2015-03-31/functions', JSON.stringify({ FunctionName: 'p', Handler: 'index.handler', Role: 'arn:aws:iam::123456789012:role/r', Runtime: 'nodejs20.x', Code: { Path: dir } }));
    const updated = await raw(endpoint.url, 'PUT', '/2015-03-31/functions/mine/code', JSON.stringify({ Path: dir }));
    const ran = await raw(endpoint.url, 'POST', '/2015-03-31/functions/mine/invocations', '{}');
    expect({ created: created.status, updated: updated.status, ran: ran.body }).toEqual({ created: 400, updated: 400, ran: '"mine"' });
  });

  it('CreateFunction with a 5 MB zip (AWS takes 50 MB direct uploads; sim.createFunction takes it) works through the SDK in-process and over HTTP', async () => {
    let x = 7;
    const noise = new Uint8Array(5 * 1024 * 1024).map(() => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x >>> 24));
    const code = zip('export const handler = async () => "big";', { 'blob.bin': noise });
    sim = new LambdaSimulator({ seed: 1 });
    endpoint = await sim.listen();
    const input = (name: string) => ({ FunctionName: name, Role: 'arn:aws:iam::123456789012:role/r', Runtime: 'nodejs20.x' as const, Handler: 'index.handler', Code: { ZipFile: code } });
    const viaHandler = await caught(inProcess(sim).send(new CreateFunctionCommand(input('big1'))));
    const viaHttp = await caught(new LambdaClient({ region: 'us-east-1', credentials, endpoint: endpoint.url, maxAttempts: 1 }).send(new CreateFunctionCommand(input('big2'))));
    expect({ viaHandler, viaHttp }).toEqual({ viaHandler: 'ok', viaHttp: 'ok' });
  });
});

describe('routing of operations lambda-sim does not implement', () => {
  it('ListProvisionedConcurrencyConfigs (GET …/provisioned-concurrency?List=ALL) is not answered as GetProvisionedConcurrencyConfig', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Code: { Source: 'export const handler = async () => 1;' } });
    await sim.publishVersion({ FunctionName: 'f' });
    await sim.putProvisionedConcurrencyConfig({ FunctionName: 'f', Qualifier: '1', ProvisionedConcurrentExecutions: 1 });
    const out = await inProcess(sim)
      .send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'f' }))
      .then((o) => ({ listed: o.ProvisionedConcurrencyConfigs?.length }), (e: Error) => ({ name: e.name, message: e.message }));
    // Today: ResourceNotFoundException 'No Provisioned Concurrency Config found for this function: …:f:null'.
    expect([{ listed: 1 }, { name: 'NotImplementedException', message: 'lambda-sim does not implement the Lambda operation ListProvisionedConcurrencyConfigs yet' }]).toContainEqual(out);
  });

  it('every operation the SDK has and lambda-sim lacks answers 501 naming that operation (GetLayerVersionByArn, AddLayerVersionPermission, GetCodeSigningConfig, GetFunctionScalingConfig)', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const lambda = inProcess(sim);
    const arn = 'arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0';
    const answers = [
      await caught(lambda.send(new GetLayerVersionByArnCommand({ Arn: 'arn:aws:lambda:us-east-1:123456789012:layer:l:1' }))),
      await caught(lambda.send(new AddLayerVersionPermissionCommand({ LayerName: 'l', VersionNumber: 1, StatementId: 's', Action: 'lambda:GetLayerVersion', Principal: '*' }))),
      await caught(lambda.send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: arn }))),
      await caught(lambda.send(new GetFunctionScalingConfigCommand({ FunctionName: 'f' } as never))),
    ];
    const expected = ['GetLayerVersionByArn', 'AddLayerVersionPermission', 'GetCodeSigningConfig', 'GetFunctionScalingConfig'].map((op) => ({
      name: 'NotImplementedException',
      message: `lambda-sim does not implement the Lambda operation ${op} yet`,
      status: 501,
    }));
    expect(answers).toEqual(expected);
  });
});

describe('inputs the SDK sends that are dropped on the way', () => {
  const setup = async (): Promise<LambdaClient> => {
    sim = new LambdaSimulator({ seed: 1 });
    const lambda = inProcess(sim);
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'f', Role: 'arn:aws:iam::123456789012:role/r', Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip('export const handler = async () => "v1";') } }));
    return lambda;
  };

  it('UpdateFunctionCode with DryRun: true validates only: the code is not replaced', async () => {
    const lambda = await setup();
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'f', ZipFile: zip('export const handler = async () => "v2";'), DryRun: true }));
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'f' }));
    expect(new TextDecoder().decode(out.Payload)).toBe('"v1"');
  });

  it('Publish: true on CreateFunction and on UpdateFunctionCode publishes a version and answers with it', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const lambda = inProcess(sim);
    const created = await lambda.send(new CreateFunctionCommand({ FunctionName: 'p', Role: 'arn:aws:iam::123456789012:role/r', Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip('export const handler = async () => "v1";') }, Publish: true }));
    const updated = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'p', ZipFile: zip('export const handler = async () => "v2";'), Publish: true }));
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'p' }));
    expect({ created: created.Version, updated: updated.Version, versions: versions.Versions?.map((v) => v.Version) }).toEqual({ created: '1', updated: '2', versions: ['$LATEST', '1', '2'] });
  });

  it('a stale RevisionId is refused with PreconditionFailedException (412) by every operation that takes one', async () => {
    const lambda = await setup();
    await lambda.send(new PublishVersionCommand({ FunctionName: 'f' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'f', Name: 'live', FunctionVersion: '1' }));
    await lambda.send(new AddPermissionCommand({ FunctionName: 'f', StatementId: 's1', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com' }));
    const stale = '00000000-0000-0000-0000-000000000000';
    const answers = {
      UpdateFunctionConfiguration: await caught(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f', Timeout: 9, RevisionId: stale }))),
      UpdateFunctionCode: await caught(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'f', ZipFile: zip('export const handler = async () => 2;'), RevisionId: stale }))),
      PublishVersion: await caught(lambda.send(new PublishVersionCommand({ FunctionName: 'f', RevisionId: stale }))),
      UpdateAlias: await caught(lambda.send(new UpdateAliasCommand({ FunctionName: 'f', Name: 'live', Description: 'x', RevisionId: stale }))),
      AddPermission: await caught(lambda.send(new AddPermissionCommand({ FunctionName: 'f', StatementId: 's2', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', RevisionId: stale }))),
      RemovePermission: await caught(lambda.send(new RemovePermissionCommand({ FunctionName: 'f', StatementId: 's1', RevisionId: stale }))),
    };
    for (const [op, answer] of Object.entries(answers)) expect([op, answer]).toEqual([op, expect.objectContaining({ name: 'PreconditionFailedException', status: 412 })]);
  });

  it('ListVersionsByFunction and ListAliases honour MaxItems/Marker; ListFunctions honours FunctionVersion=ALL', async () => {
    const lambda = await setup();
    await lambda.send(new PublishVersionCommand({ FunctionName: 'f' }));
    await lambda.send(new PublishVersionCommand({ FunctionName: 'f', Description: 'second' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'f', Name: 'a', FunctionVersion: '1' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'f', Name: 'b', FunctionVersion: '2' }));
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'f', MaxItems: 1 }));
    const aliases = await lambda.send(new ListAliasesCommand({ FunctionName: 'f', MaxItems: 1 }));
    const all = await lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    expect({
      versions: versions.Versions?.length,
      versionsNext: versions.NextMarker !== undefined,
      aliases: aliases.Aliases?.length,
      aliasesNext: aliases.NextMarker !== undefined,
      all: all.Functions?.map((c) => c.Version),
    }).toEqual({ versions: 1, versionsNext: true, aliases: 1, aliasesNext: true, all: ['$LATEST', '1', '2'] });
  });

  it('GetPolicy and RemovePermission honour Qualifier: a statement added for alias a is in the policy of a only', async () => {
    const lambda = await setup();
    await lambda.send(new PublishVersionCommand({ FunctionName: 'f' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'f', Name: 'a', FunctionVersion: '1' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'f', Name: 'b', FunctionVersion: '1' }));
    await lambda.send(new AddPermissionCommand({ FunctionName: 'f', Qualifier: 'a', StatementId: 's', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com' }));
    const ofA = await lambda.send(new GetPolicyCommand({ FunctionName: 'f', Qualifier: 'a' }));
    expect(JSON.parse(ofA.Policy!).Statement).toHaveLength(1);
    const ofB = await caught(lambda.send(new GetPolicyCommand({ FunctionName: 'f', Qualifier: 'b' })));
    const unqualified = await caught(lambda.send(new GetPolicyCommand({ FunctionName: 'f' })));
    const removeFromB = await caught(lambda.send(new RemovePermissionCommand({ FunctionName: 'f', Qualifier: 'b', StatementId: 's' })));
    expect({ ofB, unqualified, removeFromB }).toEqual({
      ofB: expect.objectContaining({ name: 'ResourceNotFoundException', status: 404 }),
      unqualified: expect.objectContaining({ name: 'ResourceNotFoundException', status: 404 }),
      removeFromB: expect.objectContaining({ name: 'ResourceNotFoundException', status: 404 }),
    });
  });
});

describe('outputs and errors', () => {
  it('error responses carry their own request id, not the nil UUID shared by all', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    endpoint = await sim.listen();
    const a = await raw(endpoint.url, 'GET', '/2015-03-31/functions/ghost1');
    const b = await raw(endpoint.url, 'GET', '/2015-03-31/functions/ghost2');
    expect([a.status, b.status]).toEqual([404, 404]);
    expect(a.headers['x-amzn-requestid']).not.toBe('00000000-0000-0000-0000-000000000000');
    expect(a.headers['x-amzn-requestid']).not.toBe(b.headers['x-amzn-requestid']);
  });

  it('the in-process request handler honours an abortSignal fired mid-request, as the SDK over HTTP does (AbortError; the invocation still runs)', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction({ FunctionName: 'slow', Handler: 'index.handler', Timeout: 900, Code: { Source: 'export const handler = async () => { await new Promise((r) => setTimeout(r, 60000)); return "late"; };' } });
    const controller = new AbortController();
    const order: string[] = [];
    sim.on('invocation:start', () => {
      order.push('start');
      controller.abort();
    });
    sim.on('invocation:end', () => order.push('end'));
    await inProcess(sim)
      .send(new InvokeCommand({ FunctionName: 'slow' }), { abortSignal: controller.signal })
      .then(() => order.push('resolved'), (e: Error) => order.push(`rejected ${e.name}`));
    await sim.settle();
    expect(order).toEqual(['start', 'rejected AbortError', 'end']);
  });
});

describe('lambda-sim serve', () => {
  it("honours the config file's simulator.clock (and seed) instead of overriding them with the command-line defaults", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'review-cfg-'));
    writeFileSync(join(dir, 'h.mjs'), 'export const handler = async () => Date.now();');
    const config = join(dir, 'lambda-sim.json');
    writeFileSync(config, JSON.stringify({ simulator: { clock: 'virtual', seed: 42 }, functions: [{ FunctionName: 'h', Handler: 'h.handler', Code: { Path: 'h.mjs' } }] }));
    const server = await serve(['--config', config]);
    const lambda = new LambdaClient({ region: 'us-east-1', credentials, endpoint: server.url });
    const conf = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'h' }));
    lambda.destroy();
    // Virtual time starts at 2025-01-01T00:00:00Z; serve.ts passes `clock: options.clock` (commander default 'real') over it.
    expect({ banner: /\((\w+) clock/.exec(server.stdout())?.[1], lastModified: conf.LastModified }).toEqual({ banner: 'virtual', lastModified: '2025-01-01T00:00:00.000+0000' });
  });

  it('Ctrl-C in a terminal (SIGINT to the child and to the bin, which forwards it) still shuts down gracefully: the in-flight invoke finishes, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'review-sig-'));
    writeFileSync(join(dir, 'slow.mjs'), 'export const handler = async () => { await new Promise((r) => setTimeout(r, 2000)); return "done"; };');
    const server = await serve(['--function', `slow=${join(dir, 'slow.mjs')}`]);
    // An invoke in flight: the server has its headers (100 Continue) before the body is sent.
    let headersSeen!: () => void;
    const continued = new Promise<void>((resolve) => (headersSeen = resolve));
    const inFlight = new Promise<string>((resolve) => {
      const req = request(`${server.url}/2015-03-31/functions/slow/invocations`, { method: 'POST', headers: { expect: '100-continue', 'content-length': '2' }, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', (e) => resolve(e.message));
      req.on('continue', () => {
        req.end('{}');
        headersSeen();
      });
    });
    await continued;
    // The terminal's SIGINT reaches the serving child directly…
    process.kill(server.childPid, 'SIGINT');
    // …which stops accepting connections (its handler has run)…
    for (;;) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect(server.port, '127.0.0.1', () => (s.destroy(), resolve(false)));
        s.on('error', () => resolve(true));
      });
      if (refused) break;
    }
    // …and the same SIGINT reaches the bin, which forwards it to the child once more.
    process.kill(server.pid, 'SIGINT');
    expect(await inFlight).toBe('200 "done"');
    expect(await server.exited).toBe(0);
  });
});
