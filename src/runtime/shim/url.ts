/**
 * `URL` and `URLSearchParams`. Parsing and setters are done by the host's own WHATWG URL
 * implementation (one Callback per parse), so edge cases match Node exactly without shipping a
 * parser into every sandbox.
 */
import { host } from './host.js';

interface Parts {
  href: string; origin: string; protocol: string; username: string; password: string;
  host: string; hostname: string; port: string; pathname: string; search: string; hash: string;
}

function parse(input: string, base?: string, prop?: string, value?: string): Parts {
  let json: string;
  try {
    json = prop === undefined ? host.url(input, base) : host.url(input, undefined, prop, value);
  } catch {
    const e = new TypeError('Invalid URL') as TypeError & { code: string; input: string };
    e.code = 'ERR_INVALID_URL';
    e.input = input;
    throw e;
  }
  return JSON.parse(json) as Parts;
}

export class URLSearchParams {
  #list: Array<[string, string]> = [];
  #onChange: (() => void) | undefined;

  constructor(init?: string | Record<string, string> | Iterable<[string, string]> | URLSearchParams) {
    if (init === undefined || init === null) return;
    if (typeof init === 'string') this.#parse(init);
    else if (init instanceof URLSearchParams) this.#list = init.#list.map(([k, v]) => [k, v]);
    else if (typeof (init as Iterable<[string, string]>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<[string, string]>) {
        const p = [...pair];
        if (p.length !== 2) throw new TypeError('Each query pair must be an iterable [name, value] tuple');
        this.#list.push([String(p[0]), String(p[1])]);
      }
    } else for (const k of Object.keys(init)) this.#list.push([k, String((init as Record<string, string>)[k])]);
  }

  /** @internal */
  static _bind(search: string, onChange: () => void): URLSearchParams {
    const p = new URLSearchParams(search);
    p.#onChange = onChange;
    return p;
  }
  /** @internal */
  _reset(search: string): void {
    this.#list = [];
    this.#parse(search);
  }

  #parse(s: string): void {
    if (s.startsWith('?')) s = s.slice(1);
    for (const part of s.split('&')) {
      if (part === '') continue;
      const i = part.indexOf('=');
      const k = i < 0 ? part : part.slice(0, i);
      const v = i < 0 ? '' : part.slice(i + 1);
      this.#list.push([decode(k), decode(v)]);
    }
  }
  #changed(): void {
    this.#onChange?.();
  }
  get size(): number {
    return this.#list.length;
  }
  append(k: string, v: string): void {
    this.#list.push([String(k), String(v)]);
    this.#changed();
  }
  delete(k: string, v?: string): void {
    this.#list = this.#list.filter(([a, b]) => !(a === String(k) && (v === undefined || b === String(v))));
    this.#changed();
  }
  get(k: string): string | null {
    const e = this.#list.find(([a]) => a === String(k));
    return e === undefined ? null : e[1];
  }
  getAll(k: string): string[] {
    return this.#list.filter(([a]) => a === String(k)).map(([, b]) => b);
  }
  has(k: string, v?: string): boolean {
    return this.#list.some(([a, b]) => a === String(k) && (v === undefined || b === String(v)));
  }
  set(k: string, v: string): void {
    const key = String(k);
    const i = this.#list.findIndex(([a]) => a === key);
    if (i < 0) this.#list.push([key, String(v)]);
    else {
      this.#list[i] = [key, String(v)];
      this.#list = this.#list.filter(([a], j) => j <= i || a !== key);
    }
    this.#changed();
  }
  sort(): void {
    this.#list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#changed();
  }
  forEach(fn: (v: string, k: string, p: URLSearchParams) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#list) fn.call(thisArg, v, k, this);
  }
  keys(): IterableIterator<string> {
    return this.#list.map(([k]) => k)[Symbol.iterator]();
  }
  values(): IterableIterator<string> {
    return this.#list.map(([, v]) => v)[Symbol.iterator]();
  }
  entries(): IterableIterator<[string, string]> {
    return this.#list.map(([k, v]) => [k, v] as [string, string])[Symbol.iterator]();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  toString(): string {
    return this.#list.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  }
  get [Symbol.toStringTag](): string {
    return 'URLSearchParams';
  }
}

function decode(s: string): string {
  const t = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(t);
  } catch {
    return t.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

function encode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const PROPS = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'] as const;

export class URL {
  declare href: string;
  declare protocol: string;
  declare username: string;
  declare password: string;
  declare host: string;
  declare hostname: string;
  declare port: string;
  declare pathname: string;
  declare search: string;
  declare hash: string;
  #p: Parts;
  #params: URLSearchParams | undefined;

  constructor(input: string | URL, base?: string | URL) {
    this.#p = parse(String(input), base === undefined ? undefined : String(base));
  }
  static canParse(input: string, base?: string): boolean {
    try {
      parse(String(input), base === undefined ? undefined : String(base));
      return true;
    } catch {
      return false;
    }
  }
  get origin(): string {
    return this.#p.origin;
  }
  get searchParams(): URLSearchParams {
    this.#params ??= URLSearchParams._bind(this.#p.search, () => {
      const q = this.#params!.toString();
      this.#p = parse(this.#p.href, undefined, 'search', q === '' ? '' : `?${q}`);
    });
    return this.#params;
  }
  toString(): string {
    return this.#p.href;
  }
  toJSON(): string {
    return this.#p.href;
  }
  get [Symbol.toStringTag](): string {
    return 'URL';
  }
  /** @internal */
  _set(prop: string, value: string): void {
    this.#p = parse(this.#p.href, undefined, prop, String(value));
    this.#params?._reset(this.#p.search);
  }
  /** @internal */
  _get(prop: keyof Parts): string {
    return this.#p[prop];
  }
}

for (const prop of PROPS) {
  Object.defineProperty(URL.prototype, prop, {
    configurable: true,
    enumerable: true,
    get(this: URL) {
      return this._get(prop);
    },
    set(this: URL, v: string) {
      this._set(prop, v);
    },
  });
}
