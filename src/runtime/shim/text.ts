/** TextEncoder/TextDecoder (UTF-8 only, like Node's defaults), atob and btoa. */

export class TextEncoder {
  get encoding(): string {
    return 'utf-8';
  }
  encode(input = ''): Uint8Array {
    return utf8Encode(String(input));
  }
  encodeInto(input: string, dest: Uint8Array): { read: number; written: number } {
    const bytes = utf8Encode(String(input));
    const n = Math.min(bytes.length, dest.length);
    // Do not cut a multi-byte sequence.
    let end = n;
    while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    dest.set(bytes.subarray(0, end));
    return { read: utf8Decode(bytes.subarray(0, end), false).length, written: end };
  }
}

export class TextDecoder {
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;
  constructor(label = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const l = String(label).toLowerCase().trim();
    if (l !== 'utf-8' && l !== 'utf8' && l !== 'unicode-1-1-utf-8') {
      throw new RangeError(`The "${String(label)}" encoding is not supported`);
    }
    this.#fatal = options.fatal === true;
    this.#ignoreBOM = options.ignoreBOM === true;
  }
  get encoding(): string {
    return 'utf-8';
  }
  get fatal(): boolean {
    return this.#fatal;
  }
  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }
  decode(input?: ArrayBuffer | ArrayBufferView): string {
    if (input === undefined) return '';
    const bytes =
      input instanceof Uint8Array
        ? input
        : ArrayBuffer.isView(input)
          ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
          : new Uint8Array(input);
    let s = utf8Decode(bytes, this.#fatal);
    if (!this.#ignoreBOM && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    return s;
  }
}

export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else cp = 0xfffd;
    } else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return new Uint8Array(out);
}

export function utf8Decode(bytes: Uint8Array, fatal: boolean): string {
  let out = '';
  let chunk: number[] = [];
  const bad = (): number => {
    if (fatal) throw new TypeError('The encoded data was not valid for encoding utf-8');
    return 0xfffd;
  };
  for (let i = 0; i < bytes.length; ) {
    const b0 = bytes[i]!;
    let cp: number;
    let need = 0;
    if (b0 < 0x80) cp = b0;
    else if (b0 >= 0xc2 && b0 < 0xe0) (cp = b0 & 0x1f), (need = 1);
    else if (b0 >= 0xe0 && b0 < 0xf0) (cp = b0 & 0x0f), (need = 2);
    else if (b0 >= 0xf0 && b0 < 0xf5) (cp = b0 & 0x07), (need = 3);
    else {
      cp = bad();
      i++;
      chunk.push(cp);
      continue;
    }
    let j = 1;
    for (; j <= need; j++) {
      const bj = bytes[i + j];
      if (bj === undefined || (bj & 0xc0) !== 0x80) break;
      cp = (cp << 6) | (bj & 0x3f);
    }
    if (j <= need || (need === 2 && cp < 0x800) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) {
      cp = bad();
      i += Math.max(1, j);
    } else i += need + 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else chunk.push(cp);
    if (chunk.length > 8192) {
      out += String.fromCharCode(...chunk);
      chunk = [];
    }
  }
  return out + String.fromCharCode(...chunk);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function invalidCharacter(): Error {
  const e = new Error('Invalid character');
  e.name = 'InvalidCharacterError';
  return e;
}

export function btoa(input: unknown): string {
  const s = String(input);
  let out = '';
  for (let i = 0; i < s.length; i += 3) {
    const c0 = s.charCodeAt(i), c1 = s.charCodeAt(i + 1), c2 = s.charCodeAt(i + 2);
    if (c0 > 255 || c1 > 255 || c2 > 255) throw invalidCharacter();
    const n = (c0 << 16) | ((c1 || 0) << 8) | (c2 || 0);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + (i + 1 < s.length ? B64[(n >> 6) & 63]! : '=') + (i + 2 < s.length ? B64[n & 63]! : '=');
  }
  return out;
}

export function atob(input: unknown): string {
  let s = String(input).replace(/[\t\n\f\r ]/g, '');
  if (s.length % 4 === 0) s = s.replace(/==?$/, '');
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw invalidCharacter();
  let out = '';
  let bits = 0, acc = 0;
  for (const ch of s) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 0xff);
    }
  }
  return out;
}
