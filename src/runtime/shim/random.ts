/**
 * Seeded randomness inside the sandbox: xoshiro128** seeded by the host with four words drawn from
 * the environment's own PRNG stream, so `Math.random`, `crypto.getRandomValues` and
 * `crypto.randomUUID` replay exactly from the simulator's seed.
 */
let s0 = 1, s1 = 2, s2 = 3, s3 = 4;

export function seedRandom(words: readonly number[]): void {
  s0 = words[0]! | 0;
  s1 = words[1]! | 0;
  s2 = words[2]! | 0;
  s3 = words[3]! | 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function nextUint32(): number {
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  return result;
}

export function random(): number {
  // 53 bits like V8's Math.random.
  const hi = nextUint32() >>> 5;
  const lo = nextUint32() >>> 6;
  return (hi * 67108864 + lo) / 9007199254740992;
}

export function fillRandom(bytes: Uint8Array): Uint8Array {
  for (let i = 0; i < bytes.length; i += 4) {
    let w = nextUint32();
    for (let j = 0; j < 4 && i + j < bytes.length; j++) {
      bytes[i + j] = w & 0xff;
      w >>>= 8;
    }
  }
  return bytes;
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i + 0x100).toString(16).slice(1));

export function randomUUID(): string {
  const r = fillRandom(new Uint8Array(16));
  r[6] = (r[6]! & 0x0f) | 0x40;
  r[8] = (r[8]! & 0x3f) | 0x80;
  const h = Array.from(r, (x) => HEX[x]!);
  return `${h.slice(0, 4).join('')}-${h.slice(4, 6).join('')}-${h.slice(6, 8).join('')}-${h.slice(8, 10).join('')}-${h.slice(10).join('')}`;
}
