import { CreateFunctionCommand, GetFunctionCommand } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException } from '../../src/index.js';
import { call, newSim, type Sim } from '../helpers.js';

let sim: Sim;
beforeEach(() => {
  sim = newSim();
});
afterEach(async () => {
  await sim.close();
});

const base = { FunctionName: 'f', Handler: 'index.handler', Code: { Source: 'export const handler = async () => process.env.VAR ?? "none";' } };

describe('createFunction', () => {
  it('returns the FunctionConfiguration with defaults', async () => {
    const c = await sim.createFunction(base);
    expect(c).toMatchObject({
      FunctionName: 'f',
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      Runtime: `nodejs${process.versions.node.split('.')[0]}.x`, // the host's line by default
      Handler: 'index.handler',
      Timeout: 3,
      MemorySize: 128,
      Version: '$LATEST',
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      EphemeralStorage: { Size: 512 },
      LoggingConfig: { LogFormat: 'Text', LogGroup: '/aws/lambda/f' },
      LastModified: '2025-01-01T00:00:00.000+0000',
      $metadata: { httpStatusCode: 201 },
    });
    expect(c.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it.each([
    [{ FunctionName: 'bad name' }, "Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"],
    [{ FunctionName: 'x'.repeat(65) }, "at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"],
    [{ Timeout: 0 }, "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"],
    [{ Timeout: 901 }, "Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"],
    [{ Timeout: 1.5 }, "Value '1.5' at 'timeout' failed to satisfy constraint: Member must be an integer"],
    [{ MemorySize: 127 }, "Value '127' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"],
    [{ MemorySize: 10241 }, "Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240"],
    [{ Runtime: 'python3.12' }, "Value 'python3.12' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, nodejs22.x, nodejs24.x]"],
    [{ Handler: 'has space.handler' }, "Value 'has space.handler' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+"],
    [{ Environment: { Variables: { '1BAD': 'x' } } }, "Value '1BAD' at 'environment.variables'"],
    [{ Environment: { Variables: { AWS_REGION: 'eu-west-1' } } }, 'Reserved keys used in this request: AWS_REGION'],
    [{ Environment: { Variables: { BIG: 'x'.repeat(4100) } } }, 'exceeded the 4KB limit'],
    [{ LoggingConfig: { LogFormat: 'XML' } }, "Value 'XML' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, Text]"],
    [{ LoggingConfig: { LogFormat: 'Text', ApplicationLogLevel: 'DEBUG' } }, 'LoggingConfig.ApplicationLogLevel can only be set when LogFormat is JSON'],
    [{ EphemeralStorage: { Size: 100 } }, "Value '100' at 'ephemeralStorage.size'"],
    [{ Code: {} }, 'Code must have exactly one of Source (module text), Path (file or directory), ZipFile (zip bytes) or Model (a modelled function); got none'],
    [{ Code: { Source: 'x', Path: 'y' } }, 'got Source and Path'],
  ])('rejects %j with InvalidParameterValueException quoting field and value', async (patch, message) => {
    const e = await sim.createFunction({ ...base, ...patch } as never).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidParameterValueException);
    expect((e as Error).message).toContain(message);
    expect(await sim.listFunctions()).toMatchObject({ Functions: [] });
  });

  it('refuses a second function with the same name (ResourceConflictException, 409)', async () => {
    await sim.createFunction(base);
    const e = await sim.createFunction(base).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ResourceConflictException);
    expect((e as ResourceConflictException).$metadata.httpStatusCode).toBe(409);
  });

  it('accepts real CreateFunctionCommand / GetFunctionCommand objects through send()', async () => {
    await sim.send(
      new CreateFunctionCommand({ FunctionName: 'g', Handler: 'index.handler', Role: 'arn:aws:iam::123456789012:role/r', Code: { Source: 'exports.handler = async () => 1' } as never }),
    );
    const got = (await sim.send(new GetFunctionCommand({ FunctionName: 'g' }))) as { Configuration: { Role: string } };
    expect(got.Configuration.Role).toBe('arn:aws:iam::123456789012:role/r');
  });
});

describe('get, list, delete', () => {
  it('lists functions sorted by name with paging', async () => {
    for (const n of ['c', 'a', 'b']) await sim.createFunction({ ...base, FunctionName: n });
    const page1 = await sim.listFunctions({ MaxItems: 2 });
    expect(page1.Functions.map((f) => f.FunctionName)).toEqual(['a', 'b']);
    expect(page1.NextMarker).toBe('b');
    const page2 = await sim.listFunctions({ MaxItems: 2, Marker: page1.NextMarker! });
    expect(page2.Functions.map((f) => f.FunctionName)).toEqual(['c']);
    expect(page2.NextMarker).toBeUndefined();
  });

  it('deletes a function; later calls get ResourceNotFoundException', async () => {
    await sim.createFunction(base);
    await sim.deleteFunction({ FunctionName: 'f' });
    await expect(sim.getFunction({ FunctionName: 'f' })).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(sim.invoke({ FunctionName: 'f' })).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(sim.deleteFunction({ FunctionName: 'f' })).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('updates retire old environments', () => {
  it('updateFunctionConfiguration changes the environment and the next invoke is cold', async () => {
    await sim.createFunction({ ...base, Environment: { Variables: { VAR: 'one' } } });
    expect((await call(sim, 'f')).payload).toBe('one');
    const c = await sim.updateFunctionConfiguration({ FunctionName: 'f', Environment: { Variables: { VAR: 'two' } }, Timeout: 10 });
    expect(c.Timeout).toBe(10);
    expect(c.Handler).toBe('index.handler');
    const r = await call(sim, 'f');
    expect(r.payload).toBe('two');
    expect(r.log).toContain('Init Duration');
  });

  it('updateFunctionCode swaps the code', async () => {
    await sim.createFunction(base);
    const before = (await sim.getFunction({ FunctionName: 'f' })).Configuration.CodeSha256;
    await sim.updateFunctionCode({ FunctionName: 'f', Source: 'export const handler = async () => "new code";' });
    expect((await call(sim, 'f')).payload).toBe('new code');
    expect((await sim.getFunction({ FunctionName: 'f' })).Configuration.CodeSha256).not.toBe(before);
  });

  it('updateFunctionConfiguration validates like create', async () => {
    await sim.createFunction(base);
    await expect(sim.updateFunctionConfiguration({ FunctionName: 'f', MemorySize: 64 })).rejects.toThrow("Value '64' at 'memorySize'");
    expect((await sim.getFunction({ FunctionName: 'f' })).Configuration.MemorySize).toBe(128);
  });
});

describe('bulk creation', () => {
  it('creates many functions at once (bundling is queued, not all in parallel) and each one works', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `bulk${i}`);
    await Promise.all(names.map((n, i) => sim.createFunction({ FunctionName: n, Handler: 'index.handler', Code: { Source: `export const handler = async () => ${i};` } })));
    for (const [i, n] of names.entries()) expect((await call(sim, n)).payload).toBe(i);
  });
});

describe('concurrent updates', () => {
  it('refuses a second update while one is in progress (ResourceConflictException), as Lambda does', async () => {
    await sim.createFunction(base);
    const first = sim.updateFunctionCode({ FunctionName: 'f', Source: 'export const handler = async () => "A";' });
    const second = sim.updateFunctionCode({ FunctionName: 'f', Source: 'export const handler = async () => "B";' }).catch((e: unknown) => e);
    await first;
    const e = await second;
    expect(e).toBeInstanceOf(ResourceConflictException);
    expect((e as Error).message).toBe('The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:f');
    expect((await call(sim, 'f')).payload).toBe('A');
  });
});
