import { afterEach, describe, expect, it } from 'vitest';
import { LambdaSimulator, ResourceConflictException, ResourceNotFoundException } from '../../src/index.js';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const code = (tag: string): string =>
  `export const handler = async (e, c) => ({ tag: '${tag}', version: c.functionVersion, env: process.env.AWS_LAMBDA_FUNCTION_VERSION, arn: c.invokedFunctionArn });`;

async function twoVersions(): Promise<LambdaSimulator> {
  sim = new LambdaSimulator({ seed: 1 });
  await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Code: { Source: code('A') } });
  await sim.publishVersion({ FunctionName: 'f' });
  await sim.updateFunctionCode({ FunctionName: 'f', Source: code('B') });
  await sim.publishVersion({ FunctionName: 'f', Description: 'second' });
  await sim.updateFunctionCode({ FunctionName: 'f', Source: code('latest') });
  return sim;
}

const run = async (s: LambdaSimulator, name: string): Promise<{ out: Awaited<ReturnType<LambdaSimulator['invoke']>>; body: Record<string, string>; log: string }> => {
  const out = await s.invoke({ FunctionName: name, LogType: 'Tail' });
  return { out, body: JSON.parse(out.Payload!.transformToString()) as Record<string, string>, log: Buffer.from(out.LogResult!, 'base64').toString() };
};

describe('versions', () => {
  it('publishVersion freezes code and configuration; qualified invokes run that version and report ExecutedVersion', async () => {
    const s = await twoVersions();
    const v1 = await run(s, 'f:1');
    expect(v1.body).toEqual({ tag: 'A', version: '1', env: '1', arn: 'arn:aws:lambda:us-east-1:123456789012:function:f:1' });
    expect(v1.out.ExecutedVersion).toBe('1');
    expect(v1.log).toMatch(/^START RequestId: \S+ Version: 1$/m);
    expect((await run(s, 'f')).body).toMatchObject({ tag: 'latest', version: '$LATEST' });
    expect((await s.invoke({ FunctionName: 'f', Qualifier: '2' })).ExecutedVersion).toBe('2');
    const versions = await s.listVersionsByFunction({ FunctionName: 'f' });
    expect(versions.Versions.map((v) => [v.Version, v.FunctionArn, v.Description])).toEqual([
      ['$LATEST', 'arn:aws:lambda:us-east-1:123456789012:function:f', ''],
      ['1', 'arn:aws:lambda:us-east-1:123456789012:function:f:1', ''],
      ['2', 'arn:aws:lambda:us-east-1:123456789012:function:f:2', 'second'],
    ]);
    expect((await s.getFunction({ FunctionName: 'f', Qualifier: '1' })).Configuration.Version).toBe('1');
  });

  it('an unknown version is ResourceNotFoundException with the qualified ARN', async () => {
    const s = await twoVersions();
    await expect(s.invoke({ FunctionName: 'f:7' })).rejects.toThrow(new ResourceNotFoundException('Function not found: arn:aws:lambda:us-east-1:123456789012:function:f:7'));
  });
});

describe('aliases', () => {
  it('an alias runs its version; context.invokedFunctionArn is the alias ARN', async () => {
    const s = await twoVersions();
    const alias = await s.createAlias({ FunctionName: 'f', Name: 'prod', FunctionVersion: '1' });
    expect(alias).toMatchObject({ AliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:f:prod', Name: 'prod', FunctionVersion: '1' });
    const r = await run(s, 'arn:aws:lambda:us-east-1:123456789012:function:f:prod');
    expect(r.body).toEqual({ tag: 'A', version: '1', env: '1', arn: 'arn:aws:lambda:us-east-1:123456789012:function:f:prod' });
    expect(r.out.ExecutedVersion).toBe('1');
    await s.updateAlias({ FunctionName: 'f', Name: 'prod', FunctionVersion: '2' });
    expect((await run(s, 'f:prod')).body.tag).toBe('B');
    await expect(s.createAlias({ FunctionName: 'f', Name: 'prod', FunctionVersion: '1' })).rejects.toBeInstanceOf(ResourceConflictException);
    expect((await s.listAliases({ FunctionName: 'f' })).Aliases.map((a) => a.Name)).toEqual(['prod']);
    await s.deleteAlias({ FunctionName: 'f', Name: 'prod' });
    await expect(s.invoke({ FunctionName: 'f:prod' })).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('weighted routing splits invocations between versions with the seeded PRNG, reproducibly', async () => {
    const split = async (): Promise<string> => {
      const s = await twoVersions();
      await s.createAlias({ FunctionName: 'f', Name: 'canary', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } });
      let seq = '';
      for (let i = 0; i < 200; i++) seq += (await s.invoke({ FunctionName: 'f:canary' })).ExecutedVersion;
      await s.close();
      sim = undefined;
      return seq;
    };
    const a = await split();
    const twos = [...a].filter((c) => c === '2').length;
    expect(twos).toBeGreaterThan(35);
    expect(twos).toBeLessThan(85);
    expect(await split()).toBe(a);
  });

  it('validates alias names, versions and weights', async () => {
    const s = await twoVersions();
    await expect(s.createAlias({ FunctionName: 'f', Name: '123', FunctionVersion: '1' })).rejects.toThrow("Value '123' at 'name'");
    await expect(s.createAlias({ FunctionName: 'f', Name: 'x', FunctionVersion: '9' })).rejects.toThrow('Function not found: arn:aws:lambda:us-east-1:123456789012:function:f:9');
    await expect(s.createAlias({ FunctionName: 'f', Name: 'x', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 1.5 } } })).rejects.toThrow('must be between 0.0 and 1.0');
  });
});
