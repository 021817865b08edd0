import { afterEach, describe, expect, it } from 'vitest';
import { InvalidParameterValueException, LambdaSimulator } from '../../src/index.js';
import { deploy } from '../helpers.js';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const SOURCE = `console.log('init ran'); export const handler = async (e) => { await new Promise((r) => setTimeout(r, 100)); return process.env.AWS_LAMBDA_INITIALIZATION_TYPE; };`;

describe('provisioned concurrency', () => {
  it('initialises environments ahead of time: no Init Duration on their invokes, initialization type provisioned-concurrency, spillover beyond them', async () => {
    sim = new LambdaSimulator({ seed: 1, initLatency: 200 });
    await deploy(sim, SOURCE, { FunctionName: 'pc' });
    await sim.publishVersion({ FunctionName: 'pc' });
    await sim.createAlias({ FunctionName: 'pc', Name: 'live', FunctionVersion: '1' });
    const put = await sim.putProvisionedConcurrencyConfig({ FunctionName: 'pc', Qualifier: 'live', ProvisionedConcurrentExecutions: 2 });
    expect(put).toMatchObject({ RequestedProvisionedConcurrentExecutions: 2, Status: 'IN_PROGRESS', $metadata: { httpStatusCode: 202 } });
    await sim.advance(1000);
    expect(await sim.getProvisionedConcurrencyConfig({ FunctionName: 'pc', Qualifier: 'live' })).toMatchObject({ AvailableProvisionedConcurrentExecutions: 2, Status: 'READY' });
    const outs = await Promise.all([1, 2, 3].map(() => sim!.invoke({ FunctionName: 'pc:live', LogType: 'Tail' })));
    const logs = outs.map((o) => Buffer.from(o.LogResult!, 'base64').toString());
    expect(outs.map((o) => o.Payload!.transformToString())).toEqual(['"provisioned-concurrency"', '"provisioned-concurrency"', '"on-demand"']);
    expect(logs.map((l) => l.includes('Init Duration'))).toEqual([false, false, true]);
    expect(logs[0]).not.toContain('init ran'); // its init ran ahead of time
    expect(sim.metrics().functions['pc']).toMatchObject({ Invocations: 3, ProvisionedConcurrencyInvocations: 2, ProvisionedConcurrencySpilloverInvocations: 1, ColdStarts: 1 });
    await sim.deleteProvisionedConcurrencyConfig({ FunctionName: 'pc', Qualifier: 'live' });
    await expect(sim.getProvisionedConcurrencyConfig({ FunctionName: 'pc', Qualifier: 'live' })).rejects.toThrow('No Provisioned Concurrency Config found');
  });

  it('is refused on $LATEST and above the reservation', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await deploy(sim, SOURCE, { FunctionName: 'pc' });
    await sim.publishVersion({ FunctionName: 'pc' });
    await expect(sim.putProvisionedConcurrencyConfig({ FunctionName: 'pc', Qualifier: '$LATEST', ProvisionedConcurrentExecutions: 1 })).rejects.toThrow(
      'Provisioned Concurrency Configs cannot be applied to unpublished function versions.',
    );
    await sim.putFunctionConcurrency({ FunctionName: 'pc', ReservedConcurrentExecutions: 1 });
    const e = await sim.putProvisionedConcurrencyConfig({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidParameterValueException);
    expect((e as Error).message).toContain('should not be greater than the reservedConcurrentExecution');
  });
});
