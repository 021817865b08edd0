// jsonwebtoken 9 (RS256 through jws and node:crypto's createSign/createVerify/KeyObject), as a
// real API Gateway token authorizer uses it: the real package, bundled from test/fixtures.
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, newSim } from '../helpers.js';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const publicPem = keys.publicKey.export({ format: 'pem', type: 'spki' }) as string;
const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/orders';

let sim: LambdaSimulator;
beforeAll(async () => {
  sim = newSim({ seed: 17 });
  await sim.createFunction({ FunctionName: 'authorizer', Handler: 'index.handler', Runtime: 'nodejs20.x', Timeout: 30, Code: { Path: fileURLToPath(new URL('../fixtures/jsonwebtoken-rs256/index.js', import.meta.url)) } });
});
afterAll(() => sim.close());

interface Answer { principalId: string; policyDocument: { Statement: { Effect: string }[] }; context: { error: string | null; message: string | null }; own: string; ownHeader: Record<string, unknown> }

// Tokens are issued at the simulated clock (the sandbox's Date.now()), as a caller of the function would.
const issue = (claims: object, key = privatePem, options: jwt.SignOptions = {}): string =>
  jwt.sign({ iat: Math.floor(sim.now() / 1000), ...claims }, key, { algorithm: 'RS256', ...options });
const authorize = async (token: string): Promise<Answer> => {
  const r = await call(sim, 'authorizer', { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn, privatePem, publicPem });
  expect(r.out.FunctionError).toBeUndefined();
  return r.payload as Answer;
};

describe('jsonwebtoken RS256 in the sandbox', () => {
  it('allows a valid token signed on the host, naming its subject', async () => {
    const a = await authorize(issue({ sub: 'user-7', aud: 'orders' }, privatePem, { expiresIn: '1h' }));
    expect(a.principalId).toBe('user-7');
    expect(a.policyDocument.Statement[0]?.Effect).toBe('Allow');
    expect(a.context).toEqual({ error: null, message: null });
  });

  it('denies a token signed by another key, an expired one and one for another audience, with jsonwebtoken’s own errors', async () => {
    const forged = await authorize(issue({ sub: 'mallory', aud: 'orders' }, other));
    expect([forged.policyDocument.Statement[0]?.Effect, forged.context]).toEqual(['Deny', { error: 'JsonWebTokenError', message: 'invalid signature' }]);
    const expired = await authorize(issue({ sub: 'user-7', aud: 'orders', iat: Math.floor(sim.now() / 1000) - 7200 }, privatePem, { expiresIn: '1h' }));
    expect([expired.policyDocument.Statement[0]?.Effect, expired.context]).toEqual(['Deny', { error: 'TokenExpiredError', message: 'jwt expired' }]);
    const audience = await authorize(issue({ sub: 'user-7', aud: 'billing' }));
    expect([audience.policyDocument.Statement[0]?.Effect, audience.context]).toEqual(['Deny', { error: 'JsonWebTokenError', message: 'jwt audience invalid. expected: orders' }]);
  });

  it('signs in the sandbox a token the host verifies, with the header it asked for', async () => {
    const a = await authorize('not-a-jwt');
    expect(a.context.error).toBe('JsonWebTokenError');
    expect(a.ownHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
    const claims = jwt.verify(a.own, publicPem, { algorithms: ['RS256'], audience: 'orders', clockTimestamp: Math.floor(sim.now() / 1000) }) as jwt.JwtPayload;
    expect(claims.sub).toBe('sandbox');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
  });
});
