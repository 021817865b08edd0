/**
 * The host-call value codec (shim/codec.ts), through its port: encode/decode on both sides of the
 * boundary. Bytes travel as base64 written by the codec's own tables (the sandbox has no btoa):
 * checked against Node's Buffer for every length remainder and for random contents.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/runtime/shim/codec.js';

describe('codec', () => {
  it('writes bytes as the base64 Node writes, and reads them back, for every length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const json = encode({ b: bytes });
        expect(JSON.parse(json)).toEqual({ b: { $bytes: Buffer.from(bytes).toString('base64') } });
        expect(Buffer.from((decode(json) as { b: Uint8Array }).b)).toEqual(Buffer.from(bytes));
      }),
      { seed: 17, numRuns: 300 },
    );
  });

  it('round-trips a buffer larger than one argument list (1 MiB), dates, bigints, sets and maps', () => {
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 7919) & 255);
    const value = { big, when: new Date(1e12), n: 2n ** 70n, s: new Set([1, 2]), m: new Map([['k', 1]]) };
    const back = decode(encode(value)) as typeof value;
    expect(Buffer.from(back.big).equals(Buffer.from(big))).toBe(true);
    expect([back.when.getTime(), back.n, [...back.s], [...back.m]]).toEqual([1e12, 2n ** 70n, [1, 2], [['k', 1]]]);
  });
});
