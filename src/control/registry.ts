/**
 * The function registry: create, get, list, update and delete functions, each with its validated
 * configuration (the `FunctionConfiguration` shape the Lambda API returns), its handler bundle and
 * the pool of its execution environments. Code or configuration updates retire the old
 * environments: the next invocation is a cold start with the new code.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import PQueue from 'p-queue';
import type { SandboxExecutor } from '../runtime/executor.js';
import type { ModelSpec } from '../runtime/model.js';
import { InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException } from '../errors.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Random } from '../kernel/random.js';
import { bundleCode, modelBundle, type FunctionCode, type HandlerBundle } from '../runtime/bundle.js';
import type { BundleBudget } from '../runtime/bundle-guard.js';
import type { EnvironmentSpec, Runtime } from '../runtime/environment.js';
import type { HostCallRouter } from '../runtime/host-calls.js';
import type { Ivm } from '../runtime/isolated-vm.js';
import type { SdkShape } from '../runtime/shim/sdk.js';
import type { SandboxFactory } from '../runtime/sandbox-host.js';
import { EnvironmentPool, type EnvironmentBudget, type EnvironmentHooks } from '../runtime/pool.js';
import { display, parseFunctionRef, validationMessage } from './names.js';
import {
  validateFunctionName,
  validateHandler,
  validateInteger,
  validateLogging,
  validateDescription,
  validateRole,
  validateRuntime,
  validateTags,
  validateVariables,
  type LoggingConfig,
} from './validate.js';

export interface CreateFunctionInput {
  FunctionName: string;
  Handler: string;
  Code: FunctionCode;
  Runtime?: Runtime | undefined;
  Role?: string | undefined;
  Description?: string | undefined;
  Timeout?: number | undefined;
  MemorySize?: number | undefined;
  EphemeralStorage?: { Size: number } | undefined;
  Environment?: { Variables?: Record<string, string> } | undefined;
  LoggingConfig?: { LogFormat?: 'Text' | 'JSON'; ApplicationLogLevel?: string; SystemLogLevel?: string; LogGroup?: string } | undefined;
  Architectures?: Array<'x86_64' | 'arm64'> | undefined;
  DeadLetterConfig?: { TargetArn?: string } | undefined;
  TracingConfig?: { Mode?: 'Active' | 'PassThrough' } | undefined;
  Tags?: Record<string, string> | undefined;
  PackageType?: 'Zip' | 'Image' | undefined;
  Publish?: boolean | undefined;
}

export type UpdateFunctionConfigurationInput = Partial<Omit<CreateFunctionInput, 'Code' | 'FunctionName' | 'Tags' | 'PackageType' | 'Publish'>> & {
  FunctionName: string;
};

export type UpdateFunctionCodeInput = { FunctionName: string; Publish?: boolean } & (
  | { ZipFile: Uint8Array }
  | { Source: string }
  | { Path: string }
);

/** What `getFunction().Configuration` and `createFunction` return. */
export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: Runtime;
  Role: string;
  Handler: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  Version: string;
  Environment?: { Variables: Record<string, string> };
  TracingConfig: { Mode: 'Active' | 'PassThrough' };
  RevisionId: string;
  State: 'Active';
  LastUpdateStatus: 'Successful';
  PackageType: 'Zip';
  Architectures: Array<'x86_64' | 'arm64'>;
  EphemeralStorage: { Size: number };
  LoggingConfig: LoggingConfig;
  DeadLetterConfig?: { TargetArn: string };
}

export interface FunctionRecord {
  readonly name: string;
  readonly arn: string;
  configuration: FunctionConfiguration;
  code: FunctionCode;
  bundle: HandlerBundle;
  sdk: Record<string, SdkShape>;
  pool: EnvironmentPool;
  tags: Record<string, string>;
  /** Published versions ('1', '2', …): immutable configuration and code, their own environments. */
  readonly versions: Map<string, VersionTarget>;
  readonly aliases: Map<string, AliasConfiguration>;
  lastVersion: number;
}

/** What an invocation runs: `$LATEST` or a published version. */
export interface VersionTarget {
  readonly version: string;
  readonly configuration: FunctionConfiguration;
  readonly pool: EnvironmentPool;
}

export interface AliasConfiguration {
  AliasArn: string;
  Name: string;
  FunctionVersion: string;
  Description: string;
  RoutingConfig?: { AdditionalVersionWeights: Record<string, number> };
  RevisionId: string;
}

/** A resolved FunctionName/Qualifier: the function, the version that runs, the ARN as invoked. */
export interface Resolved {
  record: FunctionRecord;
  target: VersionTarget;
  invokedArn: string;
}

export interface RegistryDeps {
  ivm: Ivm;
  /** Where environments' sandboxes live (this process, or a supervised child process). */
  sandboxes: SandboxFactory;
  /** Characters of console output an invocation keeps. */
  maxLogChars: number | undefined;
  kernel: Kernel;
  random: Random;
  budget: EnvironmentBudget;
  hooks: EnvironmentHooks;
  region: string;
  accountId: string;
  defaultRuntime: Runtime;
  cpuBudgetMs: number;
  cwd: string | undefined;
  /** Bundling's budget (see runtime/bundle-guard.ts); unset parts take their defaults. */
  bundling: Partial<BundleBudget>;
  hostCalls: HostCallRouter;
  /** Simulated platform time of a cold start before the module runs. */
  initLatencyMs: () => number;
  measureInit: boolean;
  hostCallTimeoutMs: number;
  /** Real clock: runs sandbox calls on isolate threads. */
  executor: SandboxExecutor | undefined;
  /** Simulated ms an idle environment lives before it is reaped. */
  idleTtlMs: number;
  /** Loads and describes the AWS SDK packages a bundle imports (fails when one is not installed). */
  describeSdk(packages: readonly string[]): Promise<Record<string, SdkShape>>;
  onRuntimeWarning(message: string, runtime: Runtime): void;
}

const FIELDS = new Set([
  'FunctionName', 'Handler', 'Code', 'Runtime', 'Role', 'Description', 'Timeout', 'MemorySize', 'EphemeralStorage', 'Environment',
  'LoggingConfig', 'Architectures', 'DeadLetterConfig', 'TracingConfig', 'Tags', 'PackageType', 'Publish', 'Layers', 'KMSKeyArn',
  'VpcConfig', 'ImageConfig', 'CodeSigningConfigArn', 'FileSystemConfigs', 'SnapStart', 'RevisionId',
]);

export class FunctionRegistry {
  readonly #functions = new Map<string, FunctionRecord>();
  /** Names being created right now (bundling is asynchronous). */
  readonly #creating = new Set<string>();
  /** Functions with an update in progress. */
  readonly #updating = new Set<string>();
  readonly #deps: RegistryDeps;
  /**
   * Bundling is real host work (esbuild, SDK package loading): a burst of createFunction calls
   * bundles at most one per core at a time instead of all at once.
   */
  readonly #bundling = new PQueue({ concurrency: Math.max(1, availableParallelism()) });

  constructor(deps: RegistryDeps) {
    this.#deps = deps;
  }

  get size(): number {
    return this.#functions.size;
  }

  arnOf(name: string): string {
    return `arn:aws:lambda:${this.#deps.region}:${this.#deps.accountId}:function:${name}`;
  }

  async create(input: CreateFunctionInput): Promise<FunctionConfiguration> {
    if (input === null || typeof input !== 'object') throw new InvalidParameterValueException(`createFunction expects an input object, got ${display(input)}`);
    for (const key of Object.keys(input)) {
      if (!FIELDS.has(key)) throw new InvalidParameterValueException(`Unknown parameter '${key}' in createFunction input`);
    }
    const name = validateFunctionName(input.FunctionName);
    if (input.PackageType !== undefined && input.PackageType !== 'Zip') {
      throw new InvalidParameterValueException(`PackageType '${display(input.PackageType)}' is not supported by lambda-sim; only Zip (code) functions run here`);
    }
    if (this.#functions.has(name) || this.#creating.has(name)) {
      throw new ResourceConflictException(`Function already exist: ${name}`);
    }
    const draft = this.#configure(input, name, undefined);
    const tags = validateTags(input.Tags);
    if (input.Code === undefined || input.Code === null || typeof input.Code !== 'object') {
      throw new InvalidParameterValueException(`Code is required: one of { Source }, { Path } or { ZipFile }, got ${display(input.Code)}`);
    }
    const code = pickCode(input.Code);
    this.#creating.add(name);
    try {
      const bundle = await this.#bundle(code, draft.Handler);
      const sdk = await this.#deps.describeSdk(bundle.sdkPackages);
      const configuration = this.#finish(draft, bundle, code);
      const record: FunctionRecord = {
        name,
        arn: configuration.FunctionArn,
        configuration,
        code,
        bundle,
        sdk,
        pool: this.#pool(configuration, bundle, sdk),
        tags,
        versions: new Map(),
        aliases: new Map(),
        lastVersion: 0,
      };
      this.#functions.set(name, record);
      return structuredClone(configuration);
    } finally {
      this.#creating.delete(name);
    }
  }

  /** Whether a function of this plain name exists. */
  has(name: string): boolean {
    return this.#functions.has(name);
  }

  get(nameOrArn: unknown): FunctionRecord {
    // Fast path: a plain name of an existing function (the usual case, on every invoke).
    if (typeof nameOrArn === 'string') {
      const hit = this.#functions.get(nameOrArn);
      if (hit !== undefined) return hit;
    }
    const ref = parseFunctionRef(nameOrArn);
    const record = this.#functions.get(ref.name);
    const arn = this.arnOf(ref.name);
    if (
      record === undefined ||
      (ref.accountId !== undefined && ref.accountId !== this.#deps.accountId) ||
      (ref.region !== undefined && ref.region !== this.#deps.region)
    ) {
      throw new ResourceNotFoundException(`Function not found: ${ref.accountId !== undefined || ref.region !== undefined ? String(nameOrArn) : arn}`);
    }
    if (ref.qualifier !== undefined && ref.qualifier !== '$LATEST' && !record.versions.has(ref.qualifier) && !record.aliases.has(ref.qualifier)) {
      throw new ResourceNotFoundException(`Function not found: ${arn}:${ref.qualifier}`);
    }
    return record;
  }

  /**
   * Resolves a name or ARN with its qualifier to what runs: `$LATEST`, a version, or an alias's
   * version (weighted routing draws from `draw()`, a seeded uniform [0, 1)).
   */
  resolve(nameOrArn: unknown, draw: () => number): Resolved {
    const record = this.get(nameOrArn);
    const qualifier = typeof nameOrArn === 'string' && nameOrArn !== record.name ? parseFunctionRef(nameOrArn).qualifier : undefined;
    const latest: VersionTarget = { version: '$LATEST', configuration: record.configuration, pool: record.pool };
    if (qualifier === undefined) return { record, target: latest, invokedArn: record.arn };
    const invokedArn = `${record.arn}:${qualifier}`;
    if (qualifier === '$LATEST') return { record, target: latest, invokedArn };
    const version = record.versions.get(qualifier);
    if (version !== undefined) return { record, target: version, invokedArn };
    const alias = record.aliases.get(qualifier)!;
    let chosen = alias.FunctionVersion;
    const weights = alias.RoutingConfig?.AdditionalVersionWeights ?? {};
    let x = Object.keys(weights).length > 0 ? draw() : 1;
    for (const [v, w] of Object.entries(weights).sort(([a], [b]) => Number(a) - Number(b))) {
      if (x < w) {
        chosen = v;
        break;
      }
      x -= w;
    }
    return { record, target: chosen === '$LATEST' ? latest : record.versions.get(chosen)!, invokedArn };
  }

  /** Publishes `$LATEST` as the next version: an immutable snapshot with its own environments. */
  publishVersion(nameOrArn: unknown, description: string | undefined): FunctionConfiguration {
    const record = this.get(nameOrArn);
    const text = validateDescription(description, record.configuration.Description);
    const version = String(++record.lastVersion);
    const configuration: FunctionConfiguration = {
      ...structuredClone(record.configuration),
      Version: version,
      FunctionArn: `${record.arn}:${version}`,
      Description: text,
      RevisionId: this.#deps.random.uuid(),
    };
    record.versions.set(version, { version, configuration, pool: this.#pool(configuration, record.bundle, record.sdk, version) });
    return structuredClone(configuration);
  }

  listVersions(nameOrArn: unknown): FunctionConfiguration[] {
    const record = this.get(nameOrArn);
    return [structuredClone(record.configuration), ...[...record.versions.values()].map((v) => structuredClone(v.configuration))];
  }

  putAlias(
    nameOrArn: unknown,
    input: { Name: string; FunctionVersion?: string | undefined; Description?: string | undefined; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> } | undefined },
    mode: 'create' | 'update',
  ): AliasConfiguration {
    const record = this.get(nameOrArn);
    const name = input?.Name;
    if (typeof name !== 'string' || !/^(?!^[0-9]+$)([a-zA-Z0-9-_]{1,128})$/.test(name)) {
      throw new InvalidParameterValueException(validationMessage(name, 'name', 'Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)'));
    }
    const existing = record.aliases.get(name);
    const description = validateDescription(input.Description, existing?.Description ?? '');
    if (mode === 'create' && existing !== undefined) throw new ResourceConflictException(`Alias already exists: ${record.arn}:${name}`);
    if (mode === 'update' && existing === undefined) throw new ResourceNotFoundException(`Alias not found: ${record.arn}:${name}`);
    const version = input.FunctionVersion ?? existing?.FunctionVersion;
    const known = (v: string | undefined): boolean => v === '$LATEST' || (v !== undefined && record.versions.has(v));
    if (!known(version)) throw new ResourceNotFoundException(`Function not found: ${record.arn}:${display(version)}`);
    const routing = input.RoutingConfig === undefined ? existing?.RoutingConfig : input.RoutingConfig;
    const weights = routing?.AdditionalVersionWeights ?? {};
    let total = 0;
    for (const [v, w] of Object.entries(weights)) {
      if (!record.versions.has(v)) throw new InvalidParameterValueException(`RoutingConfig names version ${v}, which ${record.name} does not have`);
      if (v === version) throw new InvalidParameterValueException(`RoutingConfig cannot name the alias's own version ${v}`);
      if (typeof w !== 'number' || !(w >= 0 && w <= 1)) throw new InvalidParameterValueException(`Version weight for ${v} must be between 0.0 and 1.0, got ${display(w)}`);
      total += w;
    }
    if (total > 1) throw new InvalidParameterValueException(`The sum of RoutingConfig weights must be at most 1.0, got ${total}`);
    const alias: AliasConfiguration = {
      AliasArn: `${record.arn}:${name}`,
      Name: name,
      FunctionVersion: version!,
      Description: description,
      ...(Object.keys(weights).length > 0 ? { RoutingConfig: { AdditionalVersionWeights: { ...weights } } } : {}),
      RevisionId: this.#deps.random.uuid(),
    };
    record.aliases.set(name, alias);
    return structuredClone(alias);
  }

  alias(nameOrArn: unknown, name: string): AliasConfiguration {
    const record = this.get(nameOrArn);
    const alias = record.aliases.get(name);
    if (alias === undefined) throw new ResourceNotFoundException(`Alias not found: ${record.arn}:${display(name)}`);
    return structuredClone(alias);
  }

  deleteAlias(nameOrArn: unknown, name: string): void {
    const record = this.get(nameOrArn);
    record.aliases.delete(name);
  }

  list(): FunctionRecord[] {
    return [...this.#functions.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Deletes a function, or with a version qualifier only that version (not one an alias names). */
  delete(nameOrArn: unknown): void {
    const record = this.get(nameOrArn);
    const qualifier = typeof nameOrArn === 'string' && nameOrArn !== record.name ? parseFunctionRef(nameOrArn).qualifier : undefined;
    if (qualifier !== undefined) {
      if (!/^\d+$/.test(qualifier)) {
        throw new InvalidParameterValueException(`Deletion of a ${qualifier === '$LATEST' ? '$LATEST version' : 'qualifier that is not a version number'} is not supported: delete the function (no Qualifier), an alias with deleteAlias, or a version by its number`);
      }
      const users = [...record.aliases.values()].filter((a) => a.FunctionVersion === qualifier || a.RoutingConfig?.AdditionalVersionWeights[qualifier] !== undefined).map((a) => a.Name);
      if (users.length > 0) throw new ResourceConflictException(`Unable to delete version because the following aliases reference it: [${users.join(', ')}]`);
      record.versions.get(qualifier)?.pool.retire();
      record.versions.delete(qualifier);
      return;
    }
    this.#functions.delete(record.name);
    record.pool.retire();
    for (const v of record.versions.values()) v.pool.retire();
  }

  /**
   * Updates take real time (bundling): while one runs, another update of the same function is
   * refused as Lambda refuses it (LastUpdateStatus InProgress), so the last one issued cannot lose.
   */
  async #exclusive<T>(record: FunctionRecord, update: () => Promise<T>): Promise<T> {
    if (this.#updating.has(record.name)) {
      throw new ResourceConflictException(`The operation cannot be performed at this time. An update is in progress for resource: ${record.arn}`);
    }
    this.#updating.add(record.name);
    try {
      return await update();
    } finally {
      this.#updating.delete(record.name);
    }
  }

  /** Replaces the code; with `dryRun`, only bundles it and answers what the configuration would be. */
  async updateCode(input: UpdateFunctionCodeInput, dryRun = false): Promise<FunctionConfiguration> {
    const record = this.get(input?.FunctionName);
    return this.#exclusive(record, () => this.#updateCode(record, input, dryRun));
  }

  async #updateCode(record: FunctionRecord, input: UpdateFunctionCodeInput, dryRun: boolean): Promise<FunctionConfiguration> {
    const code = pickCode(input as unknown as FunctionCode);
    const bundle = await this.#bundle(code, record.configuration.Handler);
    if (dryRun) return structuredClone(this.#finish(record.configuration, bundle, code));
    const sdk = await this.#deps.describeSdk(bundle.sdkPackages);
    record.code = code;
    this.#replace(record, this.#finish(record.configuration, bundle, code), bundle, sdk);
    return structuredClone(record.configuration);
  }

  async updateConfiguration(input: UpdateFunctionConfigurationInput): Promise<FunctionConfiguration> {
    const record = this.get(input?.FunctionName);
    return this.#exclusive(record, () => this.#updateConfiguration(record, input));
  }

  async #updateConfiguration(record: FunctionRecord, input: UpdateFunctionConfigurationInput): Promise<FunctionConfiguration> {
    for (const key of Object.keys(input)) {
      if (!FIELDS.has(key) || key === 'Code' || key === 'Tags') {
        throw new InvalidParameterValueException(`Unknown parameter '${key}' in updateFunctionConfiguration input`);
      }
    }
    const current = record.configuration;
    const merged: CreateFunctionInput = {
      FunctionName: record.name,
      Handler: input.Handler ?? current.Handler,
      Code: record.code,
      Runtime: input.Runtime ?? current.Runtime,
      Role: input.Role ?? current.Role,
      Description: input.Description ?? current.Description,
      Timeout: input.Timeout ?? current.Timeout,
      MemorySize: input.MemorySize ?? current.MemorySize,
      EphemeralStorage: input.EphemeralStorage ?? current.EphemeralStorage,
      Environment: input.Environment ?? current.Environment,
      LoggingConfig: input.LoggingConfig ?? current.LoggingConfig,
      Architectures: input.Architectures ?? current.Architectures,
      DeadLetterConfig: input.DeadLetterConfig ?? current.DeadLetterConfig,
      TracingConfig: input.TracingConfig ?? current.TracingConfig,
    };
    const draft = this.#configure(merged, record.name, current);
    const bundle = draft.Handler === current.Handler ? record.bundle : await this.#bundle(record.code, draft.Handler);
    const sdk = bundle === record.bundle ? record.sdk : await this.#deps.describeSdk(bundle.sdkPackages);
    this.#replace(record, this.#finish(draft, bundle, record.code), bundle, sdk);
    return structuredClone(record.configuration);
  }

  /** Retires every environment (simulator shutdown). */
  closeAll(): void {
    for (const r of this.#functions.values()) {
      r.pool.retire('closed');
      for (const v of r.versions.values()) v.pool.retire('closed');
    }
  }

  #replace(record: FunctionRecord, configuration: FunctionConfiguration, bundle: HandlerBundle, sdk: Record<string, SdkShape>): void {
    record.pool.retire();
    record.configuration = configuration;
    record.bundle = bundle;
    record.sdk = sdk;
    record.pool = this.#pool(configuration, bundle, sdk);
  }

  async #bundle(code: FunctionCode, handler: string): Promise<HandlerBundle> {
    if ('Model' in code) return modelBundle(code.Model);
    const major = Number(process.versions.node.split('.')[0]);
    return this.#bundling.add(() => bundleCode(code, handler, {
      ivm: this.#deps.ivm,
      nodeMajor: major,
      hostModules: new Set(this.#deps.hostCalls.hostModules.keys()),
      budget: this.#deps.bundling,
      ...(this.#deps.cwd === undefined ? {} : { cwd: this.#deps.cwd }),
    }));
  }

  #configure(input: CreateFunctionInput, name: string, previous: FunctionConfiguration | undefined): Omit<FunctionConfiguration, 'CodeSize' | 'CodeSha256' | 'RevisionId' | 'LastModified'> {
    const handler = validateHandler(input.Handler);
    const runtime = validateRuntime(input.Runtime, this.#deps.defaultRuntime);
    const hostMajor = Number(process.versions.node.split('.')[0]);
    const declaredMajor = Number(runtime.slice(6, 8));
    if (declaredMajor > hostMajor) {
      this.#deps.onRuntimeWarning(
        `Function ${name} declares ${runtime}, but lambda-sim runs it on the host's Node.js ${process.versions.node} (V8 ${process.versions.v8}): ` +
          `language features newer than Node.js ${hostMajor} are missing in the sandbox. Run lambda-sim on Node.js ${declaredMajor} for full fidelity.`,
        runtime,
      );
    }
    const timeout = validateInteger(input.Timeout, 'timeout', 1, 900, 3);
    const memory = validateInteger(input.MemorySize, 'memorySize', 128, 10240, 128);
    const ephemeral = validateInteger(input.EphemeralStorage?.Size, 'ephemeralStorage.size', 512, 10240, 512);
    const variables = validateVariables(input.Environment);
    const logging = validateLogging(input.LoggingConfig, name);
    const architectures = input.Architectures ?? ['x86_64'];
    if (!Array.isArray(architectures) || architectures.length !== 1 || (architectures[0] !== 'x86_64' && architectures[0] !== 'arm64')) {
      throw new InvalidParameterValueException(`Architectures must be ['x86_64'] or ['arm64'], got ${display(architectures)}`);
    }
    // An empty TargetArn removes the DLQ, as on the Lambda API.
    const given = input.DeadLetterConfig?.TargetArn;
    const dlq = given === '' ? undefined : given;
    if (dlq !== undefined && (typeof dlq !== 'string' || !/^arn:aws[a-zA-Z-]*:(sqs|sns):/.test(dlq))) {
      throw new InvalidParameterValueException(`DeadLetterConfig.TargetArn must be an SQS queue or SNS topic ARN, got '${display(dlq)}'`);
    }
    const mode = input.TracingConfig?.Mode ?? 'PassThrough';
    if (mode !== 'Active' && mode !== 'PassThrough') throw new InvalidParameterValueException(`TracingConfig.Mode must be Active or PassThrough, got '${display(mode)}'`);
    return {
      FunctionName: name,
      FunctionArn: this.arnOf(name),
      Runtime: runtime,
      Role: validateRole(input.Role, previous?.Role ?? `arn:aws:iam::${this.#deps.accountId}:role/lambda-sim-execution-role`),
      Handler: handler,
      Description: validateDescription(input.Description, ''),
      Timeout: timeout,
      MemorySize: memory,
      Version: '$LATEST',
      ...(Object.keys(variables).length > 0 || input.Environment !== undefined ? { Environment: { Variables: variables } } : {}),
      TracingConfig: { Mode: mode },
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: [architectures[0]],
      EphemeralStorage: { Size: ephemeral },
      LoggingConfig: logging,
      ...(dlq !== undefined ? { DeadLetterConfig: { TargetArn: dlq } } : {}),
    };
  }

  #finish(draft: Omit<FunctionConfiguration, 'CodeSize' | 'CodeSha256' | 'RevisionId' | 'LastModified'>, bundle: HandlerBundle, code: FunctionCode): FunctionConfiguration {
    return {
      ...draft,
      CodeSize: bundle.codeSize,
      CodeSha256: createHash('sha256').update('ZipFile' in code ? code.ZipFile : bundle.code).digest('base64'),
      RevisionId: this.#deps.random.uuid(),
      LastModified: new Date(this.#deps.kernel.now()).toISOString().replace('Z', '+0000'),
    };
  }

  #pool(configuration: FunctionConfiguration, bundle: HandlerBundle, sdk: Record<string, SdkShape>, version = '$LATEST'): EnvironmentPool {
    const spec: EnvironmentSpec = {
      functionName: configuration.FunctionName,
      functionArn: this.arnOf(configuration.FunctionName),
      version,
      memoryMB: configuration.MemorySize,
      timeoutMs: configuration.Timeout * 1000,
      ephemeralStorageMB: configuration.EphemeralStorage.Size,
      runtime: configuration.Runtime,
      handler: configuration.Handler,
      logFormat: configuration.LoggingConfig.LogFormat,
      applicationLogLevel: configuration.LoggingConfig.ApplicationLogLevel,
      logGroup: configuration.LoggingConfig.LogGroup,
      variables: configuration.Environment?.Variables ?? {},
      region: this.#deps.region,
      accountId: this.#deps.accountId,
      bundle,
      cpuBudgetMs: this.#deps.cpuBudgetMs,
      initTimeoutMs: 10_000,
      hostCalls: this.#deps.hostCalls,
      sdk,
      initLatencyMs: this.#deps.initLatencyMs,
      measureInit: this.#deps.measureInit,
      hostCallTimeoutMs: this.#deps.hostCallTimeoutMs,
      executor: this.#deps.executor,
      model: bundle.model,
      sandboxes: this.#deps.sandboxes,
      maxLogChars: this.#deps.maxLogChars,
    };
    return new EnvironmentPool(spec, this.#deps.kernel, this.#deps.random.fork(`pool:${configuration.FunctionName}:${version}:${configuration.RevisionId}`), this.#deps.budget, this.#deps.hooks, this.#deps.idleTtlMs);
  }
}

function pickCode(code: FunctionCode | Record<string, unknown>): FunctionCode {
  const c = code as Record<string, unknown>;
  const present = (['Source', 'Path', 'ZipFile', 'Model'] as const).filter((k) => c[k] !== undefined);
  if (present.length === 1 && present[0] === 'Model') return { Model: validateModel(c['Model']) };
  if (present.length !== 1) {
    throw new InvalidParameterValueException(
      `Code must have exactly one of Source (module text), Path (file or directory), ZipFile (zip bytes) or Model (a modelled function); got ${present.length === 0 ? 'none' : present.join(' and ')}` +
        (c['S3Bucket'] !== undefined || c['ImageUri'] !== undefined ? ' (S3Bucket/S3Key and ImageUri are not supported by lambda-sim)' : ''),
    );
  }
  const key = present[0]!;
  return { [key]: c[key] } as FunctionCode;
}

/** `Code.Model`: `{ durationMs: { fixed | uniform | normal | exponential }, failureRate?, initMs? }`. */
function validateModel(m: unknown): ModelSpec {
  const bad = (what: string): never => {
    throw new InvalidParameterValueException(`Code.Model ${what}; expected { durationMs: { fixed: ms } | { uniform: [min, max] } | { normal: { mean, stddev } } | { exponential: { mean } }, failureRate?: 0..1, initMs?: ms }, got ${display(m)}`);
  };
  if (m === null || typeof m !== 'object') return bad('is not an object');
  const model = m as Record<string, unknown>;
  const d = model['durationMs'] as Record<string, unknown> | undefined;
  const n = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  const ok =
    d !== null &&
    typeof d === 'object' &&
    ((Object.keys(d).length === 1 && n(d['fixed'])) ||
      (Array.isArray(d['uniform']) && d['uniform'].length === 2 && n(d['uniform'][0]) && n(d['uniform'][1])) ||
      (d['normal'] !== null && typeof d['normal'] === 'object' && n((d['normal'] as Record<string, unknown>)['mean']) && n((d['normal'] as Record<string, unknown>)['stddev'])) ||
      (d['exponential'] !== null && typeof d['exponential'] === 'object' && n((d['exponential'] as Record<string, unknown>)['mean'])));
  if (!ok) return bad('has no valid durationMs');
  const rate = model['failureRate'];
  if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) return bad('has a failureRate outside 0..1');
  if (model['initMs'] !== undefined && !n(model['initMs'])) return bad('has an initMs that is not ms >= 0');
  return m as ModelSpec;
}
