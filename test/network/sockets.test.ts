/**
 * Issue 17, part 3: `net`, `tls` and `dns` in the sandbox. A sandbox socket is a real socket of the
 * host (network: 'host'): a TCP server in this test process answers it. 'off' and a `network`
 * function refuse it (ECONNREFUSED, naming the option). Simulated time waits for a socket only
 * while a reply is expected: an idle open connection does not stop the clock.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulatorOptions } from '../../src/index.js';
import { call, deploy, freePort, newSim } from '../helpers.js';

const run = async (options: LambdaSimulatorOptions, source: string, event: unknown = {}): Promise<{ payload: unknown; error: string | undefined; sim: number }> => {
  const sim = newSim({ seed: 11, ...options });
  try {
    const started = sim.now();
    const r = await call(sim, await deploy(sim, source, { Timeout: 900 }), event);
    return { payload: r.payload, error: r.out.FunctionError, sim: sim.now() - started };
  } finally {
    await sim.close();
  }
};

let server: Server;
let port: number;
const open = new Set<Socket>();
beforeAll(async () => {
  // A line protocol: "ECHO x" answers "x", "SLOW x" answers in two segments 5 ms apart, "QUIT" closes.
  server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('ECHO ')) socket.write(`${line.slice(5)}\n`);
        else if (line.startsWith('SLOW ')) {
          socket.write(line.slice(5, 7));
          setTimeout(() => socket.write(`${line.slice(7)}\n`), 5);
        } else if (line === 'QUIT') socket.end('bye\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const CLIENT = `import net from 'node:net';
  const lines = (socket) => { let buf = ''; const waiting = []; socket.setEncoding('utf8');
    socket.on('data', (c) => { buf += c; let i; while ((i = buf.indexOf('\\n')) !== -1) { const l = buf.slice(0, i); buf = buf.slice(i + 1); waiting.shift()?.(l); } });
    return () => new Promise((resolve) => waiting.push(resolve)); };`;

describe("net.connect (network: 'host')", () => {
  it('talks to a real TCP server: connect event, addresses, request and reply, end and close', async () => {
    const r = await run(
      { network: 'host' },
      `${CLIENT}
      export const handler = async (event) => {
        const socket = net.connect({ port: event.port, host: '127.0.0.1' });
        const next = lines(socket);
        await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
        const info = { remote: socket.remoteAddress, remotePort: socket.remotePort, family: socket.remoteFamily, local: socket.address().address, state: socket.readyState };
        socket.write('ECHO hello\\n');
        const a = await next();
        socket.write('ECHO again\\n');
        const b = await next();
        const closing = new Promise((resolve) => socket.on('close', () => resolve(true)));
        socket.write('QUIT\\n');
        const bye = await next();
        const closed = await closing;
        return { info, a, b, bye, closed, bytesRead: socket.bytesRead, bytesWritten: socket.bytesWritten };
      };`,
      { port },
    );
    expect(r.error, JSON.stringify(r.payload)).toBeUndefined();
    expect(r.payload).toEqual({
      info: { remote: '127.0.0.1', remotePort: port, family: 'IPv4', local: '127.0.0.1', state: 'open' },
      a: 'hello',
      b: 'again',
      bye: 'bye',
      closed: true,
      bytesRead: 'hello\nagain\nbye\n'.length,
      bytesWritten: 'ECHO hello\nECHO again\nQUIT\n'.length,
    });
  });

  it('a reply is awaited at the same simulated instant, even in several segments', async () => {
    const r = await run(
      { network: 'host' },
      `${CLIENT}
      export const handler = async (event) => {
        const socket = net.createConnection(event.port, '127.0.0.1');
        const next = lines(socket);
        const t0 = Date.now();
        socket.write('SLOW abcdef\\n');
        const got = await next();
        socket.destroy();
        return { got, elapsed: Date.now() - t0 };
      };`,
      { port },
    );
    expect(r.payload).toEqual({ got: 'abcdef', elapsed: 0 });
  });

  it('a reply in two segments after an earlier reply on the same socket arrives at the same instant', async () => {
    const r = await run(
      { network: 'host' },
      `${CLIENT}
      export const handler = async (event) => {
        const socket = net.connect(event.port, '127.0.0.1');
        const next = lines(socket);
        socket.write('ECHO first\\n');
        const first = await next();
        const t0 = Date.now();
        socket.write('SLOW segmented\\n');
        const second = await next();
        socket.destroy();
        return { first, second, elapsed: Date.now() - t0 };
      };`,
      { port },
    );
    expect(r.payload).toEqual({ first: 'first', second: 'segmented', elapsed: 0 });
  });

  it('an idle open connection does not stop the clock: a 10-minute timer fires while the socket waits', async () => {
    const started = Date.now();
    const r = await run(
      { network: 'host' },
      `${CLIENT}
      export const handler = async (event) => {
        const socket = net.connect(event.port, '127.0.0.1');
        const next = lines(socket);
        socket.write('ECHO ping\\n');
        const pong = await next();
        const t0 = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 600000));
        socket.write('ECHO still there\\n');
        const again = await next();
        socket.end();
        return { pong, waited: Date.now() - t0, again };
      };`,
      { port },
    );
    expect(r.payload).toEqual({ pong: 'ping', waited: 600000, again: 'still there' });
    // Ten simulated minutes took well under the 30 s a held clock would have waited for the idle read.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('setTimeout on a socket is an idle timeout in simulated time', async () => {
    const r = await run(
      { network: 'host' },
      `import net from 'node:net';
      export const handler = async (event) => {
        const socket = net.connect(event.port, '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        const t0 = Date.now();
        socket.setTimeout(45000);
        await new Promise((resolve) => socket.once('timeout', resolve));
        const waited = Date.now() - t0;
        socket.destroy();
        return { waited, destroyed: socket.destroyed };
      };`,
      { port },
    );
    expect(r.payload).toEqual({ waited: 45000, destroyed: true });
  });

  it('a refused port is an error event with the host’s ECONNREFUSED', async () => {
    const closed = await freePort();
    const r = await run(
      { network: 'host' },
      `import net from 'node:net';
      export const handler = async (event) => new Promise((resolve) => {
        const socket = net.connect(event.port, '127.0.0.1');
        socket.on('error', (e) => resolve({ code: e.code, syscall: e.syscall, port: e.port, closedAfter: null }));
      });`,
      { port: closed },
    );
    expect(r.payload).toEqual({ code: 'ECONNREFUSED', syscall: 'connect', port: closed, closedAfter: null });
  });

  it('a bad port throws as Node does (ERR_SOCKET_BAD_PORT), a Unix socket path is unsupported', async () => {
    const r = await run(
      { network: 'host' },
      `import net from 'node:net';
      export const handler = async () => {
        const codes = [];
        for (const f of [() => net.connect(70000, 'localhost'), () => net.connect('/var/run/x.sock')]) { try { f(); codes.push(null); } catch (e) { codes.push(e.code); } }
        return codes;
      };`,
    );
    expect(r.payload).toEqual(['ERR_SOCKET_BAD_PORT', 'ERR_LAMBDA_SIM_UNSUPPORTED']);
  });

  it('isIP, isIPv4 and isIPv6 answer as the host’s', async () => {
    const inputs = ['127.0.0.1', '256.1.1.1', '::1', '::', 'fe80::1%eth0', '2001:db8::ff00:42:8329', '::ffff:192.168.1.1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', 'localhost', '1::2::3', ''];
    const net = await import('node:net');
    const r = await run({}, `import net from 'node:net'; export const handler = async (e) => e.inputs.map((i) => [net.isIP(i), net.isIPv4(i), net.isIPv6(i)]);`, { inputs });
    expect(r.payload).toEqual(inputs.map((i) => [net.isIP(i), net.isIPv4(i), net.isIPv6(i)]));
  });
});

describe('policies other than host', () => {
  it.each([
    ['off', 'off' as const, "network is off; set the simulator option `network: 'host'`"],
    ['a network function', () => new Response('x'), 'a `network` function answers HTTP requests only'],
  ])('%s: a connection is refused with ECONNREFUSED, naming the option', async (_label, network, says) => {
    const r = await run(
      { network },
      `import net from 'node:net';
      export const handler = async () => new Promise((resolve) => {
        net.connect(6379, 'redis.internal').on('error', (e) => resolve({ code: e.code, message: e.message }));
      });`,
    );
    const p = r.payload as { code: string; message: string };
    expect(p.code).toBe('ECONNREFUSED');
    expect(p.message).toContain('connect ECONNREFUSED redis.internal:6379');
    expect(p.message).toContain(says);
  });
});

describe('dns', () => {
  it("lookup goes to the host's resolver with network 'host'; ENOTFOUND naming the option when off", async () => {
    const source = `import dns from 'node:dns';
      export const handler = async () => {
        const viaCallback = await new Promise((resolve) => dns.lookup('localhost', { family: 4 }, (e, address, family) => resolve(e ? e.code : [address, family])));
        const viaPromise = await dns.promises.lookup('127.0.0.1').then((a) => a, (e) => ({ code: e.code, message: e.message }));
        return { viaCallback, viaPromise };
      };`;
    const on = await run({ network: 'host' }, source);
    expect(on.payload).toEqual({ viaCallback: ['127.0.0.1', 4], viaPromise: { address: '127.0.0.1', family: 4 } });
    const off = await run({}, source);
    const p = off.payload as { viaCallback: string; viaPromise: { code: string; message: string } };
    expect(p.viaCallback).toBe('ENOTFOUND');
    expect(p.viaPromise.code).toBe('ENOTFOUND');
    expect(p.viaPromise.message).toContain("set the simulator option `network: 'host'`");
  });
});

describe('sockets and the sandbox’s life', () => {
  it('a warm environment keeps its connection between invocations; closing the simulator closes it on the host', async () => {
    const sim = newSim({ seed: 3, network: 'host' });
    const name = await deploy(
      sim,
      `${CLIENT}
      let socket, next;
      export const handler = async (event) => {
        const fresh = socket === undefined;
        if (fresh) { socket = net.connect(event.port, '127.0.0.1'); next = lines(socket); }
        socket.write('ECHO ' + event.n + '\\n');
        return { fresh, got: await next(), local: socket.localPort };
      };`,
      { Timeout: 30 },
    );
    const a = await call(sim, name, { port, n: 1 });
    const b = await call(sim, name, { port, n: 2 });
    expect(a.payload).toMatchObject({ fresh: true, got: '1' });
    expect(b.payload).toMatchObject({ fresh: false, got: '2', local: (a.payload as { local: number }).local });
    expect(open.size).toBe(1);
    await sim.close();
    await new Promise<void>((resolve) => {
      const check = (): void => (open.size === 0 ? resolve() : void setImmediate(check));
      check();
    });
    expect(open.size).toBe(0);
  });
});
