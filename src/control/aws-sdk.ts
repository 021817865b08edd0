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
 */
import { InvalidParameterValueException } from '../errors.js';
import type { HostCallAnswer, HostCallContext } from '../runtime/host-calls.js';
import type { SdkShape } from '../runtime/shim/sdk.js';
import { display } from './names.js';
import { inProcessCodeSource } from './validate.js';

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

export class LambdaSimConfigurationError extends Error {
  override readonly name = 'LambdaSimConfigurationError';
}

interface ClientRef {
  pkg: string;
  client: string;
  config: Record<string, unknown>;
  document?: { base: ClientRef; translateConfig: Record<string, unknown> };
}

type SdkModule = Record<string, unknown>;

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
  readonly #clients = new Map<string, { send(command: unknown): Promise<unknown> }>();

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
    for (const pkg of wanted) {
      const mod = await this.#module(pkg);
      let shape = this.#shapes.get(pkg);
      if (shape === undefined) {
        shape = describeSdk(mod);
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
              `but it cannot load ${pkg} here (${(cause as Error).message.split('\n')[0]}). Install it in your project: npm install --save-dev ${pkg}`,
          );
        },
      );
      this.#modules.set(pkg, p);
    }
    return p;
  }

  /** Executes `client.send(new Command(input))` from the sandbox. */
  call(args: unknown[], context: HostCallContext): HostCallAnswer {
    const [ref, commandName, input] = args as [ClientRef, string, Record<string, unknown>];
    const service = serviceOf(ref.pkg);
    const route = this.#options[service] as AwsRoute | undefined;
    const latencyMs = this.#latency(`aws:${service}`);
    if (service === 'lambda' && route === undefined) {
      const refused = refusedCodeSource(commandName, input);
      if (refused !== undefined) return { kind: 'error', error: refused };
      if (commandName === 'InvokeCommand') return { kind: 'simulated', latencyMs, start: (done) => this.#lambda.invoke(input, context, done) };
      return { kind: 'promise', latencyMs, promise: this.#lambda.send(commandName, input) };
    }
    if (route === undefined) {
      return {
        kind: 'error',
        error: new LambdaSimConfigurationError(
          `The handler sent ${commandName} to ${service}, but lambda-sim has no route for service '${service}'. Configure one in the simulator options: ` +
            `aws: { ${service}: 'sdk' } (the real SDK client, answered by your mocks such as aws-sdk-client-mock), ` +
            `{ ${service}: { endpoint: 'http://localhost:…' } }, { ${service}: { requestHandler } } or { ${service}: { client: (config) => client } }.`,
        ),
      };
    }
    try {
      const client = this.#client(ref, route);
      const mod = this.#loaded.get(ref.pkg);
      const Command = mod?.[commandName] as (new (input: unknown) => unknown) | undefined;
      if (Command === undefined) throw new TypeError(`${ref.pkg} has no ${commandName}`);
      // Mocks may answer synchronously (aws-sdk-client-mock's callsFake): normalise to a promise.
      return { kind: 'promise', latencyMs, promise: Promise.resolve(client.send(new Command(input))) };
    } catch (error) {
      return { kind: 'error', error };
    }
  }

  #client(ref: ClientRef, route: AwsRoute): { send(command: unknown): Promise<unknown> } {
    const key = JSON.stringify(ref);
    const cached = this.#clients.get(key);
    if (cached !== undefined) return cached;
    let client: { send(command: unknown): Promise<unknown> };
    if (ref.document !== undefined) {
      const base = this.#client(ref.document.base, route);
      const lib = this.#loaded.get('@aws-sdk/lib-dynamodb')!;
      const Doc = lib['DynamoDBDocumentClient'] as { from(c: unknown, t: unknown): { send(command: unknown): Promise<unknown> } };
      client = Doc.from(base, ref.document.translateConfig);
    } else if (typeof route === 'object' && 'client' in route && typeof route.client === 'function') {
      client = route.client(ref.config);
    } else {
      const mod = this.#loaded.get(ref.pkg);
      const Client = mod?.[ref.client] as (new (config: unknown) => { send(command: unknown): Promise<unknown> }) | undefined;
      if (Client === undefined) throw new TypeError(`${ref.pkg} has no ${ref.client}`);
      const config: Record<string, unknown> = {
        region: 'us-east-1',
        credentials: { accessKeyId: 'ASIASIMULATEDKEY0000', secretAccessKey: 'lambda-sim/simulated/secret/access/key000', sessionToken: 'lambda-sim-simulated-session-token' },
        ...ref.config,
      };
      if (route === 'sdk') config['requestHandler'] = refuseNetwork;
      else Object.assign(config, route);
      client = new Client(config);
    }
    this.#clients.set(key, client);
    return client;
  }
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
  };
}

/** CreateFunction / UpdateFunctionCode from a handler: no in-process code sources (they read the host's files). */
function refusedCodeSource(commandName: string, input: unknown): InvalidParameterValueException | undefined {
  if (commandName !== 'CreateFunctionCommand' && commandName !== 'UpdateFunctionCodeCommand') return undefined;
  const body = (input !== null && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const code = (body['Code'] !== null && typeof body['Code'] === 'object' ? body['Code'] : {}) as Record<string, unknown>;
  return inProcessCodeSource(body, '', 'from a handler') ?? inProcessCodeSource(code, 'Code.', 'from a handler');
}
