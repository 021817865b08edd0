import { customRandom } from 'nanoid';

/**
 * Seeded randomness. Every random choice of the simulator and every `Math.random`,
 * `crypto.getRandomValues` and `crypto.randomUUID` inside a sandbox comes from a `Random` derived
 * from the simulator's seed, so a seed replays a run exactly.
 *
 * Streams are *forked by label*, not by drawing from a parent: the stream of environment 7 does
 * not change when environment 3 draws more numbers. This keeps replays stable when one part of a
 * run changes.
 *
 * Generator: xoshiro128** (Blackman & Vigna), seeded through splitmix32; 32-bit state words so
 * every operation stays in int32 arithmetic.
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  readonly seed: number;
  readonly label: string;

  constructor(seed: number, label = 'root') {
    if (!Number.isSafeInteger(seed)) {
      throw new TypeError(`Expected \`seed\` to be a safe integer, got \`${String(seed)}\` (${typeof seed})`);
    }
    this.seed = seed;
    this.label = label;
    let s = mixLabel(seed, label);
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1;
  }

  /** A new independent stream named `label` under this one. */
  fork(label: string): Random {
    return new Random(this.seed, `${this.label}/${label}`);
  }

  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits, like `Math.random`. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Fills `bytes` with random bytes and returns it. */
  fill(bytes: Uint8Array): Uint8Array {
    let i = 0;
    for (; i + 4 <= bytes.length; i += 4) {
      const v = this.nextUint32();
      bytes[i] = v & 0xff;
      bytes[i + 1] = (v >>> 8) & 0xff;
      bytes[i + 2] = (v >>> 16) & 0xff;
      bytes[i + 3] = v >>> 24;
    }
    if (i < bytes.length) {
      let v = this.nextUint32();
      for (; i < bytes.length; i++) {
        bytes[i] = v & 0xff;
        v >>>= 8;
      }
    }
    return bytes;
  }

  /** Lower-case hex string of `n` characters (8 per 32-bit draw). */
  hex(n: number): string {
    let out = '';
    while (out.length < n) {
      const v = this.nextUint32();
      out += HEX_BYTE[v >>> 24]! + HEX_BYTE[(v >>> 16) & 0xff]! + HEX_BYTE[(v >>> 8) & 0xff]! + HEX_BYTE[v & 0xff]!;
    }
    return out.length === n ? out : out.slice(0, n);
  }

  /** An RFC 4122 version-4 UUID, the shape of Lambda request ids. */
  uuid(): string {
    const h = this.#uuidHex(32);
    const variant = '89ab'[parseInt(h[16]!, 16) & 3]!;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  #hexGen: ((size?: number) => string) | undefined;
  /** Request ids: nanoid's customRandom over this stream (DESIGN.md). */
  get #uuidHex(): (size?: number) => string {
    this.#hexGen ??= customRandom('0123456789abcdef', 32, (size) => this.fill(new Uint8Array(size)));
    return this.#hexGen;
  }
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => (i + 0x100).toString(16).slice(1));

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a over the label, folded with the seed: distinct labels give unrelated streams. */
function mixLabel(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed | 0) ^ Math.floor(seed / 4294967296);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
