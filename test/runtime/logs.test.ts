import { format } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, deploy, newSim, type Sim } from '../helpers.js';

let sim: Sim;
beforeEach(() => {
  sim = newSim();
});
afterEach(async () => {
  await sim.close();
});

/** Each case is an argument list, written once and evaluated both in the sandbox and on the host. */
const CASES = [
  `'plain', 'strings', 'joined'`,
  `'%s is %d years and %i days, %f%%', 'Ada', 36.6, 12.9, 1.5`,
  `'%j', { a: [1, 'two', { three: 3 }] }`,
  `'%o', { nested: { deep: { deeper: { deepest: 1 } } }, list: [1, 2, 3] }`,
  `'%O', { nested: { deep: { deeper: { deepest: 1 } } } }`,
  `{ a: 1, b: 'two', c: [1, 2, { d: null, e: undefined }], f: true }`,
  `[1, 'a', [2, [3, [4, [5]]]], { x: 1 }]`,
  `'line one\\nline two\\nline three'`,
  `'count:', 3, 'flag:', false, null, undefined`,
  `new Map([['k', 1]]), new Set([1, 2]), /re+/g, Symbol('s'), 10n`,
  `'%s', { toString() { return 'custom'; } }, 'extra %s'`,
  `{ long: 'x'.repeat(100), arr: Array.from({ length: 120 }, (_, i) => i) }`,
  `'%c styled', 'color: red'`,
  `'no args %s %d'`,
  `-0, [ -0 ], 0.1 + 0.2, NaN, Infinity`,
];

const hostArgs = (expr: string): unknown[] => new Function(`return [${expr}];`)() as unknown[];

describe('console records (text format)', () => {
  it.each(CASES)('console.log(%s) is formatted exactly as Node util.format, newlines as \\r', async (expr) => {
    const fn = await deploy(sim, `export const handler = async () => { console.log(${expr}); };`);
    const r = await call(sim, fn);
    const id = r.out.$metadata.requestId!;
    const line = r.log.split('\n').find((l) => l.includes('\tINFO\t'));
    expect(line).toBe(`2025-01-01T00:00:00.000Z\t${id}\tINFO\t${format(...hostArgs(expr)).replace(/\n/g, '\r')}`);
  });

  it('formats Errors with their stack, and levels by method', async () => {
    const fn = await deploy(
      sim,
      `export const handler = async () => { const e = new TypeError('bad'); console.error(e); console.warn('w'); console.info('i'); console.debug('d'); console.trace('t'); console.fatal?.('f'); };`,
    );
    const r = await call(sim, fn);
    const lines = r.log.split('\n').filter((l) => l.startsWith('2025'));
    expect(lines.map((l) => l.split('\t')[2])).toEqual(['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'FATAL']);
    expect(lines[0]!.split('\t')[3]).toMatch(/^TypeError: bad\r {4}at handler \(\/var\/task\/index\.js:1:\d+\)/);
    expect(lines[4]!.split('\t')[3]).toBe('t');
  });
});

describe('JSON log format', () => {
  it.each(CASES)('console.log(%s) carries exactly Node util.format as its message', async (expr) => {
    const fn = await deploy(sim, `export const handler = async () => { console.log(${expr}); };`, { LoggingConfig: { LogFormat: 'JSON' } });
    const r = await call(sim, fn);
    const record = r.log
      .split('\n')
      .filter((l) => l.startsWith('{"timestamp"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)[0];
    expect(record).toEqual({ timestamp: '2025-01-01T00:00:00.000Z', level: 'INFO', requestId: r.out.$metadata.requestId, message: format(...hostArgs(expr)) });
  });

  it('writes console records as JSON objects with timestamp, level, requestId, message', async () => {
    const fn = await deploy(sim, `export const handler = async () => { console.log('%s and %j', 'x', { y: 1 }); console.warn('multi\\nline'); };`, {
      LoggingConfig: { LogFormat: 'JSON' },
    });
    const r = await call(sim, fn);
    const id = r.out.$metadata.requestId!;
    const records = r.log.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).toEqual({ time: '2025-01-01T00:00:00.000Z', type: 'platform.start', record: { requestId: id, version: '$LATEST' } });
    expect(records[1]).toEqual({ timestamp: '2025-01-01T00:00:00.000Z', level: 'INFO', requestId: id, message: 'x and {"y":1}' });
    expect(records[2]).toEqual({ timestamp: '2025-01-01T00:00:00.000Z', level: 'WARN', requestId: id, message: 'multi\nline' });
    expect(records[3]).toMatchObject({ type: 'platform.report', record: { requestId: id, status: 'success', metrics: { durationMs: 0, billedDurationMs: 1, memorySizeMB: 128 } } });
  });

  it('drops records below ApplicationLogLevel', async () => {
    const fn = await deploy(sim, `export const handler = async () => { console.debug('hidden'); console.info('hidden too'); console.warn('shown'); };`, {
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN' },
    });
    const r = await call(sim, fn);
    expect(r.log).not.toContain('hidden');
    expect(r.log).toContain('"message":"shown"');
  });

  it('writes a function error as a JSON record with errorType, errorMessage, stackTrace', async () => {
    const fn = await deploy(sim, `export const handler = async () => { throw new Error('json boom'); };`, { LoggingConfig: { LogFormat: 'JSON' } });
    const r = await call(sim, fn);
    const err = r.log.split('\n').map((l) => (l === '' ? {} : JSON.parse(l))).find((x) => x.level === 'ERROR');
    expect(err.message.errorType).toBe('Error');
    expect(err.message.errorMessage).toBe('json boom');
    expect(err.message.stackTrace[0]).toBe('Error: json boom');
  });
});

describe('platform records, byte for byte', () => {
  it('matches the golden text log of a cold then a warm invocation', async () => {
    const fn = await deploy(sim, `console.log('init'); export const handler = async (e) => { console.log('event', e); await new Promise((r) => setTimeout(r, 1234.5)); return 'ok'; };`, {
      FunctionName: 'golden',
    });
    const a = await call(sim, fn, { n: 1 });
    const b = await call(sim, fn, { n: 2 });
    const mask = (s: string): string => s.replace(/Max Memory Used: \d+ MB/g, 'Max Memory Used: <measured> MB');
    await expect(mask(a.log + b.log)).toMatchFileSnapshot('../golden/cold-warm.text.golden');
  });

  it('matches the golden JSON log', async () => {
    const fn = await deploy(sim, `export const handler = async (e) => { console.log('event', e); throw new Error('x'); };`, {
      FunctionName: 'goldenjson',
      LoggingConfig: { LogFormat: 'JSON' },
    });
    const a = await call(sim, fn, { n: 1 });
    const mask = (s: string): string => s.replace(/"maxMemoryUsedMB":\d+/g, '"maxMemoryUsedMB":"<measured>"').replace(/index\.js:\d+:\d+/g, 'index.js:L:C');
    await expect(mask(a.log)).toMatchFileSnapshot('../golden/error.json.golden');
  });
});
