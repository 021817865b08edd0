import { fileURLToPath } from 'node:url';
import { zipSync, strToU8 } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidParameterValueException } from '../../src/index.js';
import { call, newSim, type Sim } from '../helpers.js';

const fixture = (p: string): string => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));

let sim: Sim;
beforeEach(() => {
  sim = newSim();
});
afterEach(async () => {
  await sim.close();
});

describe('Code.Path', () => {
  it('bundles a TypeScript file with relative imports; the export part of Handler names the export', async () => {
    await sim.createFunction({ FunctionName: 'ts', Handler: 'hello.handler', Code: { Path: fixture('ts-handler/hello.ts') } });
    expect((await call(sim, 'ts', { name: 'Ada' })).payload).toEqual({ message: 'Hello, Ada!' });
  });

  it("maps stack traces to the user's TypeScript file and line", async () => {
    await sim.createFunction({ FunctionName: 'ts', Handler: 'hello.handler', Code: { Path: fixture('ts-handler/hello.ts') } });
    const r = await call(sim, 'ts', { fail: true });
    const trace = (r.payload as { trace: string[] }).trace;
    expect(trace[0]).toBe('Error: failing on purpose');
    expect(trace[1]).toBe(`    at handler (${fixture('ts-handler/hello.ts')}:10:11)`);
  });

  it('resolves the module part of Handler inside a directory', async () => {
    await sim.createFunction({ FunctionName: 'dir', Handler: 'lib/greet.greetHandler', Code: { Path: fixture('ts-handler') } });
    expect((await call(sim, 'dir', 'Bob')).payload).toEqual({ message: 'Hello, Bob!' });
  });

  it('runs an ES module with top-level await', async () => {
    await sim.createFunction({ FunctionName: 'tla', Handler: 'index.handler', Code: { Path: fixture('esm-tla') } });
    const r = await call(sim, 'tla', { id: 7 });
    expect(r.payload).toEqual({ table: 'orders', id: 7 });
    expect(r.log).toMatch(/Init Duration: 300\.00 ms/);
  });

  it('bundles CommonJS with node_modules packages and Node built-ins; __dirname is the task root', async () => {
    await sim.createFunction({ FunctionName: 'cjs', Handler: 'index.handler', Code: { Path: fixture('cjs-app') } });
    expect((await call(sim, 'cjs', { n: 21 })).payload).toEqual({ padded: '00042', base: 'index.js', dir: fixture('cjs-app') });
  });

  it('reports a handler module missing from the directory as Runtime.ImportModuleError at invoke', async () => {
    await sim.createFunction({ FunctionName: 'nomod', Handler: 'missing.handler', Code: { Path: fixture('cjs-app') } });
    expect((await call(sim, 'nomod')).payload).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Error: Cannot find module 'missing'\nRequire stack:\n- /var/runtime/index.mjs",
    });
  });

  it('loads a handler that imports a built-in the sandbox does not simulate; calling it throws ERR_LAMBDA_SIM_UNSUPPORTED (issue 17: nothing refused at create)', async () => {
    await sim.createFunction({ FunctionName: 'child', Handler: 'index.handler', Code: { Path: fixture('child-process') } });
    const r = await call(sim, 'child');
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.payload).toMatchObject({
      errorType: 'Error',
      errorMessage: 'lambda-sim: child_process.execSync() is not supported in the sandbox: a sandbox cannot start processes: use a host module (option `modules`) that does the work on the host',
    });
  });

  it('fails at create time for a Path that does not exist', async () => {
    await expect(sim.createFunction({ FunctionName: 'nope', Handler: 'index.handler', Code: { Path: '/no/such/dir' } })).rejects.toThrow(
      "Code.Path '/no/such/dir' does not exist",
    );
  });
});

describe('Code.ZipFile', () => {
  it('runs a deployment package; traces name /var/task files', async () => {
    const zip = zipSync({
      'index.js': strToU8("const { f } = require('./lib/f'); exports.handler = async (e) => f(e);"),
      'lib/f.js': strToU8("exports.f = (e) => { if (e.fail) throw new Error('zip fail'); return 'zipped ' + e.v; };"),
    });
    await sim.createFunction({ FunctionName: 'zip', Handler: 'index.handler', Code: { ZipFile: zip } });
    expect((await call(sim, 'zip', { v: 1 })).payload).toBe('zipped 1');
    const trace = ((await call(sim, 'zip', { fail: true })).payload as { trace: string[] }).trace;
    expect(trace[1]).toMatch(/^ {4}at exports\.f \(\/var\/task\/lib\/f\.js:1:\d+\)$/);
    const config = await sim.getFunction({ FunctionName: 'zip' });
    expect(config.Configuration.CodeSize).toBe(zip.length);
  });

  it('resolves a package\'s `exports` as Node does: `import` gets its "import" file, `require()` its "require" file, whichever the map lists first', async () => {
    const dual = (order: string[]) => ({
      [`package.json`]: strToU8(JSON.stringify({ exports: { '.': Object.fromEntries(order.map((c) => [c, c === 'import' ? './esm.mjs' : './cjs.js'])) } })),
      'esm.mjs': strToU8("export const kind = 'import';"),
      'cjs.js': strToU8("exports.kind = 'require';"),
    });
    const zip = zipSync({
      'index.mjs': strToU8(
        "import { kind as a } from 'a'; import { kind as b } from 'b'; import required from './required.cjs'; export const handler = async () => ({ imported: [a, b], required });",
      ),
      'required.cjs': strToU8("module.exports = [require('a').kind, require('b').kind];"),
      node_modules: { a: dual(['import', 'require']), b: dual(['require', 'import']) },
    });
    await sim.createFunction({ FunctionName: 'dual', Handler: 'index.handler', Code: { ZipFile: zip } });
    expect((await call(sim, 'dual')).payload).toEqual({ imported: ['import', 'import'], required: ['require', 'require'] });
  });

  it('rejects bytes that are not a ZIP', async () => {
    await expect(sim.createFunction({ FunctionName: 'z', Handler: 'index.handler', Code: { ZipFile: new Uint8Array([1, 2, 3]) } })).rejects.toThrow(
      /Could not unzip uploaded file/,
    );
  });
});

describe('Code.Source', () => {
  it('gives a non-async handler that returns a value without calling back a null response, as Lambda does', async () => {
    await sim.createFunction({ FunctionName: 's', Handler: 'index.handler', Code: { Source: 'exports.handler = (e) => ({ ignored: true });' } });
    expect((await call(sim, 's')).text).toBe('null');
  });

  it('accepts CommonJS and ESM text', async () => {
    await sim.createFunction({ FunctionName: 'c', Handler: 'index.handler', Code: { Source: 'module.exports.handler = async () => "cjs";' } });
    await sim.createFunction({ FunctionName: 'e', Handler: 'index.handler', Code: { Source: 'export default { handler: async () => "nope" }; export const handler = async () => "esm";' } });
    expect((await call(sim, 'c')).payload).toBe('cjs');
    expect((await call(sim, 'e')).payload).toBe('esm');
  });

  it('finds nested export paths (Handler "index.api.handle")', async () => {
    await sim.createFunction({ FunctionName: 'n', Handler: 'index.api.handle', Code: { Source: 'exports.api = { handle: async () => "nested" };' } });
    expect((await call(sim, 'n')).payload).toBe('nested');
  });
});
