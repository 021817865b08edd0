/**
 * The host side of the runtime-provided AWS SDK: describes SDK packages for the sandbox and
 * executes the commands handlers send, per service, where the user said:
 *
 * - `lambda` defaults to this simulator (function-to-function calls land in the same simulation);
 * - `'sdk'`: the real SDK client, for `aws-sdk-client-mock` and the like. Any command the mock
 *   does not answer fails instead of reaching the network;
 * - `{ endpoint, ...clientConfig }`: the real client against an endpoint (e.g. a local DynamoDB);
 * - `{ requestHandler }`: the real client with that request handler;
 * - `{ client: (config) => client }`: your own client object;
 * - unconfigured services fail the call with an error that says how to configure them.
 *
 * What a handler passes to a client's constructor is the sandbox's data, not the host's settings:
 * only the fields of {@link HandlerClientConfig} reach the host client (validated), the rest is
 * dropped. The host client always signs with simulated static credentials, in an explicit region,
 * with `defaultsMode: 'legacy'`, so it never starts the SDK's credential, region or defaults-mode
 * discovery (profiles, `credential_process`, the instance metadata service). The user's route
 * config, trusted, applies on top.
 */
import { InvalidParameterValueException } from '../errors.js';
import type { HostCallAnswer, HostCallContext } from '../runtime/host-calls.js';
import type { ScopedResource } from '../runtime/host-scope.js';
import type { SdkShape } from '../runtime/shim/sdk.js';
import { display } from './names.js';
import { waiterCode } from './sdk-waiters.js';
import { inProcessCodeSource } from './validate.js';
import { LambdaSimConfigurationError } from '../errors.js';

/** Runtime-provided packages that are bridged rather than described: their functions run on the host over the routed client. */
export const PRESIGNER = '@aws-sdk/s3-request-presigner';
export const LIB_STORAGE = '@aws-sdk/lib-storage';

/**
 * A service's route. The `{ endpoint }` and `{ requestHandler }` forms' other keys are client config
 * applied over everything else (yours, so trusted). A `{ client }` factory gets only the fields of
 * {@link HandlerClientConfig} the handler set, is called once per distinct such config, and its
 * clients are never destroyed by lambda-sim.
 */
export type AwsRoute =
  | 'sdk'
  | { endpoint: string; [clientConfig: string]: unknown }
  | { requestHandler: unknown; [clientConfig: string]: unknown }
  | { client: (config: Record<string, unknown>) => { send(command: unknown): Promise<unknown> } };

export interface AwsOptions {
  /** Routes by service (`dynamodb`, `s3`, `sqs`, `lambda`…: the package name after `client-`). */
  [service: string]: AwsRoute | Record<string, unknown> | undefined;
  /** SDK package namespaces to use on the host instead of importing them (the same module your test mocks). */
  packages?: Record<string, unknown>;
}

/** How the simulator serves Lambda calls from handlers. */
export interface LambdaService {
  invoke(input: Record<string, unknown>, caller: HostCallContext, done: (ok: boolean, value: unknown) => void): void;
  send(commandName: string, input: Record<string, unknown>): Promise<unknown>;
}

export { LambdaSimConfigurationError };

/** What the sandbox sends to name a client (../runtime/shim/sdk.ts): untrusted data, checked before use. */
interface ClientRef {
  pkg: string;
  client: string;
  config: unknown;
  document?: { base?: { config?: unknown }; translateConfig?: unknown };
}

type SdkModule = Record<string, unknown>;
type SdkClient = { send(command: unknown): Promise<unknown> };

/**
 * The client options a handler may set on the host client: the ones that say where a call goes
 * and how it is retried. Everything else a handler passes (`credentials`, `profile`,
 * `defaultsMode`, `endpoint`, `useFipsEndpoint`, `requestHandler`, `logger`, `retryStrategy`…) is
 * dropped without a warning: on Lambda those would act on the function's own process, here they
 * would act on the host's.
 */
export interface HandlerClientConfig {
  /** Lowercase letters, digits and hyphens (a DNS label, as the SDK's endpoint rules require). Default: the function's region. */
  region?: string;
  /** An integer from 1 to {@link MAX_HANDLER_ATTEMPTS}: each retry holds the host for the SDK's real backoff. */
  maxAttempts?: number;
  /** The SDK's retry modes; `'legacy'` is accepted (shared-config files name it) and acts as `'standard'` in SDK v3. */
  retryMode?: 'standard' | 'adaptive' | 'legacy';
  /** S3's path-style addressing: where the bucket goes in the URL of the route the user configured. */
  forcePathStyle?: boolean;
}

/** What a handler may give `DynamoDBDocumentClient.from(client, translateConfig)`: lib-dynamodb's boolean marshalling switches. */
export interface HandlerTranslateConfig {
  marshallOptions?: Partial<Record<(typeof MARSHALL_OPTIONS)[number], boolean>>;
  unmarshallOptions?: Partial<Record<(typeof UNMARSHALL_OPTIONS)[number], boolean>>;
}

/** Highest `maxAttempts` a handler may ask for. */
const MAX_HANDLER_ATTEMPTS = 10;
/** Host clients kept per simulator, least recently used evicted first (issue 16: one per distinct handler config grew without bound). */
const MAX_HOST_CLIENTS = 64;

const MARSHALL_OPTIONS = ['convertEmptyValues', 'removeUndefinedValues', 'convertClassInstanceToMap', 'convertTopLevelContainer', 'allowImpreciseNumbers'] as const;
const UNMARSHALL_OPTIONS = ['wrapNumbers', 'convertWithoutMapWrapper'] as const;
const RETRY_MODES: ReadonlySet<unknown> = new Set(['standard', 'adaptive', 'legacy']);
/** isValidHostLabel of the SDK's endpoint rules, lowercase: a region is put into the endpoint's host name. */
const REGION = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Fresh per client: the SDK wraps what it is given in its own provider. */
const simulatedCredentials = (): Record<string, string> => ({
  accessKeyId: 'ASIASIMULATEDKEY0000',
  secretAccessKey: 'lambda-sim/simulated/secret/access/key000',
  sessionToken: 'lambda-sim-simulated-session-token',
});

/** A host client in the cache, with the calls still running on it: an evicted one is destroyed once they end. */
interface CachedClient {
  readonly client: SdkClient;
  /** Frees what lambda-sim made for it (the HTTP handler of an endpoint route); undefined when what it holds is the user's. */
  readonly dispose: (() => void) | undefined;
  inFlight: number;
  evicted: boolean;
}

const refuseNetwork = {
  handle(request: { hostname?: string; method?: string; path?: string }): Promise<never> {
    return Promise.reject(
      new LambdaSimConfigurationError(
        `lambda-sim blocked a real network request to ${request.hostname ?? '?'} (${request.method ?? ''} ${request.path ?? ''}): ` +
          "this service is routed 'sdk', so its commands must be answered by a mock (e.g. aws-sdk-client-mock). Mock this command, " +
          'or route the service to an endpoint: new LambdaSimulator({ aws: { <service>: { endpoint: "http://localhost:…" } } }).',
      ),
    );
  },
  destroy(): void {},
};

/** A host error's message without the host's file paths (a handler deploying code can read it). */
function withoutPaths(message: string): string {
  return message.replace(/(?:file:\/\/)?\/[^\s'"():]+/g, '<path>');
}

export function serviceOf(pkg: string): string {
  return pkg === '@aws-sdk/lib-dynamodb' ? 'dynamodb' : pkg.replace(/^@aws-sdk\/client-/, '');
}

export class AwsSdkRouter {
  readonly #options: AwsOptions;
  readonly #lambda: LambdaService;
  readonly #latency: (route: string) => number;
  readonly #modules = new Map<string, Promise<SdkModule>>();
  readonly #loaded = new Map<string, SdkModule>();
  readonly #shapes = new Map<string, SdkShape>();
  /** Least recently used first (a Map keeps insertion order; a hit is moved to the end). */
  readonly #clients = new Map<string, CachedClient>();

  constructor(options: AwsOptions, lambda: LambdaService, latency: (route: string) => number) {
    for (const [service, route] of Object.entries(options)) {
      if (service === 'packages') continue;
      const ok =
        route === 'sdk' ||
        (route !== null && typeof route === 'object' && ('endpoint' in route || 'requestHandler' in route || typeof (route as { client?: unknown }).client === 'function'));
      if (!ok) {
        throw new TypeError(
          `Expected \`aws.${service}\` to be 'sdk', { endpoint }, { requestHandler } or { client: (config) => client }, got \`${display(route)}\``,
        );
      }
    }
    this.#options = options;
    this.#lambda = lambda;
    this.#latency = latency;
  }

  /** Loads and describes SDK packages a bundle imports (create time). */
  async describe(packages: readonly string[]): Promise<Record<string, SdkShape>> {
    const out: Record<string, SdkShape> = {};
    const wanted = new Set(packages);
    if (wanted.has('@aws-sdk/lib-dynamodb')) wanted.add('@aws-sdk/client-dynamodb');
    // Upload's errors are the S3 client's exceptions.
    if (wanted.has(LIB_STORAGE)) wanted.add('@aws-sdk/client-s3');
    for (const pkg of wanted) {
      const mod = await this.#module(pkg);
      let shape = this.#shapes.get(pkg);
      if (shape === undefined) {
        shape = pkg === PRESIGNER || pkg === LIB_STORAGE ? { clients: [], commands: [], exceptions: [], serviceException: undefined, enums: {}, paginators: [] } : describeSdk(mod);
        if (shape.waiters !== undefined && shape.waiters.length > 0) {
          const code = await waiterCode(pkg);
          if (code !== undefined) shape.waiterCode = code;
        }
        this.#shapes.set(pkg, shape);
      }
      out[pkg] = shape;
    }
    return out;
  }

  #module(pkg: string): Promise<SdkModule> {
    let p = this.#modules.get(pkg);
    if (p === undefined) {
      const given = this.#options.packages?.[pkg];
      p = (given !== undefined ? Promise.resolve(given as SdkModule) : (import(pkg) as Promise<SdkModule>)).then(
        (m) => {
          this.#loaded.set(pkg, m);
          return m;
        },
        (cause: unknown) => {
          this.#modules.delete(pkg);
          throw new InvalidParameterValueException(
            `The handler imports ${pkg}. lambda-sim provides the AWS SDK as Lambda's runtime does, by running the real package on the host, ` +
              `but it cannot load ${pkg} here (${withoutPaths((cause as Error).message.split('\n')[0] ?? '')}). Install it in your project: npm install --save-dev ${pkg}`,
          );
        },
      );
      this.#modules.set(pkg, p);
    }
    return p;
  }

  /**
   * A call from the runtime-provided SDK in the sandbox: `path` names the package whose function
   * runs (a client's `send`, the presigner's `getSignedUrl`, lib-storage's `Upload`).
   */
  call(path: string, args: unknown[], context: HostCallContext): HostCallAnswer {
    if (path === PRESIGNER) return this.#presign(args, context);
    if (path === LIB_STORAGE) return this.#upload(args, context);
    return this.#send(args, context);
  }

  /** The route the user gave a service, if any. */
  #route(service: string): AwsRoute | undefined {
    return service !== 'packages' && Object.hasOwn(this.#options, service) ? (this.#options[service] as AwsRoute | undefined) : undefined;
  }

  /** Executes `client.send(new Command(input))` from the sandbox. */
  #send(args: unknown[], context: HostCallContext): HostCallAnswer {
    const [rawRef, commandName, input] = args as [unknown, unknown, Record<string, unknown>];
    const ref = refOf(rawRef);
    if (typeof ref.pkg !== 'string' || typeof commandName !== 'string') {
      return { kind: 'error', error: new TypeError(`lambda-sim: a runtime-provided SDK call needs a client reference and a command name, got ${display(rawRef)} and ${display(commandName)}`) };
    }
    const service = serviceOf(ref.pkg);
    const route = this.#route(service);
    const latencyMs = this.#latency(`aws:${service}`);
    if (service === 'lambda' && route === undefined) {
      const refused = refusedCodeSource(commandName, input);
      if (refused !== undefined) return { kind: 'error', error: refused };
      if (commandName === 'InvokeCommand') return { kind: 'simulated', latencyMs, start: (done) => this.#lambda.invoke(input, context, done) };
      return { kind: 'promise', latencyMs, promise: this.#lambda.send(commandName, input) };
    }
    if (route === undefined) return { kind: 'error', error: noRoute(service, `sent ${commandName} to ${service}`) };
    let cached: CachedClient;
    let command: unknown;
    try {
      ({ cached, command } = this.#prepare(ref, commandName, input, route, context));
    } catch (error) {
      return { kind: 'error', error };
    }
    // Mocks may answer synchronously (aws-sdk-client-mock's callsFake): normalise to a promise.
    return { kind: 'promise', latencyMs, promise: this.#using(cached, () => cached.client.send(command)).then(withStreamsRead) };
  }

  /**
   * The host client of a reference and the command it names, built from the handler's input. The
   * sandbox names the class to build and the command: only the package's own clients and
   * commands, as its description lists them, are built on the host.
   */
  #prepare(ref: Partial<ClientRef>, commandName: string, input: unknown, route: AwsRoute, context: HostCallContext): { cached: CachedClient; command: unknown } {
    const pkg = ref.pkg!;
    const shape = this.#shapes.get(pkg);
    const mod = this.#loaded.get(pkg);
    if (shape === undefined || mod === undefined) throw new TypeError(`lambda-sim: ${pkg} is not an SDK package this simulator loaded`);
    if (!shape.commands.includes(commandName)) throw new TypeError(`${pkg} has no ${commandName}`);
    const cached = this.#client(ref, route, context);
    return { cached, command: new (mod[commandName] as new (input: unknown) => unknown)(input) };
  }

  /** Runs `work` on a cached client, which is not destroyed (if evicted meanwhile) before it ends. */
  #using<T>(cached: CachedClient, work: () => T | Promise<T>): Promise<T> {
    cached.inFlight++;
    let promise: Promise<T>;
    try {
      promise = Promise.resolve(work());
    } catch (error) {
      promise = Promise.reject(error);
    }
    return promise.finally(() => this.#release(cached));
  }

  /**
   * `getSignedUrl(client, command, options)` from the sandbox: the real presigner, on the host
   * client the route gives that client's reference (so its region, endpoint and credentials), at
   * the handler's simulated time unless it passed its own `signingDate`.
   */
  #presign(args: unknown[], context: HostCallContext): HostCallAnswer {
    const [rawRef, commandName, input, rawOptions] = args;
    const ref = refOf(rawRef);
    if (typeof ref.pkg !== 'string' || typeof commandName !== 'string') {
      return { kind: 'error', error: new TypeError(`getSignedUrl(client, command) takes a client and a command of the runtime-provided AWS SDK, got ${display(rawRef)} and ${display(commandName)}`) };
    }
    const getSignedUrl = this.#loaded.get(PRESIGNER)?.['getSignedUrl'];
    if (typeof getSignedUrl !== 'function') return { kind: 'error', error: new TypeError(`lambda-sim: ${PRESIGNER} is not a package this simulator loaded`) };
    const service = serviceOf(ref.pkg);
    const route = this.#route(service);
    if (route === undefined) return { kind: 'error', error: noRoute(service, `presigned ${commandName} (getSignedUrl)`) };
    let cached: CachedClient;
    let command: unknown;
    let options: Record<string, unknown>;
    try {
      options = presignOptions(rawOptions);
      ({ cached, command } = this.#prepare(ref, commandName, input, route, context));
      if (!isSdkClient(cached.client)) {
        throw new LambdaSimConfigurationError(
          `getSignedUrl runs the real presigner on the host, over the client of the route aws.${service}, which must be an AWS SDK client (the presigner reads its config and middleware stack): your { client } factory returned an object without them.`,
        );
      }
    } catch (error) {
      return { kind: 'error', error };
    }
    // Presigning is local work (no request): no simulated latency.
    return { kind: 'promise', latencyMs: 0, promise: this.#using(cached, () => (getSignedUrl as (c: unknown, cmd: unknown, o: unknown) => Promise<string>)(cached.client, command, options)) };
  }

  /**
   * lib-storage's `new Upload({ client, params }).done()` from the sandbox: the real Upload, on
   * the host client of the route of `client`, with the Body the sandbox read (so one PutObject,
   * or CreateMultipartUpload, UploadPart… CompleteMultipartUpload, as the library decides, each
   * through that client). The progress events it emitted travel back with its result.
   * `['abort', id]` aborts an upload of this sandbox still running.
   */
  #upload(args: unknown[], context: HostCallContext): HostCallAnswer {
    const [op, id] = args;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) return { kind: 'error', error: new TypeError(`lambda-sim: an Upload call needs an upload id, got ${display(id)}`) };
    let uploads: RunningUploads;
    try {
      uploads = context.scope.get(UPLOADS, () => new RunningUploads());
    } catch (error) {
      return { kind: 'error', error };
    }
    if (op === 'abort') {
      void uploads.abort(id);
      return { kind: 'value', value: null };
    }
    if (op !== 'done') return { kind: 'error', error: new TypeError(`lambda-sim: no Upload operation ${display(op)}`) };
    const [, , rawRef, params, rawOptions] = args;
    const ref = refOf(rawRef);
    if (ref.pkg !== '@aws-sdk/client-s3') {
      return { kind: 'error', error: new TypeError(`new Upload({ client }) takes an S3Client of the runtime-provided @aws-sdk/client-s3, got a client of ${display(ref.pkg)}`) };
    }
    const Upload = this.#loaded.get(LIB_STORAGE)?.['Upload'] as (new (options: unknown) => HostUpload) | undefined;
    if (typeof Upload !== 'function') return { kind: 'error', error: new TypeError(`lambda-sim: ${LIB_STORAGE} is not a package this simulator loaded`) };
    const route = this.#route('s3');
    if (route === undefined) return { kind: 'error', error: noRoute('s3', 'uploaded with @aws-sdk/lib-storage') };
    let cached: CachedClient;
    let upload: HostUpload;
    const progress: unknown[] = [];
    try {
      const options = uploadOptions(rawOptions);
      if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new Error('InputError: Upload requires params to be passed to upload.');
      cached = this.#client(ref, route, context);
      if (!isSdkClient(cached.client)) {
        throw new LambdaSimConfigurationError(
          'new Upload(…).done() runs the real @aws-sdk/lib-storage on the host, over the client of the route aws.s3, which must be an S3Client (Upload reads its config): your { client } factory returned an object without one.',
        );
      }
      const { aborted, ...config } = options;
      upload = new Upload({ ...config, client: cached.client, params });
      upload.on('httpUploadProgress', (p) => progress.push(p));
      // abort() before done(): the real Upload then fails done() as it does.
      if (aborted) void upload.abort();
    } catch (error) {
      return { kind: 'error', error };
    }
    const client = cached;
    return {
      kind: 'promise',
      latencyMs: this.#latency('aws:s3'),
      promise: this.#using(client, () => uploads.run(id, upload)).then((result) => ({ result, progress })),
    };
  }

  /** The host client for a reference: from the cache, keyed by the filtered configuration, or built. */
  #client(ref: Partial<ClientRef>, route: AwsRoute, context: HostCallContext): CachedClient {
    const pkg = ref.pkg!;
    const regionOfFunction = functionRegion(context.functionArn);
    if (pkg === '@aws-sdk/lib-dynamodb') {
      if (ref.client !== 'DynamoDBDocumentClient' || ref.document === null || typeof ref.document !== 'object') {
        throw new TypeError(`lambda-sim: @aws-sdk/lib-dynamodb is used through DynamoDBDocumentClient.from(client), got a reference to ${display(ref.client)}`);
      }
      const baseRef = ref.document.base;
      const config = handlerClientConfig(baseRef !== null && typeof baseRef === 'object' ? baseRef.config : undefined, 'DynamoDBClient');
      const translate = handlerTranslateConfig(ref.document.translateConfig);
      const key = JSON.stringify(['document', config, translate, regionOfFunction]);
      return this.#cached(key, () => {
        const lib = this.#loaded.get(pkg)!;
        const Doc = lib['DynamoDBDocumentClient'] as { from(c: unknown, t: unknown): SdkClient };
        // Its own base client: DynamoDBDocumentClient writes its translateConfig into the base
        // client's config, so two document clients over one base would share the last one's.
        const base = this.#build('@aws-sdk/client-dynamodb', 'DynamoDBClient', config, route, regionOfFunction);
        return { client: Doc.from(base.client, translate), dispose: base.dispose, inFlight: 0, evicted: false };
      });
    }
    const shape = this.#shapes.get(pkg)!;
    if (typeof ref.client !== 'string' || !shape.clients.includes(ref.client)) throw new TypeError(`${pkg} has no client class ${display(ref.client)}`);
    const clientName = ref.client;
    const config = handlerClientConfig(ref.config, clientName);
    const key = JSON.stringify([pkg, clientName, config, regionOfFunction]);
    return this.#cached(key, () => ({ ...this.#build(pkg, clientName, config, route, regionOfFunction), inFlight: 0, evicted: false }));
  }

  /**
   * A client as the route says. The user's factory gets only the handler's filtered config; the
   * real SDK client gets that over the simulator's fixed settings, with the user's route on top.
   */
  #build(pkg: string, clientName: string, handler: HandlerClientConfig, route: AwsRoute, region: string): Pick<CachedClient, 'client' | 'dispose'> {
    if (typeof route === 'object' && 'client' in route && typeof route.client === 'function') {
      // The factory's clients are the user's: lambda-sim never destroys them.
      return { client: route.client({ ...handler }), dispose: undefined };
    }
    const Client = this.#loaded.get(pkg)?.[clientName] as (new (config: unknown) => SdkClient & { destroy?(): void }) | undefined;
    if (typeof Client !== 'function') throw new TypeError(`${pkg} has no ${clientName}`);
    const config: Record<string, unknown> = {
      region,
      ...handler,
      credentials: simulatedCredentials(),
      // The SDK's default, pinned: 'auto' asks the instance metadata service where the host runs.
      defaultsMode: 'legacy',
    };
    if (route === 'sdk') config['requestHandler'] = refuseNetwork;
    else Object.assign(config, route);
    const client = new Client(config);
    // A client's destroy() destroys its requestHandler: when the route gave one, it is the user's, shared by every client.
    const ownsHandler = route === 'sdk' || !('requestHandler' in route);
    return { client, dispose: ownsHandler && typeof client.destroy === 'function' ? () => client.destroy!() : undefined };
  }

  #cached(key: string, build: () => CachedClient): CachedClient {
    const hit = this.#clients.get(key);
    if (hit !== undefined) {
      this.#clients.delete(key);
      this.#clients.set(key, hit);
      return hit;
    }
    const made = build();
    this.#clients.set(key, made);
    for (const [oldest, old] of this.#clients) {
      if (this.#clients.size <= MAX_HOST_CLIENTS) break;
      this.#clients.delete(oldest);
      old.evicted = true;
      if (old.inFlight === 0) dispose(old);
    }
    return made;
  }

  /** The simulator closes: every host client lambda-sim made is freed (in-flight calls fail as the SDK fails them). */
  close(): void {
    for (const cached of this.#clients.values()) dispose(cached);
    this.#clients.clear();
  }

  #release(cached: CachedClient): void {
    cached.inFlight--;
    if (cached.evicted && cached.inFlight === 0) dispose(cached);
  }
}

/** A reference from the sandbox, as an object to read (its fields are checked where used). */
function refOf(raw: unknown): Partial<ClientRef> {
  return (raw !== null && typeof raw === 'object' ? raw : {}) as Partial<ClientRef>;
}

/** What a call to a service without a route fails with: how to configure one. `what` completes "The handler …". */
function noRoute(service: string, what: string): LambdaSimConfigurationError {
  return new LambdaSimConfigurationError(
    `The handler ${what}, but lambda-sim has no route for service '${service}'. Configure one in the simulator options: ` +
      `aws: { ${service}: 'sdk' } (the real SDK client, answered by your mocks such as aws-sdk-client-mock), ` +
      `{ ${service}: { endpoint: 'http://localhost:…' } }, { ${service}: { requestHandler } } or { ${service}: { client: (config) => client } }.`,
  );
}

/** Whether a route's client is an SDK client (what the presigner and lib-storage read of it), not only an object with `send`. */
function isSdkClient(client: unknown): boolean {
  const c = client as { config?: unknown; middlewareStack?: { clone?: unknown } } | null;
  return c !== null && typeof c === 'object' && c.config !== null && typeof c.config === 'object' && typeof c.middlewareStack?.clone === 'function';
}

const SIGNING_SERVICE = /^[a-z0-9-]{1,64}$/;
/** SigV4's bound on a presigned URL's lifetime (the presigner refuses more itself; checked here to say so in the handler's terms). */
const MAX_PRESIGN_SECONDS = 604800;

/**
 * The options of `getSignedUrl` a handler may set: how long the URL lives, when it is signed (by
 * default the handler's simulated time, set by the sandbox), which headers are signed or hoisted,
 * and the signing region and service. Anything else is dropped.
 */
function presignOptions(raw: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out;
  const from = raw as Record<string, unknown>;
  const where = 'getSignedUrl(client, command, options)';
  const expiresIn = given(from, 'expiresIn');
  if (expiresIn !== undefined) {
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0 || expiresIn > MAX_PRESIGN_SECONDS) throw expected(where, 'expiresIn', `a number of seconds from 1 to ${MAX_PRESIGN_SECONDS} (one week)`, expiresIn);
    out['expiresIn'] = expiresIn;
  }
  const signingDate = given(from, 'signingDate');
  if (signingDate !== undefined) {
    const date = signingDate instanceof Date ? signingDate : typeof signingDate === 'number' || typeof signingDate === 'string' ? new Date(signingDate) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) throw expected(where, 'signingDate', 'a Date', signingDate);
    out['signingDate'] = date;
  }
  for (const key of ['signableHeaders', 'unsignableHeaders', 'hoistableHeaders', 'unhoistableHeaders']) {
    const headers = given(from, key);
    if (headers === undefined) continue;
    const list = headers instanceof Set ? [...(headers as Set<unknown>)] : Array.isArray(headers) ? headers : undefined;
    if (list === undefined || !list.every((h) => typeof h === 'string')) throw expected(where, key, 'a Set of header names', headers);
    out[key] = new Set(list as string[]);
  }
  const signingRegion = given(from, 'signingRegion');
  if (signingRegion !== undefined) {
    if (typeof signingRegion !== 'string' || !REGION.test(signingRegion)) throw expected(where, 'signingRegion', 'a region name', signingRegion);
    out['signingRegion'] = signingRegion;
  }
  const signingService = given(from, 'signingService');
  if (signingService !== undefined) {
    if (typeof signingService !== 'string' || !SIGNING_SERVICE.test(signingService)) throw expected(where, 'signingService', "a service signing name such as 's3'", signingService);
    out['signingService'] = signingService;
  }
  return out;
}

/** Parts one upload sends at a time on the host, at most (lib-storage's default is 4). */
const MAX_UPLOAD_QUEUE = 16;

interface UploadOptions {
  queueSize?: number;
  partSize?: number;
  leavePartsOnError?: boolean;
  tags?: Array<{ Key: string; Value: string }>;
  /** `abort()` was called before `done()`. */
  aborted: boolean;
}

/** The options of `new Upload(…)` a handler may set (lib-storage itself checks the part size's minimum). */
function uploadOptions(raw: unknown): UploadOptions {
  const out: UploadOptions = { aborted: false };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out;
  const from = raw as Record<string, unknown>;
  const where = 'new Upload(options)';
  const queueSize = given(from, 'queueSize');
  if (queueSize !== undefined) {
    if (typeof queueSize !== 'number' || !Number.isInteger(queueSize) || queueSize < 1 || queueSize > MAX_UPLOAD_QUEUE) throw expected(where, 'queueSize', `an integer from 1 to ${MAX_UPLOAD_QUEUE}`, queueSize);
    out.queueSize = queueSize;
  }
  const partSize = given(from, 'partSize');
  if (partSize !== undefined) {
    if (typeof partSize !== 'number' || !Number.isSafeInteger(partSize) || partSize < 1) throw expected(where, 'partSize', 'a number of bytes', partSize);
    out.partSize = partSize;
  }
  const leavePartsOnError = given(from, 'leavePartsOnError');
  if (leavePartsOnError !== undefined) {
    if (typeof leavePartsOnError !== 'boolean') throw expected(where, 'leavePartsOnError', 'a boolean', leavePartsOnError);
    out.leavePartsOnError = leavePartsOnError;
  }
  const tags = given(from, 'tags');
  if (tags !== undefined) {
    const ok = Array.isArray(tags) && tags.every((t) => t !== null && typeof t === 'object' && typeof (t as { Key?: unknown }).Key === 'string' && typeof (t as { Value?: unknown }).Value === 'string');
    if (!ok) throw expected(where, 'tags', 'an array of { Key, Value } strings', tags);
    out.tags = (tags as Array<{ Key: string; Value: string }>).map((t) => ({ Key: t.Key, Value: t.Value }));
  }
  out.aborted = given(from, 'aborted') === true;
  return out;
}

/** What lambda-sim uses of lib-storage's Upload. */
interface HostUpload {
  on(event: string, listener: (progress: unknown) => void): unknown;
  done(): Promise<unknown>;
  abort(): Promise<void>;
}

/** The scope key of a sandbox's running uploads. */
const UPLOADS = 'aws-sdk:uploads';

/** A sandbox's uploads still running on the host, by the sandbox's id: aborted if the sandbox goes. */
class RunningUploads implements ScopedResource {
  readonly #running = new Map<number, HostUpload>();

  run(id: number, upload: HostUpload): Promise<unknown> {
    if (this.#running.has(id)) return Promise.reject(new TypeError(`lambda-sim: upload ${id} is already running`));
    this.#running.set(id, upload);
    return upload.done().finally(() => this.#running.delete(id));
  }

  abort(id: number): Promise<void> | undefined {
    return this.#running.get(id)?.abort().catch(() => undefined);
  }

  dispose(): void {
    for (const upload of this.#running.values()) void upload.abort().catch(() => undefined);
    this.#running.clear();
  }
}

function dispose(cached: CachedClient): void {
  try {
    cached.dispose?.();
  } catch {
    // A client that fails to free its sockets is gone from the cache all the same.
  }
}

/** The function's region, from its ARN: what AWS_REGION says on Lambda, so what the SDK uses by default. */
function functionRegion(functionArn: string): string {
  const region = functionArn.split(':')[3];
  return region !== undefined && REGION.test(region) ? region : 'us-east-1';
}

const given = (from: Record<string, unknown>, key: string): unknown => (Object.hasOwn(from, key) ? (from[key] ?? undefined) : undefined);

function expected(where: string, key: string, what: string, value: unknown): TypeError {
  return new TypeError(`Expected \`${key}\` in ${where} to be ${what}, got \`${display(value)}\` (${value === null ? 'null' : typeof value})`);
}

/**
 * The allow-listed fields of a handler's client config, validated; `null` counts as absent (as
 * the SDK's `??` defaults take it). Built in a fixed key order: it is also the cache key.
 */
function handlerClientConfig(raw: unknown, clientName: string): HandlerClientConfig {
  const out: HandlerClientConfig = {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out;
  const from = raw as Record<string, unknown>;
  const where = `new ${clientName}(config)`;
  const region = given(from, 'region');
  if (region !== undefined) {
    if (typeof region !== 'string' || !REGION.test(region)) throw expected(where, 'region', "a region name such as 'eu-west-1' (lowercase letters, digits and hyphens)", region);
    out.region = region;
  }
  const maxAttempts = given(from, 'maxAttempts');
  if (maxAttempts !== undefined) {
    if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_HANDLER_ATTEMPTS) {
      throw expected(where, 'maxAttempts', `an integer from 1 to ${MAX_HANDLER_ATTEMPTS}`, maxAttempts);
    }
    out.maxAttempts = maxAttempts;
  }
  const retryMode = given(from, 'retryMode');
  if (retryMode !== undefined) {
    if (!RETRY_MODES.has(retryMode)) throw expected(where, 'retryMode', "'standard', 'adaptive' or 'legacy'", retryMode);
    out.retryMode = retryMode as NonNullable<HandlerClientConfig['retryMode']>;
  }
  const forcePathStyle = given(from, 'forcePathStyle');
  if (forcePathStyle !== undefined) {
    if (typeof forcePathStyle !== 'boolean') throw expected(where, 'forcePathStyle', 'a boolean', forcePathStyle);
    out.forcePathStyle = forcePathStyle;
  }
  return out;
}

/** lib-dynamodb's marshalling switches from a handler's translateConfig, validated; the rest dropped. */
function handlerTranslateConfig(raw: unknown): HandlerTranslateConfig {
  const out: HandlerTranslateConfig = {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out;
  const pick = (group: 'marshallOptions' | 'unmarshallOptions', keys: readonly string[]): Record<string, boolean> | undefined => {
    const options = given(raw as Record<string, unknown>, group);
    if (options === undefined || typeof options !== 'object' || Array.isArray(options)) return undefined;
    const picked: Record<string, boolean> = {};
    for (const key of keys) {
      const value = given(options as Record<string, unknown>, key);
      if (value === undefined) continue;
      if (typeof value !== 'boolean') throw expected('DynamoDBDocumentClient.from(client, translateConfig)', `${group}.${key}`, 'a boolean', value);
      picked[key] = value;
    }
    return picked;
  };
  const marshall = pick('marshallOptions', MARSHALL_OPTIONS);
  if (marshall !== undefined) out.marshallOptions = marshall;
  const unmarshall = pick('unmarshallOptions', UNMARSHALL_OPTIONS);
  if (unmarshall !== undefined) out.unmarshallOptions = unmarshall;
  return out;
}

/** The output key that lists which members were streams (S3 GetObject's Body): the sandbox makes them streams again. */
export const STREAM_MEMBERS_KEY = '__lambdaSimStreams';

/**
 * Streaming members of an output (an SdkStream: S3 GetObject's Body) cannot cross the boundary as
 * objects: they are read here (the SDK's own transformToByteArray), cross as bytes, and are listed
 * under {@link STREAM_MEMBERS_KEY} so the sandbox gives the handler a stream with the same methods.
 */
async function withStreamsRead(output: unknown): Promise<unknown> {
  if (output === null || typeof output !== 'object') return output;
  const out = output as Record<string, unknown>;
  const streams: string[] = [];
  for (const [key, value] of Object.entries(out)) {
    const v = value as { transformToByteArray?: () => Promise<Uint8Array>; pipe?: unknown; getReader?: unknown } | null;
    if (v !== null && typeof v === 'object' && typeof v.transformToByteArray === 'function' && (typeof v.pipe === 'function' || typeof v.getReader === 'function')) {
      out[key] = await v.transformToByteArray();
      streams.push(key);
    }
  }
  if (streams.length > 0) out[STREAM_MEMBERS_KEY] = streams;
  return out;
}

/** What the sandbox needs to rebuild a package's surface. */
function describeSdk(mod: SdkModule): SdkShape {
  const keys = Object.keys(mod).filter((k) => k !== 'default' && !k.startsWith('__') && !k.startsWith('$') && !k.endsWith('$'));
  const isClass = (k: string): boolean => typeof mod[k] === 'function' && /^[A-Z]/.test(k);
  const enums: Record<string, Record<string, string | number>> = {};
  for (const k of keys) {
    const v = mod[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string' || typeof x === 'number')) {
      enums[k] = { ...(v as Record<string, string | number>) };
    }
  }
  return {
    clients: keys.filter((k) => isClass(k) && k.endsWith('Client') && !k.endsWith('CommandClient')),
    commands: keys.filter((k) => isClass(k) && k.endsWith('Command') && k !== 'DynamoDBDocumentClientCommand'),
    exceptions: keys.filter((k) => isClass(k) && (k.endsWith('Exception') || k.endsWith('Error'))),
    serviceException: keys.find((k) => isClass(k) && k.endsWith('ServiceException')),
    enums,
    paginators: keys.filter((k) => k.startsWith('paginate') && typeof mod[k] === 'function'),
    aggregated: keys.filter((k) => isClass(k) && !k.endsWith('Client') && typeof mod[`${k}Client`] === 'function'),
    waiters: keys.filter((k) => /^wait(?:Until|For)[A-Z]/.test(k) && typeof mod[k] === 'function'),
  };
}

/** CreateFunction / UpdateFunctionCode from a handler: no in-process code sources (they read the host's files). */
function refusedCodeSource(commandName: string, input: unknown): InvalidParameterValueException | undefined {
  if (commandName !== 'CreateFunctionCommand' && commandName !== 'UpdateFunctionCodeCommand') return undefined;
  const body = (input !== null && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const code = (body['Code'] !== null && typeof body['Code'] === 'object' ? body['Code'] : {}) as Record<string, unknown>;
  return inProcessCodeSource(body, '', 'from a handler') ?? inProcessCodeSource(code, 'Code.', 'from a handler');
}
