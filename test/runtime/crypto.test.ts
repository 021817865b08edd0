/**
 * Issue 17, part 2: node:crypto's keys, signatures, ciphers and key derivation in the sandbox,
 * computed by the host (runtime/host-crypto.ts). Each result is checked against the host's own
 * node:crypto on the same inputs; randomised schemes (ECDSA, RSA-PSS) and generated keys are
 * checked by verifying, not by value (they are not seeded: README says so).
 */
import * as crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator;
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = crypto.generateKeyPairSync('ed25519');
const pem = {
  rsaPrivate: rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  rsaPublic: rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string,
  rsaPkcs1: rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string,
  ecPrivate: ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  ecPublic: ec.publicKey.export({ format: 'pem', type: 'spki' }) as string,
  edPrivate: ed.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  edPublic: ed.publicKey.export({ format: 'pem', type: 'spki' }) as string,
};

beforeAll(() => {
  sim = newSim({ seed: 17 });
});
afterAll(() => sim.close());

const run = async (body: string, event: unknown = {}, extra = {}): Promise<unknown> => {
  const r = await call(sim, await deploy(sim, `import crypto from 'node:crypto'; export const handler = async (event) => { ${body} };`, { Timeout: 30, ...extra }), event);
  if (r.out.FunctionError !== undefined) throw new Error(JSON.stringify(r.payload));
  return r.payload;
};

describe('signatures and keys', () => {
  it('RS256 as jsonwebtoken does it: createSign/createVerify with PEM strings give the host’s signature (PKCS#1 v1.5 is deterministic)', async () => {
    const data = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ';
    const [signature, ok, tampered] = (await run(
      `const s = crypto.createSign('RSA-SHA256'); s.update(event.data); const sig = s.sign(event.key, 'base64');
       const v = crypto.createVerify('RSA-SHA256'); v.update(event.data); const ok = v.verify(event.pub, sig, 'base64');
       const t = crypto.createVerify('RSA-SHA256'); t.update(event.data + 'x'); return [sig, ok, t.verify(event.pub, sig, 'base64')];`,
      { data, key: pem.rsaPrivate, pub: pem.rsaPublic },
    )) as [string, boolean, boolean];
    expect(signature).toBe(crypto.createSign('RSA-SHA256').update(data).sign(pem.rsaPrivate, 'base64'));
    expect([ok, tampered]).toEqual([true, false]);
  });

  it('KeyObjects: createPrivateKey/createPublicKey (PEM, PKCS#1, JWK), their details, export, equals, instanceof', async () => {
    const jwk = rsa.publicKey.export({ format: 'jwk' });
    const r = (await run(
      `const priv = crypto.createPrivateKey(event.rsaPkcs1); const pub = crypto.createPublicKey(priv); const fromJwk = crypto.createPublicKey({ key: event.jwk, format: 'jwk' });
       const secret = crypto.createSecretKey(Buffer.from('0123456789abcdef'));
       return [priv.type, priv.asymmetricKeyType, priv.asymmetricKeyDetails.modulusLength, pub.type, pub.equals(fromJwk), priv instanceof crypto.KeyObject,
         pub.export({ format: 'pem', type: 'spki' }), fromJwk.export({ format: 'jwk' }), secret.symmetricKeySize, secret.export().toString(), require('node:util').types.isKeyObject(secret)];`,
      { rsaPkcs1: pem.rsaPkcs1, jwk },
    )) as unknown[];
    expect(r).toEqual(['private', 'rsa', 2048, 'public', true, true, pem.rsaPublic, jwk, 16, '0123456789abcdef', true]);
  });

  it('crypto.sign/verify with Ed25519 (deterministic), ECDSA and RSA-PSS (randomised: verified by the host)', async () => {
    const data = 'message to sign';
    const [edSig, ecSig, pssSig, checks] = (await run(
      `const d = Buffer.from(event.data);
       const edSig = crypto.sign(null, d, event.edPrivate); const ecSig = crypto.sign('sha256', d, event.ecPrivate);
       const pssSig = crypto.sign('sha256', d, { key: event.rsaPrivate, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
       const checks = [crypto.verify(null, d, event.edPublic, edSig), crypto.verify('sha256', d, event.ecPublic, ecSig), crypto.verify('sha256', d, { key: event.rsaPublic, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pssSig), crypto.verify(null, Buffer.from('other'), event.edPublic, edSig)];
       return [edSig.toString('base64'), ecSig.toString('base64'), pssSig.toString('base64'), checks];`,
      { data, ...pem },
    )) as [string, string, string, boolean[]];
    expect(edSig).toBe(crypto.sign(null, Buffer.from(data), pem.edPrivate).toString('base64'));
    expect(crypto.verify('sha256', Buffer.from(data), pem.ecPublic, Buffer.from(ecSig, 'base64'))).toBe(true);
    expect(crypto.verify('sha256', Buffer.from(data), { key: pem.rsaPublic, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(pssSig, 'base64'))).toBe(true);
    expect(checks).toEqual([true, true, true, false]);
  });

  it('generateKeyPairSync and generateKeyPair (callback) give keys the host accepts; with encodings, PEM strings', async () => {
    const [pubPem, privPem, sig, async] = (await run(
      `const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
       const pair = await new Promise((resolve, reject) => crypto.generateKeyPair('ed25519', undefined, (e, pub, priv) => (e ? reject(e) : resolve([pub, priv]))));
       return [publicKey, privateKey, crypto.sign('sha256', Buffer.from('x'), privateKey).toString('base64'), [pair[0].asymmetricKeyType, pair[1].type]];`,
    )) as [string, string, string, string[]];
    expect(pubPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(privPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(crypto.verify('sha256', Buffer.from('x'), pubPem, Buffer.from(sig, 'base64'))).toBe(true);
    expect(async).toEqual(['ed25519', 'private']);
  });

  it('errors keep Node’s code; a bad PEM or a wrong key type is the host’s error', async () => {
    const r = (await run(`const t = (f) => { try { f(); return 'ok'; } catch (e) { return [e.name, typeof e.code]; } };
      return [t(() => crypto.createPrivateKey('not a key')), t(() => crypto.createSign('sha256').update('x').sign(event.pub)), t(() => crypto.generateKeyPairSync('rsa', { modulusLength: 16384 }))];`, { pub: pem.rsaPublic })) as unknown[];
    expect(r[0]).toEqual(['Error', 'string']);
    expect(r[1]).toEqual(['Error', 'string']);
    expect(r[2]).toEqual(['RangeError', 'undefined']);
  });
});

describe('ciphers and key derivation', () => {
  const key = Buffer.alloc(32, 7);
  const iv = Buffer.alloc(12, 3);

  it('AES-256-GCM both ways with AAD and the auth tag, as the host computes them; a wrong tag fails', async () => {
    const c = crypto.createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from('header'));
    const want = Buffer.concat([c.update('secret message', 'utf8'), c.final()]).toString('base64');
    const wantTag = c.getAuthTag().toString('base64');
    const [text, tag, back, wrong] = (await run(
      `const key = Buffer.alloc(32, 7), iv = Buffer.alloc(12, 3);
       const c = crypto.createCipheriv('aes-256-gcm', key, iv); c.setAAD(Buffer.from('header'));
       const enc = Buffer.concat([c.update('secret message', 'utf8'), c.final()]); const tag = c.getAuthTag();
       const d = crypto.createDecipheriv('aes-256-gcm', key, iv); d.setAAD(Buffer.from('header')); d.setAuthTag(tag);
       const back = d.update(enc, undefined, 'utf8') + d.final('utf8');
       const w = crypto.createDecipheriv('aes-256-gcm', key, iv); w.setAAD(Buffer.from('header')); w.setAuthTag(Buffer.alloc(16));
       let wrong; try { w.update(enc); w.final(); wrong = 'accepted'; } catch (e) { wrong = e.message; }
       return [enc.toString('base64'), tag.toString('base64'), back, wrong];`,
    )) as string[];
    expect([text, tag, back]).toEqual([want, wantTag, 'secret message']);
    expect(wrong).toMatch(/unable to authenticate|auth/i);
  });

  it('AES-CBC and chacha20-poly1305, and a cipher input larger than one host call (9 MiB, in two chunks)', async () => {
    const big = Buffer.alloc(9 * 1048576, 1);
    const cbcKey = Buffer.alloc(16, 1);
    const cbcIv = Buffer.alloc(16, 2);
    const c = crypto.createCipheriv('aes-128-cbc', cbcKey, cbcIv);
    const digest = crypto.createHash('sha256').update(Buffer.concat([c.update(big), c.final()])).digest('hex');
    const [bigDigest, cbcText, chacha] = (await run(
      `const c = crypto.createCipheriv('aes-128-cbc', Buffer.alloc(16, 1), Buffer.alloc(16, 2));
       const out = Buffer.concat([c.update(Buffer.alloc(9 * 1048576, 1)), c.final()]);
       const small = crypto.createCipheriv('aes-128-cbc', Buffer.alloc(16, 1), Buffer.alloc(16, 2));
       const text = small.update('hello', 'utf8', 'hex') + small.final('hex');
       const cc = crypto.createCipheriv('chacha20-poly1305', Buffer.alloc(32, 5), Buffer.alloc(12, 6), { authTagLength: 16 });
       const ct = Buffer.concat([cc.update('stream'), cc.final()]);
       return [crypto.createHash('sha256').update(out).digest('hex'), text, [ct.toString('hex'), cc.getAuthTag().toString('hex')]];`,
      {},
      { MemorySize: 512 },
    )) as [string, string, string[]];
    const small = crypto.createCipheriv('aes-128-cbc', cbcKey, cbcIv);
    const cc = crypto.createCipheriv('chacha20-poly1305', Buffer.alloc(32, 5), Buffer.alloc(12, 6), { authTagLength: 16 });
    const ct = Buffer.concat([cc.update('stream'), cc.final()]);
    expect([bigDigest, cbcText, chacha]).toEqual([digest, small.update('hello', 'utf8', 'hex') + small.final('hex'), [ct.toString('hex'), cc.getAuthTag().toString('hex')]]);
  });

  it('pbkdf2, scrypt and hkdf (sync and callback) equal the host’s; PBKDF2 past 10 million iterations is refused', async () => {
    const r = (await run(
      `const p = crypto.pbkdf2Sync('pw', 'salt', 1000, 32, 'sha256').toString('hex');
       const pa = await new Promise((res, rej) => crypto.pbkdf2('pw', 'salt', 1000, 32, 'sha512', (e, k) => (e ? rej(e) : res(k.toString('hex')))));
       const s = crypto.scryptSync('pw', 'salt', 32, { N: 1024 }).toString('hex');
       const sa = await new Promise((res) => crypto.scrypt('pw', 'salt', 16, (e, k) => res(k.toString('hex'))));
       const h = Buffer.from(crypto.hkdfSync('sha256', 'key', 'salt', 'info', 42)).toString('hex');
       let refused; try { crypto.pbkdf2Sync('pw', 'salt', 2e7, 32, 'sha256'); } catch (e) { refused = e.name; }
       return [p, pa, s, sa, h, refused];`,
    )) as string[];
    expect(r).toEqual([
      crypto.pbkdf2Sync('pw', 'salt', 1000, 32, 'sha256').toString('hex'),
      crypto.pbkdf2Sync('pw', 'salt', 1000, 32, 'sha512').toString('hex'),
      crypto.scryptSync('pw', 'salt', 32, { N: 1024 }).toString('hex'),
      crypto.scryptSync('pw', 'salt', 16).toString('hex'),
      Buffer.from(crypto.hkdfSync('sha256', 'key', 'salt', 'info', 42)).toString('hex'),
      'RangeError',
    ]);
  });

  it('RSA-OAEP public encryption and private decryption round-trip; getHashes/getCiphers/getCurves are the host’s', async () => {
    const [back, hashes, ciphers, curves] = (await run(
      `const enc = crypto.publicEncrypt({ key: event.pub, oaepHash: 'sha256' }, Buffer.from('top secret'));
       return [crypto.privateDecrypt({ key: event.priv, oaepHash: 'sha256' }, enc).toString(), crypto.getHashes().length, crypto.getCiphers().includes('aes-256-gcm'), crypto.getCurves().includes('prime256v1')];`,
      { pub: pem.rsaPublic, priv: pem.rsaPrivate },
    )) as [string, number, boolean, boolean];
    expect([back, hashes, ciphers, curves]).toEqual(['top secret', crypto.getHashes().length, true, true]);
  });
});

describe('host work a handler can ask for is bounded before it starts', () => {
  it('huge derived keys, scrypt memory, key sizes and primes are RangeErrors (they held the host for minutes or gigabytes)', async () => {
    const r = (await run(`const t = (f) => { try { f(); return 'ran'; } catch (e) { return e.name + ': ' + e.message; } };
      return [t(() => crypto.pbkdf2Sync('p', 's', 1, 1e9, 'sha256')), t(() => crypto.scryptSync('p', 's', 16, { N: 2 ** 20, r: 8, maxmem: 2 ** 40 })),
        t(() => crypto.generateKeyPairSync('dh', { primeLength: 16384 })), t(() => crypto.generateKeyPairSync('rsa', { modulusLength: 9000 }))];`)) as string[];
    expect(r).toEqual([
      'RangeError: lambda-sim: a derived key of 1000000000 bytes is refused (at most 1048576 per call)',
      'RangeError: lambda-sim: scrypt may use at most 268435456 bytes of host memory',
      'RangeError: lambda-sim: the host generates keys of at most 8192 bits (asked: primeLength 16384)',
      'RangeError: lambda-sim: the host generates keys of at most 8192 bits (asked: modulusLength 9000)',
    ]);
  });
});

describe('supervised mode', () => {
  it('signs, verifies and ciphers the same through the supervised child', async () => {
    const supervised = newSim({ seed: 17, sandbox: 'supervised' });
    try {
      const name = await deploy(supervised, `import crypto from 'node:crypto'; export const handler = async (event) => {
        const sig = crypto.createSign('RSA-SHA256').update('x').sign(event.key, 'base64');
        const c = crypto.createCipheriv('aes-256-gcm', Buffer.alloc(32, 7), Buffer.alloc(12, 3)); const enc = Buffer.concat([c.update('x'), c.final()]);
        return [sig, crypto.createVerify('RSA-SHA256').update('x').verify(event.pub, sig, 'base64'), enc.toString('hex'), c.getAuthTag().toString('hex')]; };`);
      const c = crypto.createCipheriv('aes-256-gcm', Buffer.alloc(32, 7), Buffer.alloc(12, 3));
      const enc = Buffer.concat([c.update('x'), c.final()]);
      expect((await call(supervised, name, { key: pem.rsaPrivate, pub: pem.rsaPublic })).payload).toEqual([
        crypto.createSign('RSA-SHA256').update('x').sign(pem.rsaPrivate, 'base64'),
        true,
        enc.toString('hex'),
        c.getAuthTag().toString('hex'),
      ]);
    } finally {
      await supervised.close();
    }
  });
});
