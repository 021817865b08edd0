/**
 * `fetch` and its classes — `Headers`, `Request`, `Response`, `Blob`, `File`, `FormData`,
 * `TextEncoderStream`, `TextDecoderStream` — for the sandbox (a shim chunk, loaded when code first
 * reaches one of the globals). Streams are web-streams-polyfill's (the 'web-streams' chunk). A
 * request goes to the host as one {@link Wire} message (body whole, at most
 * MAX_NETWORK_BODY_BYTES) and is executed there under the simulator's `network` policy
 * (runtime/host-network.ts); the answer's body arrives whole and is offered as a stream too.
 */
import { concatBytes as concat } from './codec.js';
import { callHost } from './hostcall.js';
import { lazy } from './lazy.js';
import { MAX_NETWORK_BODY_BYTES } from './limits.js';
import { TextDecoder, TextEncoder, utf8Decode, utf8Encode } from './text.js';
import { URL, URLSearchParams } from './url.js';
import type { DOMException as DOMExceptionClass } from './dom-exception.js';
import type { NetworkFailure, RedirectMode, WireAnswer, WireRequest } from './network-wire.js';

/* The web-streams-polyfill classes, as far as this file uses them. */
interface Reader {
  read(): Promise<{ done: boolean; value?: unknown }>;
  releaseLock(): void;
}
interface Stream {
  getReader(): Reader;
  tee(): [Stream, Stream];
  readonly locked: boolean;
}
interface StreamController {
  enqueue(chunk: unknown): void;
  close(): void;
}
interface Streams {
  ReadableStream: new (source?: { start?(c: StreamController): void; pull?(c: StreamController): unknown; type?: string }) => Stream;
  TransformStream: new (t: { transform(chunk: unknown, c: StreamController): void; flush?(c: StreamController): void }) => { readable: Stream; writable: unknown };
}
const streams = (): Streams => lazy<Streams>('web-streams');
const domException = (message: string, name: string): Error => new (lazy<{ DOMException: typeof DOMExceptionClass }>('dom-exception').DOMException)(message, name);
const isStream = (v: unknown): v is Stream => v instanceof (streams().ReadableStream as unknown as new () => object);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HTTP_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function headerName(name: unknown): string {
  const n = String(name);
  if (!TOKEN.test(n)) throw new TypeError(`Headers: invalid header name "${n}"`);
  return n.toLowerCase();
}

function headerValue(value: unknown, name: string): string {
  const v = String(value).replace(HTTP_WS, '');
  if (/[\0\r\n]/.test(v)) throw new TypeError(`Headers: invalid value for header "${name}"`);
  return v;
}

type HeadersInit = Headers | Array<[string, string]> | Record<string, string> | Iterable<[string, string]>;

export class Headers {
  /** Name (lower case) and value, in insertion order. */
  #list: Array<[string, string]> = [];
  #immutable = false;
  constructor(init?: HeadersInit | null) {
    if (init === undefined || init === null) return;
    if (typeof init !== 'object') throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
    if (init instanceof Headers) {
      this.#list = init.#list.map(([k, v]) => [k, v]);
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<unknown>) {
        const p = [...(pair as Iterable<unknown>)];
        if (p.length !== 2) throw new TypeError("Failed to construct 'Headers': a header pair must have exactly two items");
        this.append(p[0] as string, p[1] as string);
      }
    } else {
      for (const k of Object.keys(init)) this.append(k, (init as Record<string, string>)[k]!);
    }
  }
  /** Frozen headers (a Response.error()'s, a fetched Request's guard): set/append/delete throw. */
  static freeze(h: Headers): Headers {
    h.#immutable = true;
    return h;
  }
  #mutable(): void {
    if (this.#immutable) throw new TypeError('Headers are immutable');
  }
  append(name: string, value: string): void {
    this.#mutable();
    const n = headerName(name);
    this.#list.push([n, headerValue(value, n)]);
  }
  set(name: string, value: string): void {
    this.#mutable();
    const n = headerName(name);
    const v = headerValue(value, n);
    const at = this.#list.findIndex(([k]) => k === n);
    this.#list = this.#list.filter(([k], i) => k !== n || i === at);
    if (at === -1) this.#list.push([n, v]);
    else this.#list[this.#list.findIndex(([k]) => k === n)] = [n, v];
  }
  delete(name: string): void {
    this.#mutable();
    const n = headerName(name);
    this.#list = this.#list.filter(([k]) => k !== n);
  }
  get(name: string): string | null {
    const n = headerName(name);
    const values = this.#list.filter(([k]) => k === n).map(([, v]) => v);
    return values.length === 0 ? null : values.join(', ');
  }
  getSetCookie(): string[] {
    return this.#list.filter(([k]) => k === 'set-cookie').map(([, v]) => v);
  }
  has(name: string): boolean {
    const n = headerName(name);
    return this.#list.some(([k]) => k === n);
  }
  /** Sorted by name, values of a name combined (set-cookie's kept apart), as the spec iterates. */
  *entries(): IterableIterator<[string, string]> {
    const names = [...new Set(this.#list.map(([k]) => k))].sort();
    for (const n of names) {
      if (n === 'set-cookie') for (const c of this.getSetCookie()) yield [n, c];
      else yield [n, this.get(n)!];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  forEach(fn: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
  /** The raw list (names lower case, in insertion order), for the wire. */
  static pairs(h: Headers): Array<[string, string]> {
    return h.#list.map(([k, v]) => [k, v]);
  }
}

function bytesOf(v: ArrayBuffer | ArrayBufferView): Uint8Array {
  return v instanceof ArrayBuffer ? new Uint8Array(v.slice(0)) : new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

type BlobPart = string | ArrayBuffer | ArrayBufferView | Blob;

export class Blob {
  readonly #bytes: Uint8Array;
  readonly #type: string;
  constructor(parts: Iterable<BlobPart> = [], options: { type?: string; endings?: string } = {}) {
    if (parts === null || typeof parts !== 'object' || typeof (parts as Iterable<BlobPart>)[Symbol.iterator] !== 'function') {
      throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
    }
    const chunks: Uint8Array[] = [];
    for (const p of parts) {
      if (p instanceof Blob) chunks.push(p.#bytes);
      else if (p instanceof ArrayBuffer || ArrayBuffer.isView(p)) chunks.push(bytesOf(p));
      else chunks.push(utf8Encode(String(p)));
    }
    this.#bytes = concat(chunks);
    const type = options?.type === undefined ? '' : String(options.type);
    this.#type = /[^\u0020-\u007e]/.test(type) ? '' : type.toLowerCase();
  }
  get size(): number {
    return this.#bytes.length;
  }
  get type(): string {
    return this.#type;
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.#bytes.slice().buffer);
  }
  bytes(): Promise<Uint8Array> {
    return Promise.resolve(this.#bytes.slice());
  }
  text(): Promise<string> {
    return Promise.resolve(utf8Decode(this.#bytes, false));
  }
  slice(start = 0, end = this.size, type = ''): Blob {
    const rel = (n: number): number => (n < 0 ? Math.max(this.size + n, 0) : Math.min(n, this.size));
    return new Blob([this.#bytes.subarray(rel(start), Math.max(rel(start), rel(end)))], { type });
  }
  stream(): Stream {
    return streamOf(this.#bytes.slice());
  }
  get [Symbol.toStringTag](): string {
    return 'Blob';
  }
  /** The bytes, for bodies. */
  static bytesOf(b: Blob): Uint8Array {
    return b.#bytes;
  }
}

export class File extends Blob {
  readonly #name: string;
  readonly #lastModified: number;
  constructor(parts: Iterable<BlobPart>, name: string, options: { type?: string; lastModified?: number } = {}) {
    if (arguments.length < 2) throw new TypeError("Failed to construct 'File': 2 arguments required.");
    super(parts, options);
    this.#name = String(name);
    this.#lastModified = options.lastModified === undefined ? Date.now() : Number(options.lastModified);
  }
  get name(): string {
    return this.#name;
  }
  get lastModified(): number {
    return this.#lastModified;
  }
  override get [Symbol.toStringTag](): string {
    return 'File';
  }
}

type FormValue = string | File;

export class FormData {
  #entries: Array<[string, FormValue]> = [];
  constructor(form?: unknown) {
    if (form !== undefined) throw new TypeError("Failed to construct 'FormData': lambda-sim's sandbox has no HTML form elements");
  }
  static #value(value: unknown, filename?: string): FormValue {
    if (value instanceof Blob) {
      if (value instanceof File && filename === undefined) return value;
      return new File([value], filename ?? (value instanceof File ? value.name : 'blob'), { type: value.type });
    }
    return String(value);
  }
  append(name: string, value: unknown, filename?: string): void {
    this.#entries.push([String(name), FormData.#value(value, filename)]);
  }
  set(name: string, value: unknown, filename?: string): void {
    const n = String(name);
    const v = FormData.#value(value, filename);
    const at = this.#entries.findIndex(([k]) => k === n);
    if (at === -1) this.#entries.push([n, v]);
    else this.#entries = this.#entries.filter(([k], i) => k !== n || i === at).map((e) => (e[0] === n ? [n, v] : e));
  }
  get(name: string): FormValue | null {
    return this.#entries.find(([k]) => k === String(name))?.[1] ?? null;
  }
  getAll(name: string): FormValue[] {
    return this.#entries.filter(([k]) => k === String(name)).map(([, v]) => v);
  }
  has(name: string): boolean {
    return this.#entries.some(([k]) => k === String(name));
  }
  delete(name: string): void {
    this.#entries = this.#entries.filter(([k]) => k !== String(name));
  }
  *entries(): IterableIterator<[string, FormValue]> {
    for (const e of this.#entries) yield [e[0], e[1]];
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.#entries) yield k;
  }
  *values(): IterableIterator<FormValue> {
    for (const [, v] of this.#entries) yield v;
  }
  forEach(fn: (value: FormValue, key: string, parent: FormData) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#entries) fn.call(thisArg, v, k, this);
  }
  [Symbol.iterator](): IterableIterator<[string, FormValue]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return 'FormData';
  }
}

let boundaries = 0;

/** multipart/form-data, as Node's fetch writes it. */
function multipart(form: FormData): { bytes: Uint8Array; type: string } {
  const boundary = `----formdata-lambda-sim-${String(++boundaries).padStart(11, '0')}`;
  const esc = (s: string): string => s.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
  const parts: Uint8Array[] = [];
  for (const [name, value] of form) {
    if (typeof value === 'string') {
      parts.push(utf8Encode(`--${boundary}\r\nContent-Disposition: form-data; name="${esc(name)}"\r\n\r\n${value.replace(/\r(?!\n)|(?<!\r)\n/g, '\r\n')}\r\n`));
    } else {
      parts.push(utf8Encode(`--${boundary}\r\nContent-Disposition: form-data; name="${esc(name)}"; filename="${esc(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`));
      parts.push(Blob.bytesOf(value), utf8Encode('\r\n'));
    }
  }
  parts.push(utf8Encode(`--${boundary}--\r\n`));
  return { bytes: concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

function parseMultipart(bytes: Uint8Array, type: string): FormData {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (m === null) throw new TypeError('Failed to parse body as FormData: no boundary');
  const boundary = `--${m[1] ?? m[2]}`;
  const text = utf8Decode(bytes, false);
  const form = new FormData();
  for (const part of text.split(boundary).slice(1)) {
    if (part.startsWith('--')) break;
    const end = part.indexOf('\r\n\r\n');
    if (end === -1) continue;
    const head = part.slice(2, end);
    const body = part.slice(end + 4, part.endsWith('\r\n') ? -2 : undefined);
    const name = /name="([^"]*)"/i.exec(head)?.[1] ?? '';
    const filename = /filename="([^"]*)"/i.exec(head)?.[1];
    const ctype = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? '';
    form.append(name, filename === undefined ? body : new File([body], filename, { type: ctype }));
  }
  return form;
}

function streamOf(bytes: Uint8Array): Stream {
  return new (streams().ReadableStream)({
    start(c) {
      if (bytes.length > 0) c.enqueue(bytes);
      c.close();
    },
  });
}

async function readAll(stream: Stream): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) throw new TypeError('Received non-Uint8Array chunk');
    size += value.length;
    if (size > MAX_NETWORK_BODY_BYTES) throw new RangeError(`lambda-sim: a body over ${MAX_NETWORK_BODY_BYTES} bytes`);
    parts.push(value);
  }
  reader.releaseLock();
  return concat(parts);
}

type BodyInit = string | ArrayBuffer | ArrayBufferView | Blob | URLSearchParams | FormData | Stream | null | undefined;

/** A body as the spec extracts it: bytes (or a stream) and the Content-Type it implies. */
function extract(body: BodyInit): { source: Uint8Array | Stream | null; type: string | null; text?: string } {
  if (body === null || body === undefined) return { source: null, type: null };
  if (typeof body === 'string') return { source: utf8Encode(body), type: 'text/plain;charset=UTF-8', text: body };
  if (body instanceof URLSearchParams) {
    const text = body.toString();
    return { source: utf8Encode(text), type: 'application/x-www-form-urlencoded;charset=UTF-8', text };
  }
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return { source: bytesOf(body), type: null };
  if (body instanceof Blob) return { source: Blob.bytesOf(body).slice(), type: body.type === '' ? null : body.type };
  if (body instanceof FormData) {
    const m = multipart(body);
    return { source: m.bytes, type: m.type };
  }
  if (isStream(body)) return { source: body, type: null };
  return { source: utf8Encode(String(body)), type: 'text/plain;charset=UTF-8' };
}

/** The Body mixin of Request and Response. */
abstract class Body {
  #source: Uint8Array | Stream | null;
  #stream: Stream | null = null;
  #used = false;
  /** The string a body was made from: it goes to the host as a string (interceptors see what Node's fetch would give them). */
  readonly #text: string | undefined;
  constructor(source: Uint8Array | Stream | null, text?: string) {
    this.#source = source;
    this.#text = text;
  }
  abstract get headers(): Headers;
  get body(): Stream | null {
    if (this.#source === null) return null;
    if (this.#stream === null) this.#stream = this.#source instanceof Uint8Array ? streamOf(this.#source) : this.#source;
    return this.#stream;
  }
  get bodyUsed(): boolean {
    return this.#used;
  }
  async #bytes(): Promise<Uint8Array> {
    if (this.#used || (this.#stream !== null && this.#stream.locked)) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    if (this.#source === null) return new Uint8Array(0);
    if (this.#stream === null && this.#source instanceof Uint8Array) return this.#source;
    return readAll(this.body!);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.#bytes();
    return b.slice().buffer;
  }
  async bytes(): Promise<Uint8Array> {
    return (await this.#bytes()).slice();
  }
  async text(): Promise<string> {
    return utf8Decode(await this.#bytes(), false);
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
  async blob(): Promise<Blob> {
    return new Blob([await this.#bytes()], { type: this.headers.get('content-type') ?? '' });
  }
  async formData(): Promise<FormData> {
    const type = this.headers.get('content-type') ?? '';
    const bytes = await this.#bytes();
    if (/^multipart\/form-data/i.test(type)) return parseMultipart(bytes, type);
    if (/^application\/x-www-form-urlencoded/i.test(type)) {
      const form = new FormData();
      for (const [k, v] of new URLSearchParams(utf8Decode(bytes, false))) form.append(k, v);
      return form;
    }
    throw new TypeError(`Content-Type was not one of "multipart/form-data" or "application/x-www-form-urlencoded".`);
  }
  /** Two bodies reading the same content (clone()). */
  protected cloneSource(): Uint8Array | Stream | null {
    if (this.#used) throw new TypeError('Body has already been consumed.');
    if (this.#source === null || (this.#source instanceof Uint8Array && this.#stream === null)) return this.#source;
    const [a, b] = this.body!.tee();
    this.#stream = a;
    this.#source = a;
    return b;
  }
  /** The bytes for the wire, without marking the body used for the caller. */
  static async wireBody(b: Body): Promise<Uint8Array | string | null> {
    if (b.#source === null) return null;
    if (b.#text !== undefined && !b.#used && b.#stream === null) {
      b.#used = true;
      return b.#text;
    }
    return b.#bytes();
  }
}

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH'];

interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit;
  redirect?: RedirectMode;
  signal?: AbortSignalLike | null;
  [k: string]: unknown;
}

interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', fn: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', fn: () => void): void;
}

function parseUrl(input: string): URL {
  try {
    return new URL(input);
  } catch (cause) {
    throw new TypeError(`Failed to parse URL from ${input}`, { cause });
  }
}

export class Request extends Body {
  readonly #url: string;
  readonly #method: string;
  readonly #headers: Headers;
  readonly #redirect: RedirectMode;
  readonly #signal: AbortSignalLike | null;
  readonly #options: Record<string, unknown>;
  constructor(input: string | URL | Request, init: RequestInit = {}) {
    const from = input instanceof Request ? input : undefined;
    let method = init.method === undefined ? (from?.method ?? 'GET') : String(init.method);
    if (!TOKEN.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`);
    if (METHODS.includes(method.toUpperCase())) method = method.toUpperCase();
    if (['CONNECT', 'TRACE', 'TRACK'].includes(method.toUpperCase())) throw new TypeError(`'${method}' HTTP method is unsupported.`);
    const given = init.body !== undefined ? extract(init.body) : undefined;
    const source = given !== undefined ? given.source : from !== undefined ? from.cloneSource() : null;
    if (source !== null && (method === 'GET' || method === 'HEAD')) throw new TypeError('Request with GET/HEAD method cannot have body.');
    super(source, given?.text);
    this.#url = from !== undefined ? from.url : parseUrl(String(input)).href;
    this.#method = method;
    this.#headers = new Headers(init.headers ?? from?.headers);
    if (given?.type !== null && given?.type !== undefined && !this.#headers.has('content-type')) this.#headers.set('content-type', given.type);
    this.#redirect = init.redirect ?? from?.redirect ?? 'follow';
    if (!['follow', 'manual', 'error'].includes(this.#redirect)) throw new TypeError(`Failed to construct 'Request': '${String(this.#redirect)}' is not a valid redirect mode.`);
    this.#signal = init.signal ?? from?.signal ?? null;
    this.#options = { cache: 'default', credentials: 'same-origin', mode: 'cors', referrer: 'about:client', referrerPolicy: '', integrity: '', keepalive: false, destination: '' };
    for (const k of Object.keys(this.#options)) if (init[k] !== undefined) this.#options[k] = init[k];
  }
  get url(): string {
    return this.#url;
  }
  get method(): string {
    return this.#method;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get redirect(): RedirectMode {
    return this.#redirect;
  }
  get signal(): AbortSignalLike | null {
    return this.#signal;
  }
  get cache(): unknown {
    return this.#options['cache'];
  }
  get credentials(): unknown {
    return this.#options['credentials'];
  }
  get mode(): unknown {
    return this.#options['mode'];
  }
  get referrer(): unknown {
    return this.#options['referrer'];
  }
  get referrerPolicy(): unknown {
    return this.#options['referrerPolicy'];
  }
  get integrity(): unknown {
    return this.#options['integrity'];
  }
  get keepalive(): unknown {
    return this.#options['keepalive'];
  }
  get destination(): unknown {
    return this.#options['destination'];
  }
  get duplex(): string {
    return 'half';
  }
  clone(): Request {
    return new Request(this);
  }
  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}

const NULL_BODY = [101, 103, 204, 205, 304];
const REDIRECTS = [301, 302, 303, 307, 308];
/** Responses from the network may carry any status; a constructed one only 200–599. */
const fromNetwork = Symbol('lambda-sim network');

interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
  [fromNetwork]?: { url: string; redirected: boolean; type: string };
}

export class Response extends Body {
  readonly #status: number;
  readonly #statusText: string;
  readonly #headers: Headers;
  readonly #url: string;
  readonly #redirected: boolean;
  readonly #type: string;
  constructor(body: BodyInit = null, init: ResponseInit = {}) {
    const net = init[fromNetwork];
    const status = init.status === undefined ? 200 : Number(init.status);
    if (net === undefined && (!Number.isInteger(status) || status < 200 || status > 599)) {
      throw new RangeError(`Failed to construct 'Response': The status provided (${String(init.status)}) is outside the range [200, 599].`);
    }
    const given = extract(body);
    if (net === undefined && given.source !== null && NULL_BODY.includes(status)) throw new TypeError('Response constructor: Invalid response status code ' + status);
    super(given.source);
    this.#status = status;
    this.#statusText = init.statusText === undefined ? '' : String(init.statusText);
    this.#headers = new Headers(init.headers);
    if (given.type !== null && !this.#headers.has('content-type')) this.#headers.set('content-type', given.type);
    this.#url = net?.url ?? '';
    this.#redirected = net?.redirected ?? false;
    this.#type = net?.type ?? 'default';
  }
  static error(): Response {
    const r = new Response(null, { status: 0, [fromNetwork]: { url: '', redirected: false, type: 'error' } });
    Headers.freeze(r.headers);
    return r;
  }
  static redirect(url: string | URL, status = 302): Response {
    if (!REDIRECTS.includes(status)) throw new RangeError(`Invalid status code ${status}`);
    return new Response(null, { status, headers: { location: parseUrl(String(url)).href } });
  }
  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    const headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(text, { ...init, headers });
  }
  get status(): number {
    return this.#status;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }
  get statusText(): string {
    return this.#statusText;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get url(): string {
    return this.#url;
  }
  get redirected(): boolean {
    return this.#redirected;
  }
  get type(): string {
    return this.#type;
  }
  clone(): Response {
    const source = this.cloneSource();
    return new Response(source as BodyInit, { status: this.#status, statusText: this.#statusText, headers: this.#headers, [fromNetwork]: { url: this.#url, redirected: this.#redirected, type: this.#type } });
  }
  get [Symbol.toStringTag](): string {
    return 'Response';
  }
}

/* ---- fetch ---- */

/** A connection failure as Node's shapes it (code, errno, syscall): fetch's cause, http's 'error'. */
export function networkError(f: NetworkFailure): Error {
  const Ctor = f.name === 'RangeError' ? RangeError : f.name === 'TypeError' ? TypeError : Error;
  const e = new Ctor(f.message) as Error & Record<string, unknown>;
  e['code'] = f.code;
  if (f.errno !== undefined) e['errno'] = f.errno;
  if (f.syscall !== undefined) e['syscall'] = f.syscall;
  if (f.hostname !== undefined) e['hostname'] = f.hostname;
  return e;
}

/** Sends one request to the host's network (see runtime/host-network.ts). */
export function sendToNetwork(wire: WireRequest): Promise<WireAnswer> {
  return callHost('network', 'send', [wire]) as Promise<WireAnswer>;
}

export function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  let request: Request;
  try {
    request = new Request(input, init);
  } catch (error) {
    return Promise.reject(error);
  }
  const signal = request.signal;
  if (signal?.aborted === true) return Promise.reject(signal.reason ?? domException('This operation was aborted', 'AbortError'));
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      reject(signal?.reason ?? domException('This operation was aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (): void => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
    Body.wireBody(request)
      .then((body) => sendToNetwork({ api: 'fetch', url: request.url, method: request.method, headers: Headers.pairs(request.headers), body, redirect: request.redirect }))
      .then(
        (answer) => {
          if (settled) return;
          finish();
          if (answer.kind === 'failure') {
            reject(new TypeError('fetch failed', { cause: networkError(answer.error) }));
            return;
          }
          const body = request.method === 'HEAD' || NULL_BODY.includes(answer.status) ? null : answer.body;
          resolve(new Response(body, { status: answer.status, statusText: answer.statusText, headers: answer.headers, [fromNetwork]: { url: answer.url, redirected: answer.redirected, type: 'basic' } }));
        },
        (error: unknown) => {
          if (settled) return;
          finish();
          reject(new TypeError('fetch failed', { cause: error }));
        },
      );
  });
}

/* ---- text streams ---- */

export class TextEncoderStream {
  readonly encoding = 'utf-8';
  readonly #t: { readable: Stream; writable: unknown };
  constructor() {
    const enc = new TextEncoder();
    this.#t = new (streams().TransformStream)({
      transform(chunk, c) {
        const bytes = enc.encode(String(chunk));
        if (bytes.length > 0) c.enqueue(bytes);
      },
    });
  }
  get readable(): Stream {
    return this.#t.readable;
  }
  get writable(): unknown {
    return this.#t.writable;
  }
}

/** Bytes of `b` that end on a whole UTF-8 sequence (the rest waits for the next chunk). */
function wholeUtf8(b: Uint8Array): number {
  for (let i = b.length - 1; i >= 0 && i >= b.length - 4; i--) {
    const byte = b[i]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + need > b.length ? i : b.length;
  }
  return b.length;
}

export class TextDecoderStream {
  readonly #t: { readable: Stream; writable: unknown };
  readonly #decoder: TextDecoder;
  constructor(label = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const first = new TextDecoder(label, options);
    const rest = new TextDecoder(label, { fatal: options.fatal === true, ignoreBOM: true });
    this.#decoder = first;
    let pending = new Uint8Array(0);
    let started = false;
    const decode = (bytes: Uint8Array): string => {
      if (bytes.length === 0) return '';
      const s = (started ? rest : first).decode(bytes);
      started = true;
      return s;
    };
    this.#t = new (streams().TransformStream)({
      transform(chunk, c) {
        if (!ArrayBuffer.isView(chunk) && !(chunk instanceof ArrayBuffer)) throw new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView');
        const b = concat([pending, chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)]);
        const cut = wholeUtf8(b);
        pending = b.slice(cut);
        const s = decode(b.subarray(0, cut));
        if (s !== '') c.enqueue(s);
      },
      flush(c) {
        const s = decode(pending);
        if (s !== '') c.enqueue(s);
      },
    });
  }
  get encoding(): string {
    return this.#decoder.encoding;
  }
  get fatal(): boolean {
    return this.#decoder.fatal;
  }
  get ignoreBOM(): boolean {
    return this.#decoder.ignoreBOM;
  }
  get readable(): Stream {
    return this.#t.readable;
  }
  get writable(): unknown {
    return this.#t.writable;
  }
}
