/**
 * The sandbox's `dgram` (shim/dgram.ts): UDP sockets whose one reachable peer is the X-Ray daemon
 * (AWS_XRAY_DAEMON_ADDRESS; Lambda's 169.254.79.129:2000 when unset). A datagram to it is taken;
 * one to anywhere else fails as a network error naming the limitation, through the callback or an
 * 'error' event as Node reports send errors; the socket's life cycle follows Node's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator;
beforeAll(() => {
  sim = newSim({ seed: 9 });
});
afterAll(() => sim.close());

/** A handler that runs `body` (statements using `dgram`, `sent` and `t`) and returns `out`. */
const handler = (body: string): string => `import dgram from 'node:dgram';
  const sent = (socket, ...args) => new Promise((resolve) => socket.send(...args, (err, bytes) => resolve(err ? { code: err.code, syscall: err.syscall, address: err.address, port: err.port, message: err.message } : { bytes })));
  const t = (f) => { try { return f(); } catch (e) { return { code: e.code, message: e.message }; } };
  export const handler = async () => { ${body} };`;

describe('dgram in the sandbox', () => {
  it('a datagram to the X-Ray daemon is sent (the callback gets its size); one elsewhere fails with ENETUNREACH naming the limitation', async () => {
    const fn = await deploy(sim, handler(`const s = dgram.createSocket('udp4');
      const out = [
        await sent(s, Buffer.from('{"format":"json","version":1}\\nseg'), 0, 33, 2000, '169.254.79.129'),
        await sent(s, 'abcdef', 2000, '169.254.79.129'),
        await sent(s, 'x', 8125, '127.0.0.1'),
      ];
      s.close();
      return out;`));
    const r = await call(sim, fn);
    expect(r.out.FunctionError, r.text).toBeUndefined();
    const [daemon, short, statsd] = r.payload as Array<Record<string, unknown>>;
    expect(daemon).toEqual({ bytes: 33 });
    expect(short).toEqual({ bytes: 6 });
    expect(statsd).toEqual({
      code: 'ENETUNREACH', syscall: 'send', address: '127.0.0.1', port: 8125,
      message: "send ENETUNREACH 127.0.0.1:8125: lambda-sim's sandbox sends UDP datagrams only to the X-Ray daemon (AWS_XRAY_DAEMON_ADDRESS, 169.254.79.129:2000), which drops them; for another UDP peer use a host module (simulator option `modules`)",
    });
  });

  it('the daemon is where AWS_XRAY_DAEMON_ADDRESS points, in both of the X-Ray SDK\'s forms', async () => {
    const body = `const s = dgram.createSocket('udp4');
      const out = [await sent(s, 'a', 3000, '127.0.0.1'), (await sent(s, 'a', 2000, '169.254.79.129')).code ?? 'sent'];
      s.close();
      return [out[0].bytes ?? out[0].code, out[1]];`;
    const plain = await deploy(sim, handler(body), { Environment: { Variables: { AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:3000' } } });
    const split = await deploy(sim, handler(body), { Environment: { Variables: { AWS_XRAY_DAEMON_ADDRESS: 'tcp:127.0.0.1:2001 udp:127.0.0.1:3000' } } });
    expect((await call(sim, plain)).payload).toEqual([1, 'ENETUNREACH']);
    expect((await call(sim, split)).payload).toEqual([1, 'ENETUNREACH']);
  });

  it('without a callback a send error is an error event; a connected socket sends to its peer; events and errors follow Node', async () => {
    const fn = await deploy(sim, handler(`const events = [];
      const s = dgram.createSocket({ type: 'udp4' });
      s.on('listening', () => events.push('listening'));
      s.on('close', () => events.push('close'));
      const error = new Promise((resolve) => s.once('error', (e) => resolve(e.code)));
      s.send('x', 9999, '10.0.0.1');
      const eventCode = await error;
      const bound = s.address();
      const c = dgram.createSocket('udp4');
      await new Promise((resolve) => c.connect(2000, '169.254.79.129', resolve));
      const viaPeer = await new Promise((resolve) => c.send('seg', (err, bytes) => resolve(err ? err.code : bytes)));
      const peer = c.remoteAddress();
      const twice = t(() => c.connect(2000, '169.254.79.129'));
      const portOnConnected = t(() => c.send('x', 0, 1, 2000, '169.254.79.129'));
      c.disconnect();
      const notConnected = t(() => c.remoteAddress());
      c.close();
      await new Promise((resolve) => s.close(resolve));
      return {
        eventCode, family: bound.family, ephemeral: bound.port >= 32768 && bound.port <= 60999, viaPeer, peer, twice: twice.code, portOnConnected: portOnConnected.code,
        notConnected: notConnected.code, afterClose: t(() => s.send('x', 2000, '169.254.79.129')).code, closeTwice: t(() => s.close()).code,
        badType: t(() => dgram.createSocket('tcp')), badPort: t(() => dgram.createSocket('udp4').send('x', 0, '169.254.79.129')).code,
        unbound: t(() => dgram.createSocket('udp6').address()).code, refs: s.unref() === s && s.ref() === s,
        tooBig: await sent(dgram.createSocket('udp4'), Buffer.alloc(65508), 2000, '169.254.79.129').then((e) => e.code),
        events,
      };`));
    const r = await call(sim, fn);
    expect(r.out.FunctionError, r.text).toBeUndefined();
    expect(r.payload).toEqual({
      eventCode: 'ENETUNREACH', family: 'IPv4', ephemeral: true, viaPeer: 3, peer: { address: '169.254.79.129', family: 'IPv4', port: 2000 },
      twice: 'ERR_SOCKET_DGRAM_IS_CONNECTED', portOnConnected: 'ERR_SOCKET_DGRAM_IS_CONNECTED', notConnected: 'ERR_SOCKET_DGRAM_NOT_CONNECTED',
      afterClose: 'ERR_SOCKET_DGRAM_NOT_RUNNING', closeTwice: 'ERR_SOCKET_DGRAM_NOT_RUNNING',
      badType: { code: 'ERR_SOCKET_BAD_TYPE', message: 'Bad socket type specified. Valid types are: udp4, udp6' }, badPort: 'ERR_SOCKET_BAD_PORT',
      unbound: 'EBADF', refs: true, tooBig: 'EMSGSIZE',
      // The first send bound the socket (as Node binds implicitly); close came once.
      events: ['listening', 'close'],
    });
  });

  it('bind takes a port and calls back once listening; nothing is ever received; multicast is unsupported', async () => {
    const fn = await deploy(sim, handler(`const s = dgram.createSocket('udp4', () => { throw new Error('no datagram reaches the sandbox'); });
      await new Promise((resolve) => s.bind(41234, resolve));
      const a = s.address();
      const again = t(() => s.bind(41235)).code;
      const group = t(() => s.addMembership('224.0.0.114'));
      s.close();
      return [a, again, group.code, group.message];`));
    const r = await call(sim, fn);
    expect(r.out.FunctionError, r.text).toBeUndefined();
    expect(r.payload).toEqual([
      { address: '0.0.0.0', family: 'IPv4', port: 41234 }, 'ERR_SOCKET_ALREADY_BOUND', 'ERR_LAMBDA_SIM_UNSUPPORTED',
      expect.stringMatching(/^lambda-sim: dgram\.Socket\.prototype\.addMembership\(\) is not supported in the sandbox/),
    ]);
  });
});
