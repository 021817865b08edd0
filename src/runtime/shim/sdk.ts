/**
 * The runtime-provided AWS SDK v3 inside the sandbox: `@aws-sdk/client-*` and
 * `@aws-sdk/lib-dynamodb` resolve to thin modules built here from a description of the real
 * package (its client, command and exception classes, its enums). `client.send(command)` is
 * marshalled to the host and executed there by the real SDK (or routed into the simulator for
 * Lambda); errors come back as instances of this module's exception classes, so `instanceof`
 * checks in handler code work.
 */
import { concatBytes } from './codec.js';
import { callHost, type ErrorLookup } from './hostcall.js';
import { MAX_SDK_STREAM_BYTES } from './limits.js';
import { utf8Decode, utf8Encode } from './text.js';
import { lazy } from './lazy.js';

/** Runtime-provided packages bridged to the host (control/aws-sdk.ts runs the real ones over the routed client). */
const PRESIGNER = '@aws-sdk/s3-request-presigner';
const LIB_STORAGE = '@aws-sdk/lib-storage';

/** The free variable the host's bundle of a package's waiters reads command classes from (control/sdk-waiters.ts, WAITER_COMMANDS). */
const WAITER_COMMANDS = '__lambdaSimCommands';

export interface SdkShape {
  clients: string[];
  commands: string[];
  exceptions: string[];
  serviceException: string | undefined;
  enums: Record<string, Record<string, string | number>>;
  paginators: string[];
  /** Aggregated clients (`SSM`, `S3`, `DynamoDB`: a method per command), each with its base client `<name>Client`. */
  aggregated?: string[];
  /** The package's waiter functions (`waitUntilTableExists`, `waitForTableExists`…). */
  waiters?: string[];
  /** The package's own waiter modules bundled on the host (control/sdk-waiters.ts), run here; undefined when they could not be. */
  waiterCode?: string;
}

/** A command's method name on an aggregated client: GetParameterCommand → getParameter. */
const methodOf = (command: string): string => command.charAt(0).toLowerCase() + command.slice(1, -'Command'.length);

/**
 * Middleware added inside the sandbox is accepted and not run: the host runs the real client with
 * its own stack. (Libraries such as Powertools check for this interface.)
 */
const middlewareStack = {
  identify(): string[] {
    return [];
  },
  add(): void {},
  addRelativeTo(): void {},
  use(): void {},
  remove(): boolean {
    return false;
  },
  clone(): unknown {
    return middlewareStack;
  },
};

/** Bytes of SDK outputs are `Uint8Array`s with `transformToString()`, like the SDK's Uint8ArrayBlobAdapter. */
class BlobAdapter extends Uint8Array {
  transformToString(encoding = 'utf-8'): string {
    if (encoding === 'utf-8' || encoding === 'utf8') return utf8Decode(this, false);
    return (lazy<{ Buffer: { from(b: Uint8Array): { toString(e: string): string } } }>('buffer')).Buffer.from(this).toString(encoding);
  }
  transformToByteArray(): Uint8Array {
    return new Uint8Array(this);
  }
}
const toBlob = (bytes: Uint8Array): Uint8Array => Object.setPrototypeOf(bytes, BlobAdapter.prototype) as Uint8Array;

/** The key the host lists streaming output members under (control/aws-sdk.ts, STREAM_MEMBERS_KEY). */
const STREAM_MEMBERS_KEY = '__lambdaSimStreams';

interface ReadableLike {
  push(chunk: unknown): boolean;
}
type ReadableCtor = new (options?: object) => ReadableLike;
let SdkStream: (new (bytes: Uint8Array) => ReadableLike) | undefined;

/**
 * A streaming member (S3 GetObject's Body) as the SDK gives it on Node: a Readable (pipe, events,
 * async iteration) with the SdkStream methods transformToString, transformToByteArray (once) and
 * transformToWebStream. Its bytes were read on the host.
 */
function sdkStream(bytes: Uint8Array): ReadableLike {
  if (SdkStream === undefined) {
    const Readable = lazy<{ Readable: ReadableCtor }>('stream').Readable;
    SdkStream = class extends Readable {
      #bytes: Uint8Array | undefined;
      #used = false;
      constructor(data: Uint8Array) {
        super({});
        this.#bytes = data;
      }
      _read(): void {
        const b = this.#bytes;
        this.#bytes = undefined;
        if (b !== undefined && b.length > 0) this.push(lazy<{ Buffer: { from(b: Uint8Array): Uint8Array } }>('buffer').Buffer.from(b));
        this.push(null);
      }
      #take(): Uint8Array {
        if (this.#used || this.#bytes === undefined) throw new Error('The stream has already been transformed.');
        this.#used = true;
        const b = this.#bytes;
        this.#bytes = undefined;
        return b;
      }
      async transformToByteArray(): Promise<Uint8Array> {
        return new Uint8Array(this.#take());
      }
      async transformToString(encoding = 'utf-8'): Promise<string> {
        return (toBlob(this.#take()) as BlobAdapter).transformToString(encoding);
      }
      transformToWebStream(): unknown {
        const bytes = this.#take();
        const RS = lazy<{ ReadableStream: new (s: object) => unknown }>('web-streams').ReadableStream;
        return new RS({
          start(c: { enqueue(x: unknown): void; close(): void }) {
            if (bytes.length > 0) c.enqueue(bytes);
            c.close();
          },
        });
      }
    } as unknown as new (bytes: Uint8Array) => ReadableLike;
  }
  return new SdkStream(bytes);
}

/** Streaming members the host read into bytes become streams again. */
function withStreams(output: unknown): unknown {
  if (output === null || typeof output !== 'object') return output;
  const out = output as Record<string, unknown>;
  const streams = out[STREAM_MEMBERS_KEY];
  if (!Array.isArray(streams)) return output;
  delete out[STREAM_MEMBERS_KEY];
  for (const key of streams) if (out[key] instanceof Uint8Array) out[key] = sdkStream(out[key] as Uint8Array);
  return out;
}

function coded<T extends Error>(error: T, code: string): T {
  (error as T & { code: string }).code = code;
  return error;
}

function unsupportedSdk(what: string, instead: string): Error {
  return coded(new Error(`lambda-sim: ${what} is not supported by the runtime-provided AWS SDK: ${instead}`), 'ERR_LAMBDA_SIM_UNSUPPORTED');
}

function tooLarge(what: string): RangeError {
  return coded(
    new RangeError(
      `lambda-sim: ${what} is over ${MAX_SDK_STREAM_BYTES} bytes, what the runtime-provided AWS SDK reads of a streamed input (it crosses to the host whole). ` +
        'Send a larger object in parts of at most that size (CreateMultipartUpload and UploadPart).',
    ),
    'ERR_LAMBDA_SIM_BODY_TOO_LARGE',
  );
}

/** A stream's chunk as bytes, as Node's http request takes them (strings as UTF-8). */
function chunkBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return utf8Encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw coded(new TypeError(`The "chunk" argument must be of type string or an instance of Buffer or Uint8Array. Received ${chunk === null ? 'null' : typeof chunk}`), 'ERR_INVALID_ARG_TYPE');
}

interface NodeReadable {
  pipe: unknown;
  on(event: string, listener: (x?: unknown) => void): unknown;
  destroy?(): void;
  resume?(): void;
  [Symbol.asyncIterator]?: () => AsyncIterator<unknown>;
}
interface WebReadable {
  getReader(): { read(): Promise<{ done: boolean; value?: unknown }>; cancel(reason?: unknown): Promise<void>; releaseLock(): void };
}
interface BlobLike {
  size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * The bytes of a streamed input value (a Node Readable, a web ReadableStream, a Blob), read here
 * up to {@link MAX_SDK_STREAM_BYTES}; `undefined` for any other value (strings and bytes cross as
 * they are).
 */
async function streamBytes(value: unknown, what: string): Promise<Uint8Array | undefined> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof ArrayBuffer) return undefined;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  const parts: Uint8Array[] = [];
  let size = 0;
  const add = (chunk: unknown): boolean => {
    const bytes = chunkBytes(chunk);
    size += bytes.length;
    if (size > MAX_SDK_STREAM_BYTES) return false;
    parts.push(bytes);
    return true;
  };
  const v = value as Partial<NodeReadable & WebReadable & BlobLike>;
  if (typeof v.getReader === 'function') {
    const reader = (v as WebReadable).getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      if (!add(chunk)) {
        await reader.cancel(tooLarge(what)).catch(() => undefined);
        throw tooLarge(what);
      }
    }
    reader.releaseLock();
    return concatBytes(parts);
  }
  if (typeof v.pipe === 'function' && typeof v.on === 'function') {
    const stream = v as NodeReadable;
    if (typeof stream[Symbol.asyncIterator] === 'function') {
      // Leaving the loop by a throw destroys the stream.
      for await (const chunk of stream as AsyncIterable<unknown>) if (!add(chunk)) throw tooLarge(what);
    } else {
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk) => {
          try {
            if (!add(chunk)) throw tooLarge(what);
          } catch (error) {
            stream.destroy?.();
            reject(error);
          }
        });
        stream.on('end', () => resolve());
        stream.on('error', reject);
        stream.resume?.();
      });
    }
    return concatBytes(parts);
  }
  if (typeof v.arrayBuffer === 'function' && typeof v.size === 'number') {
    if (v.size > MAX_SDK_STREAM_BYTES) throw tooLarge(what);
    return new Uint8Array(await (v as BlobLike).arrayBuffer());
  }
  return undefined;
}

/** A command's input with its streamed members read into bytes (a copy: the handler's object is left as it was). */
async function withBodiesRead(input: unknown, commandName: string): Promise<unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(input)) {
    const bytes = await streamBytes((input as Record<string, unknown>)[key], `the ${key} of ${commandName}`);
    if (bytes === undefined) continue;
    out ??= { ...(input as Record<string, unknown>) };
    out[key] = bytes;
  }
  return out ?? input;
}

/** Exception classes of a module, by name. */
const classesOf =
  (mod: Record<string, unknown> | undefined): ErrorLookup =>
  (name) => {
    const c = mod?.[name];
    return typeof c === 'function' ? (c as new (message: string) => Error) : undefined;
  };

function named<T extends abstract new (...args: never[]) => unknown>(cls: T, name: string): T {
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/** What travels to the host to identify a client: its package, class and (serialisable) config. */
interface ClientRef {
  pkg: string;
  client: string;
  config: unknown;
  document?: { base: ClientRef; translateConfig: unknown };
}

export function sdkModule(pkg: string, shape: SdkShape, resolveBase: (pkg: string) => Record<string, unknown> | undefined): Record<string, unknown> {
  if (pkg === PRESIGNER) return presignerModule(resolveBase);
  if (pkg === LIB_STORAGE) return storageModule(resolveBase);
  const mod: Record<string, unknown> = { ...shape.enums };
  const errors = (name: string): (new (message: string) => Error) | undefined => {
    const own = mod[name];
    if (typeof own === 'function') return own as new (message: string) => Error;
    // lib-dynamodb throws the DynamoDB client's exceptions.
    const base = resolveBase('@aws-sdk/client-dynamodb')?.[name];
    return typeof base === 'function' ? (base as new (message: string) => Error) : undefined;
  };

  class ServiceException extends Error {
    $fault: 'client' | 'server' = 'client';
    $metadata: Record<string, unknown> = {};
    constructor(options?: string | { message?: string; $fault?: 'client' | 'server'; $metadata?: Record<string, unknown> }) {
      super(typeof options === 'string' ? options : (options?.message ?? ''));
      Object.defineProperty(this, 'name', { value: new.target.name, writable: true, configurable: true, enumerable: false });
      if (typeof options === 'object' && options !== null) {
        if (options.$fault !== undefined) this.$fault = options.$fault;
        if (options.$metadata !== undefined) this.$metadata = options.$metadata;
      }
    }
  }
  const baseName = shape.serviceException ?? 'ServiceException';
  mod[baseName] = named(ServiceException, baseName);
  for (const name of shape.exceptions) {
    if (name === baseName) continue;
    mod[name] = named(class extends ServiceException {}, name);
  }
  for (const name of shape.commands) {
    mod[name] = named(
      class {
        readonly input: unknown;
        readonly middlewareStack = middlewareStack;
        constructor(input: unknown = {}) {
          this.input = input;
        }
      },
      name,
    );
  }

  const send = (ref: ClientRef, command: { input?: unknown; constructor: { name: string } }, rest: unknown[]): Promise<unknown> | undefined => {
    const callback = rest.find((x) => typeof x === 'function') as ((e: unknown, v?: unknown) => void) | undefined;
    const name = command?.constructor?.name;
    const promise = Promise.resolve().then(() => {
      if (typeof name !== 'string' || !name.endsWith('Command')) throw new TypeError(`send() expects an AWS SDK command object, got ${String(command)}`);
      return withBodiesRead(command.input ?? {}, name);
    }).then((input) => (callHost('sdk', ref.pkg, [ref, name, input], { errors, bytes: toBlob }) as Promise<unknown>).then(withStreams));
    if (callback === undefined) return promise;
    promise.then((v) => callback(null, v), (e: unknown) => callback(e));
    return undefined;
  };

  for (const name of shape.clients) {
    mod[name] = named(
      class {
        readonly config: Record<string, unknown>;
        readonly middlewareStack = middlewareStack;
        constructor(config: Record<string, unknown> = {}) {
          this.config = { ...config };
        }
        /** @internal */
        get _ref(): ClientRef {
          return { pkg, client: name, config: this.config };
        }
        send(command: { input?: unknown; constructor: { name: string } }, ...rest: unknown[]): Promise<unknown> | undefined {
          return send(this._ref, command, rest);
        }
        destroy(): void {}
      },
      name,
    );
  }

  // Aggregated clients: `new SSM().getParameter(input)` is `send(new GetParameterCommand(input))`.
  const withMethods = (Base: new (...args: never[]) => { send(c: unknown, ...rest: unknown[]): unknown }, name: string): unknown => {
    const Aggregated = named(class extends Base {}, name);
    for (const commandName of shape.commands) {
      const Command = mod[commandName] as new (input: unknown) => unknown;
      Object.defineProperty(Aggregated.prototype, methodOf(commandName), {
        configurable: true,
        writable: true,
        value(this: { send(c: unknown, ...rest: unknown[]): unknown }, input: unknown, ...rest: unknown[]) {
          return this.send(new Command(input ?? {}), ...rest);
        },
      });
    }
    return Aggregated;
  };
  for (const name of shape.aggregated ?? []) {
    const Base = mod[`${name}Client`];
    if (typeof Base === 'function') mod[name] = withMethods(Base as never, name);
  }

  if (pkg === '@aws-sdk/lib-dynamodb') {
    class DynamoDBDocumentClient {
      readonly config: Record<string, unknown>;
      readonly middlewareStack = middlewareStack;
      readonly #ref: ClientRef;
      constructor(client: { _ref?: ClientRef; config?: Record<string, unknown> }, translateConfig?: unknown) {
        const base = client?._ref ?? { pkg: '@aws-sdk/client-dynamodb', client: 'DynamoDBClient', config: client?.config ?? {} };
        this.config = { ...(client?.config ?? {}), translateConfig };
        this.#ref = { pkg, client: 'DynamoDBDocumentClient', config: {}, document: { base, translateConfig: translateConfig ?? {} } };
      }
      static from(client: { _ref?: ClientRef }, translateConfig?: unknown): DynamoDBDocumentClient {
        return new DynamoDBDocumentClient(client, translateConfig);
      }
      send(command: { input?: unknown; constructor: { name: string } }, ...rest: unknown[]): Promise<unknown> | undefined {
        return send(this.#ref, command, rest);
      }
      destroy(): void {}
    }
    mod['DynamoDBDocumentClient'] = DynamoDBDocumentClient;
    // DynamoDBDocument.from(client): the aggregated document client (get, put, query, …).
    const DynamoDBDocument = withMethods(DynamoDBDocumentClient as never, 'DynamoDBDocument') as { from?: unknown };
    Object.defineProperty(DynamoDBDocument, 'from', {
      configurable: true,
      writable: true,
      value: (client: { _ref?: ClientRef }, translateConfig?: unknown) => new (DynamoDBDocument as unknown as new (c: unknown, t: unknown) => unknown)(client, translateConfig),
    });
    mod['DynamoDBDocument'] = DynamoDBDocument;
  }

  // Paginators: repeat the command while the output carries a continuation token.
  for (const name of shape.paginators) {
    const commandName = `${name.slice('paginate'.length)}Command`;
    const Command = mod[commandName] as (new (input: unknown) => { input: unknown; constructor: { name: string } }) | undefined;
    if (Command === undefined) continue;
    mod[name] = async function* paginate(config: { client: { send(c: unknown): Promise<unknown> }; pageSize?: number }, input: Record<string, unknown> = {}) {
      let next: Record<string, unknown> = { ...input };
      for (;;) {
        const page = (await config.client.send(new Command(next))) as Record<string, unknown>;
        yield page;
        const token = continuation(page);
        if (token === undefined) return;
        next = { ...next, [token.inputKey]: token.value };
      }
    };
  }

  // Waiters: the package's own waiter modules, bundled on the host, run here over this module's
  // commands (their delays are this sandbox's timers: simulated time).
  const waiterNames = shape.waiters ?? [];
  if (waiterNames.length > 0) {
    let waiters: Record<string, unknown> | undefined;
    const load = (): Record<string, unknown> => {
      if (waiters === undefined) {
        const code = shape.waiterCode;
        // The realm's own Function constructor, whatever the global `Function` is now.
        const Fn = (() => undefined).constructor as FunctionConstructor;
        waiters = code === undefined ? {} : (Fn(WAITER_COMMANDS, `var module = { exports: {} }, exports = module.exports;\n${code}\nreturn module.exports;`)(mod) as Record<string, unknown>);
      }
      return waiters;
    };
    for (const name of waiterNames) {
      const waiter = (params: unknown, input: unknown): Promise<unknown> => {
        const real = load()[name];
        if (typeof real !== 'function') return Promise.reject(unsupportedSdk(`${name} of ${pkg}`, "its waiter modules (dist-es/waiters) could not be bundled from the installed package; poll with the command and the sandbox's timers"));
        return (real as (p: unknown, i: unknown) => Promise<unknown>)(params, input);
      };
      Object.defineProperty(waiter, 'name', { value: name });
      mod[name] = waiter;
    }
  }
  return mod;
}

interface ShimClient {
  _ref?: ClientRef;
}

/**
 * `@aws-sdk/s3-request-presigner`: getSignedUrl runs the real presigner on the host, over the host
 * client of the route this client's calls take (its region, endpoint and credentials), signed at
 * this sandbox's simulated time unless `signingDate` says otherwise.
 */
function presignerModule(resolveBase: (pkg: string) => Record<string, unknown> | undefined): Record<string, unknown> {
  async function getSignedUrl(client: ShimClient, command: { input?: unknown; constructor: { name: string } }, options: Record<string, unknown> = {}): Promise<string> {
    const ref = client?._ref;
    const name = command?.constructor?.name;
    if (ref === undefined || typeof name !== 'string' || !name.endsWith('Command')) {
      throw new TypeError('getSignedUrl(client, command, options) takes a client and a command of the runtime-provided AWS SDK, such as new S3Client({}) and new GetObjectCommand({ Bucket, Key })');
    }
    const given = options !== null && typeof options === 'object' ? options : {};
    const input = await withBodiesRead(command.input ?? {}, name);
    return (await callHost('sdk', PRESIGNER, [ref, name, input, { ...given, signingDate: given['signingDate'] ?? new Date() }], { errors: classesOf(resolveBase(ref.pkg)) })) as string;
  }
  class S3RequestPresigner {
    constructor() {
      throw unsupportedSdk('S3RequestPresigner (presigning an HttpRequest you build)', 'use getSignedUrl(client, command, { expiresIn })');
    }
  }
  return { getSignedUrl, S3RequestPresigner };
}

interface EmitterCtor {
  new (): { emit(event: string, ...args: unknown[]): boolean };
}
interface UploadOptions {
  client?: ShimClient;
  params?: Record<string, unknown>;
  queueSize?: number;
  partSize?: number;
  leavePartsOnError?: boolean;
  tags?: unknown[];
  abortController?: { signal: { aborted: boolean; addEventListener(type: string, fn: () => void): void }; abort(): void };
}

const MIN_PART_SIZE = 5 * 1048576;
const UPLOAD_EVENT = 'httpUploadProgress';

/**
 * `@aws-sdk/lib-storage`: `done()` reads the Body here (bounded as a streamed input is) and runs
 * the real Upload on the host over the S3 client of the route, which decides between one
 * PutObject and a multipart upload; the `httpUploadProgress` events it emitted are emitted here
 * when it ends, then `done()` resolves with its result. `abort()` aborts the host's upload.
 */
function storageModule(resolveBase: (pkg: string) => Record<string, unknown> | undefined): Record<string, unknown> {
  const EventEmitter = lazy<{ EventEmitter: EmitterCtor }>('events').EventEmitter;
  let nextUpload = 1;
  class Upload extends EventEmitter {
    static MIN_PART_SIZE = MIN_PART_SIZE;
    readonly #options: UploadOptions;
    readonly #controller: NonNullable<UploadOptions['abortController']>;
    #sent = false;
    constructor(options: UploadOptions) {
      super();
      // The real constructor's checks, with its messages.
      if (!options?.params) throw new Error('InputError: Upload requires params to be passed to upload.');
      if (!options.client) throw new Error('InputError: Upload requires a AWS client to do uploads with.');
      if (options.partSize && options.partSize < MIN_PART_SIZE) {
        throw new Error(`EntityTooSmall: Your proposed upload part size [${options.partSize}] is smaller than the minimum allowed size [${MIN_PART_SIZE}] (5MB)`);
      }
      if ((options.queueSize || 4) < 1) throw new Error('Queue size: Must have at least one uploading queue.');
      this.#options = options;
      this.#controller = options.abortController ?? (new (globalThis as unknown as { AbortController: new () => NonNullable<UploadOptions['abortController']> }).AbortController());
    }
    async abort(): Promise<void> {
      this.#controller.abort();
    }
    async done(): Promise<unknown> {
      if (this.#sent) throw new Error('@aws-sdk/lib-storage: this instance of Upload has already executed .done(). Create a new instance.');
      this.#sent = true;
      const { client, params, queueSize, partSize, leavePartsOnError, tags } = this.#options;
      const ref = client?._ref;
      if (ref === undefined) throw new TypeError('new Upload({ client }) takes an S3Client of the runtime-provided @aws-sdk/client-s3');
      const body = await streamBytes(params!['Body'], 'the Body of an Upload');
      const id = nextUpload++;
      const signal = this.#controller.signal;
      const options = { queueSize, partSize, leavePartsOnError, tags, aborted: signal.aborted };
      const running = callHost('sdk', LIB_STORAGE, ['done', id, ref, body === undefined ? params : { ...params, Body: body }, options], {
        errors: classesOf(resolveBase('@aws-sdk/client-s3')),
        bytes: toBlob,
      }) as Promise<{ result: unknown; progress: unknown[] }>;
      let settled = false;
      // As the real done() races the upload with its abort signal: an abort while the upload is
      // on its way (its simulated latency included) fails done() then, and aborts the host's upload.
      const aborted = new Promise<never>((_resolve, reject) => {
        if (signal.aborted) return;
        signal.addEventListener('abort', () => {
          if (settled) return;
          try {
            callHost('sdk', LIB_STORAGE, ['abort', id]);
          } catch {
            // The sandbox's host scope is gone: so is the upload.
          }
          reject(Object.assign(new Error('Upload aborted.'), { name: 'AbortError' }));
        });
      });
      try {
        const { result, progress } = await Promise.race([running, aborted]);
        for (const p of progress) this.emit(UPLOAD_EVENT, p);
        return result;
      } finally {
        settled = true;
        running.catch(() => undefined);
      }
    }
  }
  return { Upload };
}

const TOKENS: Array<[string, string]> = [
  ['LastEvaluatedKey', 'ExclusiveStartKey'],
  ['NextToken', 'NextToken'],
  ['NextMarker', 'Marker'],
  ['NextContinuationToken', 'ContinuationToken'],
  ['Marker', 'Marker'],
];

function continuation(page: Record<string, unknown>): { inputKey: string; value: unknown } | undefined {
  for (const [outKey, inputKey] of TOKENS) {
    const v = page[outKey];
    if (v !== undefined && v !== null && v !== '') return { inputKey, value: v };
  }
  return undefined;
}
