/**
 * Issue 17: ioredis in a handler against a real Redis server (Debian's redis-server, installed by
 * .ci/run), through the sandbox's sockets (network: 'host'). The server is started by this test on
 * a free loopback port, with no persistence.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, freePort, newSim } from '../helpers.js';

let server: ChildProcess;
let port: number;
let host: Redis;

beforeAll(async () => {
  port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  host = new Redis({ port, host: '127.0.0.1', retryStrategy: (n) => (n > 50 ? null : 50) });
  host.on('error', () => {}); // refused until the server listens: retried
  await host.ping();
}, 20_000);
afterAll(async () => {
  host.disconnect();
  server.kill();
});

it('ioredis talks to a real Redis: commands, a hash, Promise.all, a pipeline; the connection is reused while warm', async () => {
  const sim = newSim({ seed: 5, network: 'host' });
  try {
    await sim.createFunction({
      FunctionName: 'visits',
      Handler: 'index.handler',
      Runtime: 'nodejs20.x',
      Timeout: 10,
      Environment: { Variables: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port) } },
      Code: { Path: fileURLToPath(new URL('../fixtures/ioredis-client', import.meta.url)) },
    });
    const first = await call(sim, 'visits', { user: 'ada', name: 'Ada' });
    expect(first.out.FunctionError, first.text).toBeUndefined();
    expect(first.payload).toEqual({ count: 1, profile: { name: 'Ada', last: '1' }, ttl: -1, piped: [[null, 'OK'], [null, 'v']] });
    const second = await call(sim, 'visits', { user: 'ada', name: 'Ada L.' });
    expect(second.payload).toMatchObject({ count: 2, profile: { name: 'Ada L.', last: '2' } });
    // What the handler wrote is in the real server.
    expect(await host.hgetall('user:ada')).toEqual({ name: 'Ada L.', last: '2' });
    // One connection from the warm environment (plus this test's own client).
    const clients = (await host.client('LIST')) as string;
    expect(clients.trim().split('\n')).toHaveLength(2);
  } finally {
    await sim.close();
  }
});
