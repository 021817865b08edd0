/**
 * Issue 17, part 2: Web Crypto (`crypto.subtle`, `CryptoKey`) in the sandbox, computed by the
 * host's own crypto.subtle (runtime/host-webcrypto.ts). Deterministic results are compared with
 * the host's on the same inputs; randomised schemes and generated keys are checked by verifying.
 * jose 6 (Web Crypto only) signs and verifies JWTs on it, across the boundary both ways.
 */
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SignJWT, importPKCS8, importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator;
beforeAll(() => {
  sim = newSim({ seed: 8 });
});
afterAll(() => sim.close());

const run = async (body: string, event: unknown = {}): Promise<unknown> => {
  const r = await call(sim, await deploy(sim, `export const handler = async (event) => { const s = crypto.subtle; const enc = new TextEncoder(); const hex = (b) => Buffer.from(b).toString('hex'); ${body} };`, { Timeout: 30 }), event);
  if (r.out.FunctionError !== undefined) throw new Error(JSON.stringify(r.payload));
  return r.payload;
};
const hex = (b: ArrayBuffer): string => Buffer.from(b).toString('hex');
const enc = new TextEncoder();

describe('crypto.subtle', () => {
  it('digest, HMAC, AES-GCM, PBKDF2 and HKDF give the host’s bytes; keys export as the host’s JWK', async () => {
    const s = webcrypto.subtle;
    const hmacKey = await s.importKey('raw', enc.encode('k'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
    const aesKey = await s.importKey('raw', new Uint8Array(32).fill(7), 'AES-GCM', true, ['encrypt', 'decrypt']);
    const pw = await s.importKey('raw', enc.encode('pw'), 'PBKDF2', false, ['deriveBits']);
    const ikm = await s.importKey('raw', enc.encode('ikm'), 'HKDF', false, ['deriveBits']);
    const want = [
      hex(await s.digest('SHA-256', enc.encode('abc'))),
      hex(await s.sign('HMAC', hmacKey, enc.encode('data'))),
      hex(await s.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12).fill(1), additionalData: enc.encode('aad') }, aesKey, enc.encode('secret'))),
      hex(await s.deriveBits({ name: 'PBKDF2', salt: enc.encode('salt'), iterations: 1000, hash: 'SHA-256' }, pw, 256)),
      hex(await s.deriveBits({ name: 'HKDF', salt: enc.encode('s'), info: enc.encode('i'), hash: 'SHA-256' }, ikm, 128)),
      await s.exportKey('jwk', hmacKey),
    ];
    const got = await run(`
      const hmacKey = await s.importKey('raw', enc.encode('k'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
      const aesKey = await s.importKey('raw', new Uint8Array(32).fill(7), 'AES-GCM', true, ['encrypt', 'decrypt']);
      const pw = await s.importKey('raw', enc.encode('pw'), 'PBKDF2', false, ['deriveBits']);
      const ikm = await s.importKey('raw', enc.encode('ikm'), 'HKDF', false, ['deriveBits']);
      const sealed = await s.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12).fill(1), additionalData: enc.encode('aad') }, aesKey, enc.encode('secret'));
      const opened = new TextDecoder().decode(await s.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12).fill(1), additionalData: enc.encode('aad') }, aesKey, sealed));
      if (opened !== 'secret') throw new Error('decrypt gave ' + opened);
      return [hex(await s.digest('SHA-256', enc.encode('abc'))), hex(await s.sign('HMAC', hmacKey, enc.encode('data'))), hex(sealed),
        hex(await s.deriveBits({ name: 'PBKDF2', salt: enc.encode('salt'), iterations: 1000, hash: 'SHA-256' }, pw, 256)),
        hex(await s.deriveBits({ name: 'HKDF', salt: enc.encode('s'), info: enc.encode('i'), hash: 'SHA-256' }, ikm, 128)),
        await s.exportKey('jwk', hmacKey)];`);
    expect(got).toEqual(JSON.parse(JSON.stringify(want)));
  });

  it('generated ECDSA and RSA-PSS keys sign and verify; ECDH agrees; keys are CryptoKeys with the host’s algorithm shape', async () => {
    const got = await run(`
      const ec = await s.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const sig = await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, enc.encode('m'));
      const ok = await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, sig, enc.encode('m'));
      const bad = await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, sig, enc.encode('x'));
      const rsa = await s.generateKey({ name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']);
      const rsaOk = await s.verify({ name: 'RSA-PSS', saltLength: 32 }, rsa.publicKey, await s.sign({ name: 'RSA-PSS', saltLength: 32 }, rsa.privateKey, enc.encode('m')), enc.encode('m'));
      const a = await s.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
      const b = await s.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
      const ab = hex(await s.deriveBits({ name: 'ECDH', public: b.publicKey }, a.privateKey, 256));
      const ba = hex(await s.deriveBits({ name: 'ECDH', public: a.publicKey }, b.privateKey, 256));
      return [ok, bad, rsaOk, ab === ba, ab.length, ec.privateKey instanceof CryptoKey, ec.privateKey.type, ec.publicKey.algorithm, rsa.privateKey.algorithm.modulusLength,
        [...rsa.privateKey.algorithm.publicExponent], rsa.privateKey.extractable, rsa.privateKey.usages, Object.prototype.toString.call(s), require('node:util').types.isCryptoKey(ec.publicKey)];`);
    expect(got).toEqual([true, false, true, true, 64, true, 'private', { name: 'ECDSA', namedCurve: 'P-256' }, 2048, [1, 0, 1], false, ['sign'], '[object SubtleCrypto]', true]);
  });

  it('refusals as on Node: a non-extractable key, a usage the key lacks, a wrong tag, a CryptoKey constructed by hand', async () => {
    const got = await run(`
      const k = await s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
      const r = (p) => p.then(() => 'resolved', (e) => [e.name, e instanceof DOMException]);
      const sealed = await s.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, k, enc.encode('x'));
      const k2 = await s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['decrypt']);
      const tampered = new Uint8Array(sealed); tampered[0] ^= 1;
      let ctor; try { new CryptoKey(); } catch (e) { ctor = e.name; }
      return [await r(s.exportKey('raw', k)), await r(s.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, k, sealed)), await r(s.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, k2, tampered)),
        await s.digest('SHA-1', 'not bytes').then(() => 'resolved', (e) => e.name), ctor, crypto.subtle === require('node:crypto').webcrypto.subtle];`);
    expect(got).toEqual([['InvalidAccessError', true], ['InvalidAccessError', true], ['OperationError', true], 'TypeError', 'TypeError', true]);
  });

  it('is bounded before the host works: a 16384-bit RSA key, 100 million PBKDF2 iterations and 16 MiB to digest are refused', async () => {
    const got = await run(`
      const r = (p) => p.then(() => 'resolved', (e) => [e.name, e.message]);
      const pw = await s.importKey('raw', enc.encode('pw'), 'PBKDF2', false, ['deriveBits']);
      return [await r(s.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 16384, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign'])),
        await r(s.deriveBits({ name: 'PBKDF2', salt: enc.encode('s'), iterations: 1e8, hash: 'SHA-256' }, pw, 256)), await r(s.digest('SHA-256', new Uint8Array(16 * 1048576)))];`);
    expect(got).toEqual([
      ['RangeError', 'lambda-sim: an RSA modulus over 8192 bits is refused'],
      ['RangeError', 'lambda-sim: PBKDF2 past 10000000 iterations is refused'],
      ['RangeError', "lambda-sim: data of 16777216 bytes is over the host's 8388608 per Web Crypto call"],
    ]);
  });
});

describe('jose 6 (Web Crypto only)', () => {
  it('signs and verifies RS256, ES256, HS256 and a JWE in the sandbox; tokens cross between the host and the sandbox both ways', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const publicPem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const hostToken = await new SignJWT({ sub: 'from-host' }).setProtectedHeader({ alg: 'RS256' }).sign(await importPKCS8(privatePem, 'RS256'));
    await sim.createFunction({ FunctionName: 'jose', Handler: 'index.handler', Timeout: 30, Code: { Path: fileURLToPath(new URL('../fixtures/jose-jwt/index.mjs', import.meta.url)) } });
    const r = await call(sim, 'jose', { privatePem, publicPem, hostToken });
    expect(r.out.FunctionError).toBeUndefined();
    const out = r.payload as Record<string, unknown>;
    expect({ ...out, token: undefined }).toEqual({ token: undefined, sub: 'user-1', scope: 'orders', hostToken: 'from-host', tampered: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', esOk: 1, esKty: 'EC', hs: 3, decrypted: 'x' });
    // The token the sandbox made verifies on the host (at the simulated time it was issued: it expires in an hour of it).
    const onHost = await jwtVerify(String(out['token']), await importSPKI(publicPem, 'RS256'), { currentDate: new Date(sim.now()) });
    expect(onHost.payload.sub).toBe('user-1');
  });
});
