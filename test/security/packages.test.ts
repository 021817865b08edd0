/**
 * Issue 16, classes 1 and 6: what bundling a deployment package may read of the host, and how
 * large a package may be. esbuild expands template-literal and concatenated `import()` /
 * `require()` into file globs that no resolution hook sees: every file it loads is confined to the
 * package (src/runtime/bundle-guard.ts), bundling has a time and size budget, and a ZIP's sizes are
 * checked before anything is inflated (src/runtime/package-zip.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostLimitExceededError, InvalidParameterValueException, LambdaSimulator, RequestEntityTooLargeException } from '../../src/index.js';
import { call, deploy } from '../helpers.js';
import { raw } from '../wire/support.js';

/** A file outside every package, as a host secret: no route may bundle it (made before the rows are). */
const secretDir = mkdtempSync(join(tmpdir(), 'pkg-secret-'));
const SECRET = 'host-file-secret-51c2e0';
writeFileSync(join(secretDir, 'secret.txt'), SECRET);
writeFileSync(join(secretDir, 'secret.js'), `module.exports = ${JSON.stringify(SECRET)};`);
afterAll(() => rmSync(secretDir, { recursive: true, force: true }));
const UP = '../'.repeat(12);

/**
 * The archive with a ZIP64 end of central directory (fflate writes none: past 65,535 entries its
 * 16-bit count wraps), saying it holds `count` entries.
 */
function zip64(archive: Uint8Array, count: number): Uint8Array {
  const eocd = archive.length - 22;
  const view = Buffer.from(archive);
  const cdSize = view.readUInt32LE(eocd + 12);
  const cdOffset = view.readUInt32LE(eocd + 16);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(cdSize), 40);
  record.writeBigUInt64LE(BigInt(cdOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(eocd), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.from(view.subarray(eocd));
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  return new Uint8Array(Buffer.concat([view.subarray(0, eocd), record, locator, end]));
}

const zip = (files: Record<string, string>): Uint8Array => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));
const secretPath = (): string => `${UP.slice(0, -1)}${secretDir}/secret`;

/** Module sources that make esbuild glob outside the package; each must be refused at create time. */
const outsideGlobs = (): Array<[string, string]> => [
  ['a template literal up the tree, as text', `export const handler = async (e) => (await import(\`${secretPath()}\${e.p}\`, { with: { type: 'text' } })).default;`],
  ['the issue’s /etc/pass${…}', `export const handler = async (e) => (await import(\`${UP}etc/pass\${e.p}\`, { with: { type: 'text' } })).default;`],
  ['a concatenated require()', `export const handler = async (e) => require('${secretPath()}' + e.p);`],
  ['an absolute template literal', `export const handler = async (e) => (await import(\`${secretDir}/secret\${e.p}\`, { with: { type: 'text' } })).default;`],
  ['a constant-folded template literal', `export const handler = async (e) => (await import(\`\${'.'}${secretPath().slice(1)}\${e.p}\`, { with: { type: 'text' } })).default;`],
  ['a comment before the argument', `export const handler = async (e) => import(/* x */ \`${secretPath()}\${e.p}\`, { with: { type: 'text' } });`],
  ['a parenthesised argument', `export const handler = async (e) => import((\`${secretPath()}\${e.p}\`), { with: { type: 'text' } });`],
  ['escaped dots', `export const handler = async (e) => import(\`${secretPath().replace(/\./g, '\\x2e')}\${e.p}\`, { with: { type: 'text' } });`],
  ['a concatenation with a comment', `export const handler = async (e) => require('${secretPath()}' /* */ + e.p);`],
  ['a parenthesised concatenation', `export const handler = async (e) => require(('${secretPath()}') + e.p);`],
  ['a glob from a file in node_modules', `import { load } from 'dep'; export const handler = async (e) => load(e.p);`],
];
const depFile = (): string => `exports.load = (p) => import(\`${secretPath()}\${p}\`, { with: { type: 'text' } });`;

describe('a package’s dynamic imports read only its own files', () => {
  let sim: LambdaSimulator;
  beforeAll(() => {
    sim = new LambdaSimulator({ seed: 16 });
  });
  afterAll(() => sim.close());

  it.each(outsideGlobs())('ZipFile: %s is InvalidParameterValueException naming the file, and nothing is created', async (_, source) => {
    const files: Record<string, string> = { 'index.mjs': source, 'node_modules/dep/index.js': depFile(), 'node_modules/dep/package.json': '{"name":"dep","main":"index.js"}' };
    const error = await sim.createFunction({ FunctionName: 'zipglob', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip(files) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect((error as Error).message).toMatch(/outside its deployment package/);
    // Named as the package sees it (relative to /var/task), or the directory the import points into.
    expect((error as Error).message).toMatch(/pkg-secret-\w+\/|(^|[^\w])\/etc\//);
    await expect(sim.getFunction({ FunctionName: 'zipglob' })).rejects.toThrow(/Function not found/);
  });

  it.each(outsideGlobs())('Path: %s is refused too (globs stay in the directory and its node_modules)', async (_, source) => {
    const dir = mkdtempSync(join(tmpdir(), 'pkg-path-'));
    try {
      mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true });
      writeFileSync(join(dir, 'index.mjs'), source);
      writeFileSync(join(dir, 'node_modules', 'dep', 'index.js'), depFile());
      writeFileSync(join(dir, 'node_modules', 'dep', 'package.json'), '{"name":"dep","main":"index.js"}');
      const error = await sim.createFunction({ FunctionName: 'pathglob', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Path: dir } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidParameterValueException);
      expect((error as Error).message).toMatch(/pkg-secret-\w+\/|(^|[^\w])\/etc\//);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Source: a template literal out of the temporary directory is refused', async () => {
    const [, source] = outsideGlobs()[0]!;
    await expect(deploy(sim, source, { FunctionName: 'srcglob' })).rejects.toThrow(InvalidParameterValueException);
  });

  it('over HTTP, POST /2015-03-31/functions with such a ZipFile answers 400 InvalidParameterValueException', async () => {
    const endpoint = await sim.listen();
    try {
      const body = JSON.stringify({
        FunctionName: 'httpglob', Handler: 'index.handler', Runtime: 'nodejs20.x', Role: 'arn:aws:iam::123456789012:role/r',
        Code: { ZipFile: Buffer.from(zip({ 'index.mjs': outsideGlobs()[1]![1] })).toString('base64') },
      });
      const answer = await raw(endpoint.url, 'POST', '/2015-03-31/functions', body, { 'content-type': 'application/json' });
      expect(answer.status).toBe(400);
      expect(answer.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
      expect(answer.body).not.toContain('root:');
    } finally {
      await endpoint.close();
    }
  });

  it('a handler deploying such a ZipFile through the runtime-provided SDK gets InvalidParameterValueException', async () => {
    const name = await deploy(
      sim,
      `import { LambdaClient, CreateFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
      export const handler = async (event) => {
        const client = new LambdaClient({});
        try {
          await client.send(new CreateFunctionCommand({ FunctionName: 'deployed-glob', Handler: 'index.handler', Runtime: 'nodejs20.x',
            Role: 'arn:aws:iam::123456789012:role/x', Code: { ZipFile: Buffer.from(event.zip, 'base64') } }));
          return (await client.send(new InvokeCommand({ FunctionName: 'deployed-glob', Payload: JSON.stringify({ p: 'swd' }) }))).Payload.transformToString();
        } catch (e) { return e.name + ': ' + e.message; }
      };`,
      { Timeout: 30 },
    );
    const r = await call(sim, name, { zip: Buffer.from(zip({ 'index.mjs': outsideGlobs()[1]![1] })).toString('base64') });
    expect(r.payload).toMatch(/^InvalidParameterValueException: .*outside its deployment package/);
    expect(r.text).not.toContain('root:');
  });

  it('dynamic imports inside the package keep working: template literals, concatenation, JSON and text', async () => {
    const files = {
      'index.mjs': `export const handler = async (e) => {
        const locale = (await import(\`./locales/\${e.lang}.json\`)).default;
        const greet = require('./greeters/' + e.kind + '.js');
        const note = (await import(\`./notes/\${e.note}\`, { with: { type: 'text' } })).default;
        return [locale.hello, greet(e.who), note];
      };`,
      'locales/en.json': '{"hello":"hello"}',
      'locales/fr.json': '{"hello":"bonjour"}',
      'greeters/loud.js': 'module.exports = (w) => w.toUpperCase() + "!";',
      'greeters/quiet.js': 'module.exports = (w) => w.toLowerCase() + ".";',
      'notes/a.txt': 'note a',
    };
    await sim.createFunction({ FunctionName: 'inside', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip(files) } });
    expect((await call(sim, 'inside', { lang: 'fr', kind: 'loud', who: 'Ada', note: 'a.txt' })).payload).toEqual(['bonjour', 'ADA!', 'note a']);
    expect((await call(sim, 'inside', { lang: 'en', kind: 'quiet', who: 'Ada', note: 'a.txt' })).payload).toEqual(['hello', 'ada.', 'note a']);
  });

  it('a Path package’s static imports may leave its directory (shared code), its globs into its node_modules too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pkg-mono-'));
    try {
      mkdirSync(join(dir, 'functions', 'orders'), { recursive: true });
      mkdirSync(join(dir, 'lib'), { recursive: true });
      mkdirSync(join(dir, 'node_modules', 'moment-ish', 'locale'), { recursive: true });
      writeFileSync(join(dir, 'lib', 'db.js'), 'export const table = "orders";');
      writeFileSync(join(dir, 'node_modules', 'moment-ish', 'index.js'), "exports.locale = (n) => require('./locale/' + n + '.js').name;");
      writeFileSync(join(dir, 'node_modules', 'moment-ish', 'locale', 'de.js'), 'exports.name = "Deutsch";');
      writeFileSync(join(dir, 'node_modules', 'moment-ish', 'package.json'), '{"name":"moment-ish","main":"index.js"}');
      writeFileSync(join(dir, 'functions', 'orders', 'index.mjs'), `import { table } from '../../lib/db.js'; import m from 'moment-ish'; export const handler = async (e) => [table, m.locale(e.l)];`);
      await sim.createFunction({ FunctionName: 'mono', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Path: join(dir, 'functions', 'orders') } });
      expect((await call(sim, 'mono', { l: 'de' })).payload).toEqual(['orders', 'Deutsch']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bundling has a time budget, and a stopped build leaves other builds alone', () => {
  /** A module esbuild takes well over 100 ms to parse (10 MB of array literal). */
  const heavy = `export const data = [${'1,'.repeat(5_000_000)}]; export const handler = async () => data.length;`;

  it('a package whose bundling outlasts the budget ends with HostLimitExceededError; builds it interrupted on the shared service run again', async () => {
    const tight = new LambdaSimulator({ seed: 16, bundling: { timeoutMs: 50 } });
    const other = new LambdaSimulator({ seed: 16 });
    try {
      const [bad, ...good] = await Promise.allSettled([
        deploy(tight, heavy, { FunctionName: 'heavy' }),
        ...[1, 2, 3].map((i) => deploy(other, `export const handler = async () => ${i};`, { FunctionName: `good${i}` })),
      ]);
      expect(bad.status).toBe('rejected');
      expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(HostLimitExceededError);
      expect(((bad as PromiseRejectedResult).reason as Error).message).toBe('lambda-sim stopped bundling the handler code after 50 ms of real time (its budget)');
      expect(good.map((g) => g.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      for (const i of [1, 2, 3]) expect((await call(other, `good${i}`)).payload).toBe(i);
    } finally {
      await Promise.all([tight.close(), other.close()]);
    }
  });

  it('refused ZIP packages (anybody can send them) stop only their own esbuild service: a good build they keep arriving during finishes', async () => {
    const sim = new LambdaSimulator({ seed: 16 });
    // Another client's simulator: bundling is queued per simulator (as many at once as cores).
    const attacker = new LambdaSimulator({ seed: 17 });
    try {
      const bad = zip({ 'index.mjs': outsideGlobs()[1]![1] });
      let done = false;
      // Builds of a few seconds (16 MB of array literal), so that many refusals arrive during them.
      const heavier = `export const data = [${'1,'.repeat(8_000_000)}]; export const handler = async () => data.length;`;
      const good = Promise.all([
        sim.createFunction({ FunctionName: 'goodzip', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip({ 'index.mjs': heavier }) } }),
        deploy(sim, heavier, { FunctionName: 'goodsource' }),
      ]).finally(() => {
        done = true;
      });
      // One refusal after another while the good builds run (each stopped the shared service before).
      const refusals: unknown[] = [];
      for (let i = 0; i < 40 && !done; i++) refusals.push(await attacker.createFunction({ FunctionName: `bad${i}`, Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: bad } }).catch((e: unknown) => e));
      const [zipped, sourced] = await good;
      expect(refusals.length).toBeGreaterThan(5);
      for (const r of refusals) expect(r).toBeInstanceOf(InvalidParameterValueException);
      expect([zipped.FunctionName, sourced]).toEqual(['goodzip', 'goodsource']);
    } finally {
      await Promise.all([sim.close(), attacker.close()]);
    }
  });

  it.each([
    ['a comment before the argument', `import(/* x */ \`${UP}\${e.p}\`)`],
    ['a parenthesised argument', `import((\`${UP}\${e.p}\`))`],
    ['escaped dots', `import(\`${UP.replace(/\./g, '\\x2e')}\${e.p}\`)`],
    ['a concatenation with a comment', `require('${UP}' /* */ + e.p)`],
    ['a parenthesised concatenation', `require(('${UP}') + e.p)`],
    ['a constant-folded template', `import(\`\${'.'}${UP.slice(1)}\${e.p}\`)`],
  ])('a glob over / written with %s is refused from the source, without the walk (it ran to the budget)', async (_, expression) => {
    const sim = new LambdaSimulator({ seed: 16, bundling: { timeoutMs: 10_000 } });
    try {
      const started = Date.now();
      const error = await sim.createFunction({ FunctionName: 'slash', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip({ 'index.mjs': `export const handler = async (e) => ${expression};` }) } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidParameterValueException);
      expect((error as Error).message).toMatch(/the bundler read \/ \(the dynamic import/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await sim.close();
    }
  });

  it('the plain form of a glob over / is refused at once, without the walk', async () => {
    const sim = new LambdaSimulator({ seed: 16 });
    try {
      const started = Date.now();
      await expect(
        sim.createFunction({ FunctionName: 'slash2', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip({ 'index.mjs': `export const handler = async (e) => import(\`${UP}\${e.p}\`);` }) } }),
      ).rejects.toThrow(InvalidParameterValueException);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await sim.close();
    }
  });

  it('bundling options are validated', () => {
    expect(() => new LambdaSimulator({ bundling: { timeoutMs: 0 } })).toThrow(/bundling.timeoutMs/);
    expect(() => new LambdaSimulator({ bundling: { other: 1 } as never })).toThrow(/Unknown option `bundling.other`/);
  });

  it('a package whose files read past maxInputBytes is InvalidParameterValueException', async () => {
    const sim = new LambdaSimulator({ seed: 16, bundling: { maxInputBytes: 10_000 } });
    try {
      const big = `export const data = ${JSON.stringify('x'.repeat(20_000))};`;
      await expect(
        sim.createFunction({ FunctionName: 'big', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip({ 'index.mjs': `import { data } from './data.mjs'; export const handler = async () => data.length;`, 'data.mjs': big }) } }),
      ).rejects.toThrow(/more than 10000 bytes/);
    } finally {
      await sim.close();
    }
  });
});

describe('package size limits are checked before anything is inflated', () => {
  let sim: LambdaSimulator;
  beforeAll(() => {
    sim = new LambdaSimulator({ seed: 16 });
  });
  afterAll(() => sim.close());
  const zipDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('lambda-sim-zip-'));

  it('a ZipFile over 50 MB is RequestEntityTooLargeException, as Lambda words it', async () => {
    const error = await sim.createFunction({ FunctionName: 'huge', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: new Uint8Array(52_428_801) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestEntityTooLargeException);
    expect((error as Error).message).toBe('Zipped size must be smaller than 52428800 bytes');
  });

  it.each([
    ['one entry of 300 MB of zeros', { 'index.mjs': 1, 'zeros.bin': 300 }],
    ['five entries of 60 MB', { 'index.mjs': 1, 'a.bin': 60, 'b.bin': 60, 'c.bin': 60, 'd.bin': 60, 'e.bin': 60 }],
  ])('a small ZIP that inflates past 250 MB (%s) is InvalidParameterValueException, and nothing is written', async (_, layout) => {
    const zeros = new Uint8Array(300 * 1048576);
    const files = Object.fromEntries(Object.entries(layout).map(([k, mb]) => [k, k === 'index.mjs' ? strToU8('export const handler = async () => 1;') : zeros.subarray(0, mb * 1048576)]));
    const bytes = zipSync(files, { level: 9 });
    expect(bytes.length).toBeLessThan(2 * 1048576);
    const before = zipDirs();
    const error = await sim.createFunction({ FunctionName: 'bomb', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: bytes } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect((error as Error).message).toBe('Unzipped size must be smaller than 262144000 bytes');
    expect(zipDirs()).toEqual(before);
  });

  it('updateFunctionCode checks the same limits, and the function keeps its code', async () => {
    await sim.createFunction({ FunctionName: 'keeps', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip({ 'index.mjs': 'export const handler = async () => "v1";' }) } });
    const bomb = zipSync({ 'index.mjs': strToU8('export const handler = async () => "v2";'), 'z.bin': new Uint8Array(260 * 1048576) }, { level: 9 });
    await expect(sim.updateFunctionCode({ FunctionName: 'keeps', ZipFile: bomb })).rejects.toThrow('Unzipped size must be smaller than 262144000 bytes');
    expect((await call(sim, 'keeps')).payload).toBe('v1');
  });

  it('a package of more than 100,000 entries (ZIP64) is HostLimitExceededError', async () => {
    const files: Record<string, Uint8Array> = { 'index.mjs': strToU8('export const handler = async () => 1;') };
    for (let i = 0; i < 100_000; i++) files[`f/${i}`] = new Uint8Array(0);
    const error = await sim.createFunction({ FunctionName: 'many', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip64(zipSync(files), 100_001) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostLimitExceededError);
    expect((error as Error).message).toMatch(/at most 100000 entries/);
  });

  it('over HTTP, a ZIP bomb answers 400 InvalidParameterValueException with Lambda’s message', async () => {
    const endpoint = await sim.listen();
    try {
      const bomb = zipSync({ 'index.mjs': strToU8('export const handler = async () => 1;'), 'z.bin': new Uint8Array(270 * 1048576) }, { level: 9 });
      const body = JSON.stringify({ FunctionName: 'httpbomb', Handler: 'index.handler', Runtime: 'nodejs20.x', Role: 'arn:aws:iam::123456789012:role/r', Code: { ZipFile: Buffer.from(bomb).toString('base64') } });
      const answer = await raw(endpoint.url, 'POST', '/2015-03-31/functions', body, { 'content-type': 'application/json' });
      expect(answer.status).toBe(400);
      expect(answer.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
      expect(JSON.parse(answer.body)).toMatchObject({ message: 'Unzipped size must be smaller than 262144000 bytes' });
    } finally {
      await endpoint.close();
    }
  });
});

/**
 * A ZIP written entry by entry, so tests can make it lie: `entries` are written as local headers
 * with their (already compressed) data; `directory` lists the central directory's entries, each
 * pointing at one of them (several may point at the same one) with the sizes it declares.
 */
function craftZip(entries: Array<{ name: string; data: Uint8Array; method: number }>, directory: Array<{ of: number; size: number; compressedSize?: number; flags?: number; method?: number }>): Uint8Array {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(e.method, 8);
    head.writeUInt32LE(e.data.length, 18);
    head.writeUInt32LE(e.data.length, 22);
    head.writeUInt16LE(name.length, 26);
    offsets.push(at);
    parts.push(head, name, Buffer.from(e.data));
    at += 30 + name.length + e.data.length;
  }
  const cdStart = at;
  for (const d of directory) {
    const e = entries[d.of]!;
    const name = Buffer.from(e.name);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(d.flags ?? 0, 8);
    cd.writeUInt16LE(d.method ?? e.method, 10);
    cd.writeUInt32LE(d.compressedSize ?? e.data.length, 20);
    cd.writeUInt32LE(d.size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offsets[d.of]!, 42);
    parts.push(cd, name);
    at += 46 + name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(directory.length, 8);
  end.writeUInt16LE(directory.length, 10);
  end.writeUInt32LE(at - cdStart, 12);
  end.writeUInt32LE(cdStart, 16);
  parts.push(end);
  return new Uint8Array(Buffer.concat(parts));
}

describe('a ZIP that lies about itself is refused before it costs the host', () => {
  let sim: LambdaSimulator;
  beforeAll(() => {
    sim = new LambdaSimulator({ seed: 16 });
  });
  afterAll(() => sim.close());
  const handler = { name: 'index.mjs', data: strToU8('export const handler = async () => "ran";'), method: 0 };
  const create = (bytes: Uint8Array): Promise<unknown> => sim.createFunction({ FunctionName: 'liar', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: bytes } }).catch((e: unknown) => e);

  it.each([
    ['many directory entries pointing at the same stored 2 MB (it wrote 400 MB from a 20 MB ZIP)', () => {
      const blob = { name: 'blob.bin', data: new Uint8Array(2 * 1048576), method: 0 };
      return craftZip([handler, blob], [{ of: 0, size: handler.data.length }, ...Array.from({ length: 50 }, () => ({ of: 1, size: 2 * 1048576 }))]);
    }, /two entries share the same bytes/],
    ['a stored entry declaring fewer bytes than it holds', () => {
      const blob = { name: 'blob.bin', data: new Uint8Array(1048576), method: 0 };
      return craftZip([handler, blob], [{ of: 0, size: handler.data.length }, { of: 1, size: 10 }]);
    }, /stored entry 'blob.bin' declares 10 bytes but holds 1048576/],
    ['a deflate entry declaring 1 byte that inflates to 200 MB (it held the event loop for seconds)', () => {
      const bomb = { name: 'bomb.bin', data: deflateSync(new Uint8Array(200 * 1048576), { level: 9 }), method: 8 };
      return craftZip([handler, bomb], [{ of: 0, size: handler.data.length }, { of: 1, size: 1 }]);
    }, /entry 'bomb.bin' inflates past its declared 1 bytes/],
    ['an entry whose bytes lie past the end of the file', () => craftZip([handler], [{ of: 0, size: 10_000_000, compressedSize: 10_000_000 }]), /lies outside the file/],
    ['an encrypted entry', () => craftZip([handler], [{ of: 0, size: handler.data.length, flags: 1 }]), /is encrypted/],
    ['an unknown compression method', () => craftZip([handler], [{ of: 0, size: handler.data.length, method: 14 }]), /compression method 14/],
  ])('%s: InvalidParameterValueException', async (_, make, message) => {
    const bytes = make();
    const started = Date.now();
    const error = await create(bytes);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect((error as Error).message).toMatch(message);
    // Refused from the directory or within a step of inflating: no real work was done.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('an honest crafted ZIP (stored and deflate) deploys and runs', async () => {
    const text = 'x'.repeat(100_000);
    const data = { name: 'data.txt', data: deflateSync(strToU8(text)), method: 8 };
    const main = { name: 'index.mjs', data: strToU8(`import t from './data.txt' with { type: 'text' }; export const handler = async () => t.length;`), method: 0 };
    await sim.createFunction({ FunctionName: 'honest', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: craftZip([main, data], [{ of: 0, size: main.data.length }, { of: 1, size: text.length }]) } });
    expect((await call(sim, 'honest')).payload).toBe(100_000);
  });
});

describe('tsconfig.json: only the package’s own, confined', () => {
  let sim: LambdaSimulator;
  let fifoDir: string;
  beforeAll(() => {
    sim = new LambdaSimulator({ seed: 16, bundling: { timeoutMs: 5_000 } });
    fifoDir = mkdtempSync(join(tmpdir(), 'pkg-fifo-'));
    execFileSync('mkfifo', [join(fifoDir, 'fifo')]);
  });
  afterAll(async () => {
    await sim.close();
    rmSync(fifoDir, { recursive: true, force: true });
  });
  /** A handler whose view (a .tsx file) says which JSX factory the tsconfig chose. */
  const withView = (view: string): Record<string, string> => ({ 'index.mjs': `export { handler } from './view.tsx';`, 'view.tsx': `${view} export const handler = async () => String(<div />);` });

  it.each([
    ['a host file', () => `${UP}${secretDir.slice(1)}/secret.txt`],
    ['a FIFO on the host (it hung the build)', () => `${UP}${fifoDir.slice(1)}/fifo`],
    ['an absolute path', () => join(secretDir, 'secret.txt')],
  ])('a ZipFile whose tsconfig.json extends %s deploys without reading it', async (_, target) => {
    const files = { ...withView(`const h = () => 'own factory';`), 'tsconfig.json': JSON.stringify({ extends: target(), compilerOptions: { jsxFactory: 'h' } }) };
    const started = Date.now();
    await sim.createFunction({ FunctionName: 'ext', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip(files) } });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect((await call(sim, 'ext')).payload).toBe('own factory');
    await sim.deleteFunction({ FunctionName: 'ext' });
  });

  it('its own tsconfig.json (with comments, trailing commas and an extends inside the package) applies', async () => {
    const files = {
      ...withView(`const mine = () => 'from the base config';`),
      'tsconfig.json': '{ // the package\'s own\n "extends": "./configs/base.json", /* inside */ "compilerOptions": { "strict": true, }, }',
      'configs/base.json': '{ "compilerOptions": { "jsxFactory": "mine" } }',
    };
    await sim.createFunction({ FunctionName: 'own', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip(files) } });
    expect((await call(sim, 'own')).payload).toBe('from the base config');
  });

  it('a tsconfig.json or package.json someone planted in the temporary directory does not reach ZipFile or Source packages', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'pkg-shared-tmp-'));
    writeFileSync(join(shared, 'tsconfig.json'), JSON.stringify({ compilerOptions: { jsxFactory: 'planted' } }));
    writeFileSync(join(shared, 'package.json'), JSON.stringify({ imports: { '#secret': join(secretDir, 'secret.txt') } }));
    const before = process.env['TMPDIR'];
    process.env['TMPDIR'] = shared;
    try {
      const planted = withView(`const planted = () => 'PLANTED'; const React = { createElement: () => 'normal' };`);
      await sim.createFunction({ FunctionName: 'tmpzip', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { ZipFile: zip(planted) } });
      expect((await call(sim, 'tmpzip')).payload).toBe('normal');
      await deploy(sim, `import s from '#secret' with { type: 'text' }; export const handler = async () => s;`, { FunctionName: 'tmpsrc' });
      const r = await call(sim, 'tmpsrc');
      expect(r.text).not.toContain(SECRET);
      expect(r.payload).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
    } finally {
      if (before === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = before;
      rmSync(shared, { recursive: true, force: true });
    }
  });
});
