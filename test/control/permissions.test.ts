import { afterEach, describe, expect, it } from 'vitest';
import { AccessDeniedException, LambdaSimulator, ResourceConflictException, ResourceNotFoundException } from '../../src/index.js';
import { deploy } from '../helpers.js';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:target';
const stranger = 'arn:aws:iam::999999999999:role/stranger';

async function setup(): Promise<LambdaSimulator> {
  sim = new LambdaSimulator({ seed: 1, permissions: 'enforce' });
  await deploy(sim, 'let n = 0; export const handler = async () => ++n;', { FunctionName: 'target' });
  return sim;
}

describe('permissions (enforced)', () => {
  it('refuses an unauthorised caller with AccessDeniedException (403) and the service message; DryRun checks exactly this', async () => {
    const s = await setup();
    const e = await s.invoke({ FunctionName: 'target' }, { caller: stranger }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AccessDeniedException);
    expect(e).toMatchObject({
      $metadata: { httpStatusCode: 403 },
      message: `User: ${stranger} is not authorized to perform: lambda:InvokeFunction on resource: ${ARN} because no identity-based policy allows the lambda:InvokeFunction action`,
    });
    await expect(s.invoke({ FunctionName: 'target', InvocationType: 'DryRun' }, { caller: stranger })).rejects.toBeInstanceOf(AccessDeniedException);
    // the account itself (the default caller) is allowed, and DryRun runs nothing
    expect((await s.invoke({ FunctionName: 'target', InvocationType: 'DryRun' })).StatusCode).toBe(204);
    expect((await s.invoke({ FunctionName: 'target' })).Payload!.transformToString()).toBe('1');
  });

  it('addPermission grants a principal, with SourceArn / SourceAccount conditions; removePermission revokes', async () => {
    const s = await setup();
    const added = await s.addPermission({ FunctionName: 'target', StatementId: 's3-events', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::uploads', SourceAccount: '123456789012' });
    expect(added.$metadata.httpStatusCode).toBe(201);
    expect(JSON.parse(added.Statement)).toEqual({
      Sid: 's3-events', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: ARN,
      Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::uploads' }, StringEquals: { 'AWS:SourceAccount': '123456789012' } },
    });
    expect((await s.invoke({ FunctionName: 'target' }, { caller: { principal: 's3.amazonaws.com', sourceArn: 'arn:aws:s3:::uploads', sourceAccount: '123456789012' } })).StatusCode).toBe(200);
    await expect(s.invoke({ FunctionName: 'target' }, { caller: { principal: 's3.amazonaws.com', sourceArn: 'arn:aws:s3:::other' } })).rejects.toBeInstanceOf(AccessDeniedException);
    await s.addPermission({ FunctionName: 'target', StatementId: 'partner', Action: 'lambda:InvokeFunction', Principal: '999999999999' });
    expect((await s.invoke({ FunctionName: 'target' }, { caller: stranger })).StatusCode).toBe(200);
    expect(JSON.parse((await s.getPolicy({ FunctionName: 'target' })).Policy).Statement.map((x: { Sid: string }) => x.Sid)).toEqual(['s3-events', 'partner']);
    await expect(s.addPermission({ FunctionName: 'target', StatementId: 'partner', Action: 'lambda:InvokeFunction', Principal: '1' })).rejects.toBeInstanceOf(ResourceConflictException);
    await s.removePermission({ FunctionName: 'target', StatementId: 'partner' });
    await expect(s.invoke({ FunctionName: 'target' }, { caller: stranger })).rejects.toBeInstanceOf(AccessDeniedException);
    await expect(s.removePermission({ FunctionName: 'target', StatementId: 'partner' })).rejects.toThrow('The statement id (partner) is not found');
  });

  it('a handler invoking another function calls with its execution role', async () => {
    const s = await setup();
    await deploy(s, `import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
      export const handler = async () => { try { await new LambdaClient({}).send(new InvokeCommand({ FunctionName: 'target' })); return 'allowed'; } catch (e) { return e.name; } };`, { FunctionName: 'caller', Role: 'arn:aws:iam::123456789012:role/caller-role' });
    expect((await s.invoke({ FunctionName: 'caller' })).Payload!.transformToString()).toBe('"AccessDeniedException"');
    await s.addPermission({ FunctionName: 'target', StatementId: 'from-caller', Action: 'lambda:InvokeFunction', Principal: 'arn:aws:iam::123456789012:role/caller-role' });
    expect((await s.invoke({ FunctionName: 'caller' })).Payload!.transformToString()).toBe('"allowed"');
  });

  it('getPolicy of a function without statements is ResourceNotFoundException', async () => {
    const s = await setup();
    await expect(s.getPolicy({ FunctionName: 'target' })).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('does not check anything when permissions are off (the default)', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await deploy(sim, 'export const handler = async () => 1;', { FunctionName: 'target' });
    expect((await sim.invoke({ FunctionName: 'target' }, { caller: stranger })).StatusCode).toBe(200);
  });
});
