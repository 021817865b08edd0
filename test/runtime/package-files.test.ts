/**
 * Issue 17, part 6: the package as /var/task. A handler reads its own files (templates, config)
 * read-only, lazily, from a ZipFile (inflated on first read) or a Path directory (confined to it),
 * by `__dirname`, `import.meta.url`, LAMBDA_TASK_ROOT or a relative path; writes are EROFS and
 * nothing outside the package is readable.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, newSim } from '../helpers.js';

const dir = fileURLToPath(new URL('../fixtures/package-files/', import.meta.url));
let sim: LambdaSimulator;
beforeAll(() => {
  sim = newSim({ seed: 6 });
});
afterAll(() => sim.close());

describe('the package at /var/task', () => {
  const expected = {
    page: '<h1>Ada</h1>\n', greeting: 'hi', viaTaskRoot: '{"greeting":"hi"}', relative: 18,
    listing: ['config.json', 'index.mjs', 'templates'], templates: true, write: 'EROFS', escape: 'ENOENT',
  };

  it('a ZipFile: files read by import.meta.url, LAMBDA_TASK_ROOT and relative paths, inflated on first read; writes are EROFS', async () => {
    const zip = zipSync({
      'index.mjs': strToU8(readFileSync(`${dir}index.mjs`, 'utf8')),
      'config.json': strToU8(readFileSync(`${dir}config.json`, 'utf8')),
      'templates/page.html': strToU8(readFileSync(`${dir}templates/page.html`, 'utf8')),
    });
    await sim.createFunction({ FunctionName: 'zip', Handler: 'index.handler', Code: { ZipFile: zip } });
    const r = await call(sim, 'zip', { name: 'Ada' });
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.payload).toEqual(expected);
  });

  it('a Path directory: the same reads, confined to the directory (a path out of it reads nothing)', async () => {
    await sim.createFunction({ FunctionName: 'dir', Handler: 'index.handler', Code: { Path: dir } });
    const r = await call(sim, 'dir', { name: 'Ada' });
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.payload).toEqual(expected);
  });

  it('a Path directory under the host’s /tmp (as a CI checkout is) reads the same: the package is found before the sandbox’s own empty /tmp', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'lambda-sim-pkg-'));
    try {
      cpSync(dir, copy, { recursive: true });
      await sim.createFunction({ FunctionName: 'under-tmp', Handler: 'index.handler', Code: { Path: copy } });
      const r = await call(sim, 'under-tmp', { name: 'Ada' });
      expect(r.payload).toEqual(expected);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('a CommonJS handler in a ZIP gets __dirname "/var/task" and __filename "/var/task/index.js" (no trailing slash)', async () => {
    const zip = zipSync({ 'index.js': strToU8("exports.handler = async () => [__dirname, __filename, require('fs').readFileSync(__dirname + '/data.txt', 'utf8')];"), 'data.txt': strToU8('payload') });
    await sim.createFunction({ FunctionName: 'cjs', Handler: 'index.handler', Code: { ZipFile: zip } });
    expect((await call(sim, 'cjs')).payload).toEqual(['/var/task', '/var/task/index.js', 'payload']);
  });
});

describe('the module type of a Path package', () => {
  it('comes from package.json files inside the package only: CommonJS and ESM .js files both run though the repository above says "type": "module"', async () => {
    const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
    expect(JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')).type).toBe('module');
    await sim.createFunction({ FunctionName: 'cjs-js', Handler: 'index.handler', Code: { Path: fixture('cjs-js') } });
    await sim.createFunction({ FunctionName: 'esm-js', Handler: 'index.handler', Code: { Path: fixture('esm-js') } });
    expect((await call(sim, 'cjs-js')).payload).toEqual({ kind: 'cjs', joined: 'a/b', dirnameType: 'string' });
    expect((await call(sim, 'esm-js')).payload).toEqual({ kind: 'esm', joined: 'a/b' });
  });
});
