/**
 * Hostile HTTP traffic against `sim.listen()` (issue 9, part 4), on raw sockets: truncated and
 * never-finished bodies, slow senders, idle connections, malformed chunked encoding, oversized
 * headers, request smuggling shapes, pipelining, HTTP/1.0, `Expect: 100-continue`.
 *
 * The server must never crash, never run a function for a request it did not receive whole, cut a
 * slow or stalled sender off after `headersTimeoutMs` / `requestTimeoutMs` (small here) with a typed
 * 408, and keep serving everyone else meanwhile. Nothing here sleeps: each test waits for the
 * socket's close or the response it expects; senders that dribble do so on a timer of their own.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaSimulator, type LambdaEndpoint } from '../../src/index.js';
import { raw } from '../wire/support.js';

/** The slow-sender deadlines of the endpoint under test (real ms). */
const HEADERS_TIMEOUT_MS = 200;
const REQUEST_TIMEOUT_MS = 400;
const INVOKE = '/2015-03-31/functions/echo/invocations';

let sim: LambdaSimulator;
let endpoint: LambdaEndpoint;
/** Payloads the echo function ran with (it answers its event, so the record's payload is the request's). */
const ran: string[] = [];

beforeAll(async () => {
  sim = new LambdaSimulator({ seed: 1 });
  await sim.createFunction({ FunctionName: 'echo', Handler: 'index.handler', Code: { Source: 'export const handler = async (e) => e;' } });
  sim.on('invocation:end', (r) => ran.push(r.payload));
  endpoint = await sim.listen({ headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  await raw(endpoint.url, 'POST', INVOKE, '"warm"'); // later invokes are warm: quick, whatever the machine
});
afterAll(async () => {
  await endpoint.close();
  await sim.close();
});

// ---- raw connections ----

interface Closed {
  /** Everything the server sent. */
  data: string;
  /** Real ms from connecting to the close. */
  ms: number;
}

/**
 * Connects, lets `send` talk (it may keep writing on a timer, until the socket closes), and
 * resolves when the connection is closed, by either side.
 */
function exchange(port: number, send: (socket: Socket) => void): Promise<Closed> {
  return new Promise((resolve) => {
    const started = performance.now();
    let data = '';
    const socket = connect(port, '127.0.0.1', () => send(socket));
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ data, ms: performance.now() - started }));
  });
}

/** Writes `text` a byte at a time every `everyMs`, stopping when the connection closes. */
function dribble(socket: Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (i >= text.length || socket.destroyed || !socket.writable) return void clearInterval(timer);
    socket.write(text[i++]!);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

/** Status codes of the responses in `data` (a pipelined response starts right after the previous body). */
const statuses = (data: string): number[] => [...data.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
const errorType = (data: string): string | undefined => /^x-amzn-errortype: (.+)\r$/im.exec(data)?.[1];
const marker = (name: string): string => JSON.stringify({ marker: name });
const head = (lines: string[]): string => `POST ${INVOKE} HTTP/1.1\r\nhost: x\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
const withLength = (body: string, declared = body.length): string => head([`content-length: ${declared}`]) + body;

/** Requests the server must answer with an error, and close, without running the function. */
const REFUSED: Array<{ case: string; send: (socket: Socket, body: string) => void; status: number[]; type: string; slow?: true }> = [
  { case: 'a truncated body (40 of 100 declared bytes), then a half-close', send: (s, b) => s.end(withLength(b, 100)), status: [400], type: 'InvalidRequestContentException' },
  { case: 'a body that never finishes (the client stays connected)', send: (s, b) => s.write(withLength(b, 100)), status: [408], type: 'RequestTimeoutException', slow: true },
  { case: 'a body dribbled a byte every 50 ms (slower than the request timeout)', send: (s, b) => (s.write(head([`content-length: ${b.length}`])), dribble(s, b, 50)), status: [408], type: 'RequestTimeoutException', slow: true },
  { case: 'headers dribbled a byte every 20 ms (slower than the headers timeout)', send: (s, b) => dribble(s, withLength(b), 20), status: [408], type: 'RequestTimeoutException', slow: true },
  { case: 'a connection that sends nothing', send: () => {}, status: [408], type: 'RequestTimeoutException', slow: true },
  { case: 'a chunked body with a chunk size that is not hex', send: (s, b) => s.write(`${head(['transfer-encoding: chunked'])}zz\r\n${b}\r\n0\r\n\r\n`), status: [400], type: 'InvalidRequestContentException' },
  { case: 'a chunked body with a chunk size past 2^64', send: (s, b) => s.write(`${head(['transfer-encoding: chunked'])}fffffffffffffffffff\r\n${b}\r\n0\r\n\r\n`), status: [400], type: 'InvalidRequestContentException' },
  { case: 'a chunk shorter than its declared size', send: (s, b) => s.write(`${head(['transfer-encoding: chunked'])}ff\r\n${b}\r\n0\r\n\r\n`), status: [408], type: 'RequestTimeoutException', slow: true },
  { case: 'a chunked body that never sends its last chunk', send: (s, b) => s.write(`${head(['transfer-encoding: chunked'])}${b.length.toString(16)}\r\n${b}\r\n`), status: [408], type: 'RequestTimeoutException', slow: true },
  { case: 'both Content-Length and Transfer-Encoding (request smuggling)', send: (s, b) => s.write(`${head([`content-length: ${b.length}`, 'transfer-encoding: chunked'])}${b.length.toString(16)}\r\n${b}\r\n0\r\n\r\n`), status: [400], type: 'InvalidRequestContentException' },
  { case: 'two different Content-Length headers', send: (s, b) => s.write(head([`content-length: ${b.length}`, 'content-length: 3']) + b), status: [400], type: 'InvalidRequestContentException' },
  { case: 'headers over 16 KB', send: (s, b) => s.write(head([`x-padding: ${'x'.repeat(20_000)}`, `content-length: ${b.length}`]) + b), status: [431], type: 'InvalidRequestContentException' },
  { case: 'Expect: 100-continue, then no body', send: (s, b) => s.write(head([`content-length: ${b.length}`, 'expect: 100-continue'])), status: [100, 408], type: 'RequestTimeoutException', slow: true },
];

describe('hostile HTTP clients against sim.listen()', () => {
  it.each(REFUSED)('$case: answered $status, typed, closed, and the function does not run', async ({ case: name, send, status, type, slow }) => {
    const body = marker(name);
    const { data, ms } = await exchange(endpoint.port, (s) => send(s, body));
    expect(statuses(data), data.slice(0, 300)).toEqual(status);
    expect(errorType(data)).toBe(type);
    expect(data).toMatch(/\r\n\r\n\{"Type":"User","message":".+"\}$/);
    // A slow sender is cut off at its deadline (the server checks a few times per timeout), not before.
    if (slow === true) expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS * 0.9);
    expect(ran).not.toContain(body);
  });

  it('a truncated body and then a reset connection: nothing runs, nothing answers, the server keeps serving', async () => {
    const body = marker('reset');
    await exchange(endpoint.port, (s) => s.write(withLength(body, 100), () => s.resetAndDestroy()));
    expect((await raw(endpoint.url, 'POST', INVOKE, '"after the reset"')).body).toBe('"after the reset"');
    expect(ran).not.toContain(body);
  });

  it('pipelined requests on one connection are all answered, in order', async () => {
    const bodies = ['1', '2', '3'].map((n) => marker(`pipelined ${n}`));
    const requests = bodies.map((b, i) => head([`content-length: ${b.length}`, ...(i === bodies.length - 1 ? ['connection: close'] : [])]) + b);
    const { data } = await exchange(endpoint.port, (s) => s.write(requests.join('')));
    expect(statuses(data)).toEqual([200, 200, 200]);
    const at = bodies.map((b) => data.indexOf(`\r\n\r\n${b}`));
    expect(at.every((p, i) => p > (at[i - 1] ?? 0)), data).toBe(true);
    expect(bodies.filter((b) => !ran.includes(b))).toEqual([]);
  });

  it('an HTTP/1.0 request is answered and its connection closed', async () => {
    const body = marker('http/1.0');
    const { data } = await exchange(endpoint.port, (s) => s.write(`POST ${INVOKE} HTTP/1.0\r\ncontent-length: ${body.length}\r\n\r\n${body}`));
    expect(statuses(data)).toEqual([200]);
    expect(data.endsWith(`\r\n\r\n${body}`)).toBe(true);
  });

  it('Expect: 100-continue gets 100 Continue, then the body is read and run', async () => {
    const body = marker('100-continue');
    const { data } = await exchange(endpoint.port, (s) => {
      s.write(head([`content-length: ${body.length}`, 'expect: 100-continue', 'connection: close']));
      s.once('data', () => s.write(body)); // the body goes once the server said 100 Continue
    });
    expect(statuses(data)).toEqual([100, 200]);
    expect(data.endsWith(`\r\n\r\n${body}`)).toBe(true);
  });

  it('many idle connections neither block other clients nor stay open past the headers timeout', async () => {
    const idle: Array<Promise<Closed>> = [];
    let connected = 0;
    const allConnected = new Promise<void>((resolve) => {
      for (let i = 0; i < 100; i++) idle.push(exchange(endpoint.port, () => ++connected === 100 && resolve()));
    });
    await allConnected;
    expect((await raw(endpoint.url, 'POST', INVOKE, '"served among idle ones"')).body).toBe('"served among idle ones"');
    const closed = await Promise.all(idle);
    expect(closed.every((c) => statuses(c.data)[0] === 408)).toBe(true);
  });

  it('while one client stalls mid-body, others are served; then the staller is cut off', async () => {
    // A longer deadline here, so that "served while the staller is still connected" holds on a slow machine too.
    const patient = await sim.listen({ requestTimeoutMs: 3_000 });
    try {
      const body = marker('staller');
      let stallerOpen = true;
      const staller = exchange(patient.port, (s) => s.write(withLength(body, 1_000))).finally(() => (stallerOpen = false));
      const served: string[] = [];
      for (let i = 0; i < 5; i++) served.push((await raw(patient.url, 'POST', INVOKE, `"while stalled ${i}"`)).body);
      expect({ served, stallerOpen }).toEqual({ served: [0, 1, 2, 3, 4].map((i) => `"while stalled ${i}"`), stallerOpen: true });
      const { data } = await staller;
      expect([statuses(data), errorType(data)]).toEqual([[408], 'RequestTimeoutException']);
      expect(ran).not.toContain(body);
    } finally {
      await patient.close();
    }
  });

  it('listen() refuses timeouts that are not whole milliseconds >= 1, or a headers timeout above the request timeout', async () => {
    const refused = async (options: object): Promise<string> => sim.listen(options).then(async (e) => (await e.close(), 'listening'), (e: Error) => e.message);
    expect(await refused({ requestTimeoutMs: 0 })).toBe('Expected `requestTimeoutMs` to be whole milliseconds >= 1, got `0`');
    expect(await refused({ headersTimeoutMs: Number.NaN })).toBe('Expected `headersTimeoutMs` to be whole milliseconds >= 1, got `NaN`');
    expect(await refused({ headersTimeoutMs: 500, requestTimeoutMs: 400 })).toBe('Expected `headersTimeoutMs` (500) to be at most `requestTimeoutMs` (400)');
  });

  it('afterwards the server still serves, and none of the refused requests ran', async () => {
    expect((await raw(endpoint.url, 'POST', INVOKE, '"still here"')).body).toBe('"still here"');
    const refusedBodies = [...REFUSED.map((r) => marker(r.case)), marker('reset'), marker('staller')];
    expect(ran.filter((p) => refusedBodies.includes(p))).toEqual([]);
  });
});
