/**
 * `lambda-sim serve` as users run it: the real bin in a child process, then the real SDK and the
 * AWS CLI (`aws lambda invoke --endpoint-url …`) against it, then Ctrl-C (SIGTERM).
 */
import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bin, serve as startServe, type Served } from './support.js';

const fixture = (p: string): string => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

let running: Served | undefined;
afterEach(() => {
  running?.kill();
  running = undefined;
});

async function serve(args: string[]): Promise<Served> {
  running = await startServe(args);
  return running;
}

const hasAwsCli = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;

describe('lambda-sim serve', () => {
  it('serves functions given with --function to the real SDK, and stops cleanly on SIGTERM', async () => {
    const server = await serve(['--function', `hello=${fixture('ts-handler/hello.ts')}`, '--time-scale', '60']);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const lambda = new LambdaClient({ region: 'us-east-1', credentials, endpoint: server.url });
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName)).toEqual(['hello']);
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'hello', Payload: JSON.stringify({ name: 'HTTP' }) }));
    expect(new TextDecoder().decode(out.Payload)).toBe('{"message":"Hello, HTTP!"}');
    lambda.destroy();
    process.kill(server.pid, 'SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it.skipIf(!hasAwsCli && process.env['CI'] === undefined)('answers the AWS CLI: aws lambda invoke --endpoint-url …', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awscli-'));
    const config = join(dir, 'lambda-sim.json');
    writeFileSync(config, JSON.stringify({ functions: [{ FunctionName: 'greet', Handler: 'hello.handler', Code: { Path: fixture('ts-handler/hello.ts') } }] }));
    const server = await serve(['--config', config]);
    const event = join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ name: 'CLI' }));
    const outFile = join(dir, 'out.json');
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn('aws', ['lambda', 'invoke', '--endpoint-url', server.url, '--function-name', 'greet', '--payload', `fileb://${event}`, '--log-type', 'Tail', outFile], { env });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout) as { StatusCode: number; ExecutedVersion: string; LogResult: string };
    expect(answer).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(Buffer.from(answer.LogResult, 'base64').toString()).toMatch(/^START RequestId: /);
    expect(readFileSync(outFile, 'utf8')).toBe('{"message":"Hello, CLI!"}');
    process.kill(server.pid, 'SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('refuses a bad --function with exit code 2 and says what was wrong', async () => {
    const r = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--function', 'nope'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--function expects NAME=PATH[:handler], got 'nope'");
  });
});
