/**
 * `LambdaSimulator`: the public facade. One simulator is one AWS account in one region, with its
 * own clock, seed, functions and execution environments.
 */
import { EventEmitter } from 'eventemitter3';
import { createHash } from 'node:crypto';
import { availableParallelism, totalmem } from 'node:os';
import { logTail, parseInvokeInput, type InvokeInput, type InvokeOutput, type ParsedInvoke } from './api/invoke.js';
import { AwsSdkRouter } from './control/aws-sdk.js';
import { PayloadBlob } from './api/payload.js';
import { drawLatency, HostRouter, type Latency } from './control/host-router.js';
import { display, validationMessage } from './control/names.js';
import { PolicyStore, type Caller, type PermissionInput } from './control/permissions.js';
import {
  FunctionRegistry,
  type AliasConfiguration,
  type Resolved,
  type CreateFunctionInput,
  type FunctionConfiguration,
  type UpdateFunctionCodeInput,
  type UpdateFunctionConfigurationInput,
} from './control/registry.js';
import {
  HostLimitExceededError,
  InvalidParameterValueException,
  NotImplementedException,
  PreconditionFailedException,
  RecursiveInvocationException,
  RequestEntityTooLargeException,
  ResourceNotFoundException,
  SimulatorClosedError,
  TooManyRequestsException,
  type ResponseMetadata,
  type ThrottleReason,
} from './errors.js';
import { Kernel, type ClockMode } from './kernel/kernel.js';
import type { Random } from './kernel/random.js';
import { TraceSampler } from './control/trace-sampling.js';
import type { SimulatorEvents } from './observe/events.js';
import { MetricsRecorder, type MetricsSnapshot } from './observe/metrics.js';
import { ConcurrencyGovernor } from './scheduler/governor.js';
import { RateLimits } from './scheduler/rate-limits.js';
import type { Deferred } from './kernel/deferred.js';
import type { InvocationRecord, Runtime } from './runtime/environment.js';
import type { HostCallContext } from './runtime/host-calls.js';
import { loadIsolatedVm, type Ivm } from './runtime/isolated-vm.js';
import { EnvironmentBudget, type EnvironmentPool } from './runtime/pool.js';
import { SandboxExecutor } from './runtime/executor.js';
import { InProcessSandboxes, type SandboxFactory, type SandboxStats } from './runtime/sandbox-host.js';
import { SupervisedSandboxes } from './runtime/supervisor/supervised.js';
import { AsyncPipeline, type AsyncEventRecord, type AsyncEventState, type StartResult } from './async/pipeline.js';
import { EventInvokeConfigs, type EventInvokeConfigInput, type FunctionEventInvokeConfig } from './async/event-config.js';
import { MemoryEventBus, MemoryQueue, MemoryTopic, type AnyTarget } from './async/targets.js';
import type { LambdaEndpoint, ListenOptions } from './wire/server.js';
import { COMMAND_NAMES, methodOf, operationOfCommand, type LambdaApi } from './api/operations.js';
import { FaultInjector, type FaultPlan } from './faults.js';
import { checkOptions, type LambdaSimulatorOptions } from './options.js';

export type { EventQueueOptions, LambdaSimulatorOptions } from './options.js';

/** Runtimes newer than the host already warned about on the process (see onRuntimeWarning). */
const warnedRuntimes = new Set<string>();

interface ProvisionedConfig {
  requested: number;
  ready: number;
  failed: number;
  pool: EnvironmentPool;
  lastModified: string;
}

export interface ProvisionedStatus {
  RequestedProvisionedConcurrentExecutions: number;
  AvailableProvisionedConcurrentExecutions: number;
  AllocatedProvisionedConcurrentExecutions: number;
  Status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  StatusReason?: string;
  LastModified: string;
}

function provisionedStatus(c: ProvisionedConfig): ProvisionedStatus {
  const status = c.failed > 0 ? 'FAILED' : c.ready >= c.requested ? 'READY' : 'IN_PROGRESS';
  return {
    RequestedProvisionedConcurrentExecutions: c.requested,
    AvailableProvisionedConcurrentExecutions: c.ready,
    AllocatedProvisionedConcurrentExecutions: c.ready,
    Status: status,
    ...(status === 'FAILED' ? { StatusReason: `${c.failed} environment(s) failed to initialise: the function's init code threw or timed out` } : {}),
    LastModified: c.lastModified,
  };
}

export interface AliasInput {
  FunctionName: string;
  Name: string;
  FunctionVersion?: string;
  Description?: string;
  RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
}

const metadata = (httpStatusCode: number, requestId?: string): ResponseMetadata => ({
  httpStatusCode,
  ...(requestId === undefined ? {} : { requestId }),
  attempts: 1,
  totalRetryDelay: 0,
});

export type WithMetadata<T> = T & { $metadata: ResponseMetadata };

export class LambdaSimulator implements LambdaApi {
  readonly region: string;
  readonly accountId: string;
  readonly seed: number;
  readonly #kernel: Kernel;
  readonly #ivm: Ivm;
  readonly #sandboxes: SandboxFactory;
  readonly #registry: FunctionRegistry;
  readonly #events = new EventEmitter<SimulatorEvents>();
  readonly #ids: Random;
  readonly #traceIds: Random;
  readonly #sampler: TraceSampler;
  readonly #governor: ConcurrencyGovernor;
  readonly #rates: RateLimits;
  readonly #metrics: MetricsRecorder;
  readonly #policies = new PolicyStore();
  /** Provisioned concurrency configs by `name:qualifier`. */
  readonly #provisioned = new Map<string, ProvisionedConfig>();
  readonly #enforce: boolean;
  /** Weighted alias routing draws from here. */
  readonly #routing: Random;
  /** Real clock: runs sandbox calls on isolate threads, bounded by `parallelism`. */
  readonly #executor: SandboxExecutor | undefined;
  readonly #aws: AwsSdkRouter;
  /** Asynchronous invocation: the event queues, retries, DLQs and destinations. */
  readonly #async: AsyncPipeline;
  readonly #eventConfigs = new EventInvokeConfigs();
  /** In-memory queues, topics and buses by ARN. */
  readonly #targets = new Map<string, AnyTarget>();
  /** Functions whose recursion config is 'Allow'. */
  readonly #recursionAllowed = new Set<string>();
  readonly #maxAsyncPayload: number;
  /** Fault injection (lambda-sim/testing): the plan in force. */
  readonly #faults: FaultInjector;
  /** Listeners of `async:*` events (lifecycle events are built only when someone listens). */
  #asyncListeners = 0;
  #closed = false;

  constructor(options: LambdaSimulatorOptions = {}) {
    checkOptions(options);
    this.#ivm = loadIsolatedVm();
    const sandbox = options.sandbox ?? 'in-process';
    this.#sandboxes =
      sandbox === 'in-process'
        ? new InProcessSandboxes(this.#ivm)
        : new SupervisedSandboxes(typeof sandbox === 'string' ? {} : { memoryLimitMB: sandbox.memoryLimitMB });
    this.seed = options.seed ?? 1;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.#kernel = new Kernel({ seed: this.seed, clock: options.clock ?? 'virtual', epoch: options.epoch, timeScale: options.timeScale });
    this.#ids = this.#kernel.random.fork('request-ids');
    this.#routing = this.#kernel.random.fork('alias-routing');
    this.#enforce = options.permissions === 'enforce';
    this.#metrics = new MetricsRecorder(this.#kernel.random.fork('metrics'));
    this.#rates = new RateLimits({
      scaling: options.scalingRate ?? { environments: 1000, perMs: 10_000 },
      requestsPerSecondPerConcurrency: options.requestsPerSecondPerConcurrency ?? 10,
    });
    this.#governor = new ConcurrencyGovernor({ accountLimit: options.accountConcurrency ?? 1000, unreservedMinimum: options.unreservedConcurrencyMinimum ?? 100 });
    this.#traceIds = this.#kernel.random.fork('trace-ids');
    this.#sampler = new TraceSampler(options.xraySampling, this.#kernel.random.fork('xray-sampling'));
    this.#executor = this.#kernel.mode === 'real' ? new SandboxExecutor(options.parallelism ?? Math.max(1, availableParallelism())) : undefined;
    const major = Number(process.versions.node.split('.')[0]);
    const defaultRuntime: Runtime = major >= 24 ? 'nodejs24.x' : major >= 22 ? 'nodejs22.x' : 'nodejs20.x';
    const router = new HostRouter({ modules: options.modules ?? {}, latency: options.hostLatency ?? {}, random: this.#kernel.random.fork('host-latency'), network: options.network ?? 'off' });
    const aws = new AwsSdkRouter(
      options.aws ?? {},
      { invoke: (input, caller, done) => this.#invokeFromFunction(input, caller, done), send: (name, input) => this.send({ input, constructor: { name } }) },
      (route) => router.latencyOf(route),
    );
    router.sdk = aws;
    this.#aws = aws;
    const initModel: Latency = options.initLatency === 'measured' ? 0 : (options.initLatency ?? 0);
    const initRandom = this.#kernel.random.fork('init-latency');
    this.#registry = new FunctionRegistry({
      ivm: this.#ivm,
      kernel: this.#kernel,
      random: this.#kernel.random.fork('registry'),
      budget: new EnvironmentBudget(options.maxEnvironments ?? 1000, options.maxSandboxMemoryMB ?? Math.floor(totalmem() / 1048576 / 2)),
      sandboxes: this.#sandboxes,
      maxLogChars: options.maxLogCharsPerInvocation,
      hooks: {
        created: (env) => this.#emit('environment:created', { environmentId: env.id, functionName: env.spec.functionName, time: this.#kernel.now() }),
        disposed: (env, reason) =>
          this.#emit('environment:disposed', { environmentId: env.id, functionName: env.spec.functionName, time: this.#kernel.now(), reason }),
      },
      region: this.region,
      accountId: this.accountId,
      defaultRuntime,
      cpuBudgetMs: options.cpuTimeBudgetMs ?? 10_000,
      cwd: options.cwd,
      bundling: options.bundling ?? {},
      hostCalls: router,
      initLatencyMs: () => drawLatency(initModel, initRandom),
      measureInit: options.initLatency === 'measured',
      hostCallTimeoutMs: options.hostCallTimeoutMs ?? 30_000,
      executor: this.#executor,
      idleTtlMs: options.idleEnvironmentTtlMs ?? 600_000,
      describeSdk: (packages) => (packages.length === 0 ? Promise.resolve({}) : aws.describe(packages)),
      onRuntimeWarning: (message, runtime) => {
        this.#events.emit('warning', { message, time: this.#kernel.now() });
        // The process hears it once per runtime (a hundred functions are one fact); listeners of
        // 'warning' hear every function.
        if (warnedRuntimes.has(runtime)) return;
        warnedRuntimes.add(runtime);
        process.emitWarning(`${message} (said once per runtime in this process)`, { code: 'LAMBDA_SIM_RUNTIME_NEWER_THAN_HOST' });
      },
    });
    this.#faults = new FaultInjector(this.#kernel.random.fork('faults'), this.#kernel.now());
    if (options.faults !== undefined) this.#faults.add(options.faults);
    const q = options.eventQueue ?? {};
    this.#maxAsyncPayload = q.maxPayloadBytes ?? 1_048_576;
    const metrics = this.#metrics;
    this.#async = new AsyncPipeline({
      kernel: this.#kernel,
      random: this.#kernel.random.fork('async'),
      region: this.region,
      accountId: this.accountId,
      capacity: q.capacity ?? 100_000,
      duplicateProbability: q.duplicateProbability ?? 0,
      retryJitterMs: q.retryJitterMs ?? 0,
      keepEvents: q.keepEvents ?? 100_000,
      functionArn: (name) => this.#registry.arnOf(name),
      reservation: (name) => this.#governor.reservation(name),
      eventConfig: (name, qualifier) => this.#eventConfigs.effective(name, qualifier),
      deadLetterArn: (name, qualifier, executed) => this.#deadLetterArn(name, qualifier, executed),
      start: (chain, onStarted, onEnd) => this.#deliver(chain, onStarted, onEnd),
      target: (arn) => this.#targets.get(arn),
      invokeAsync: (arn, payload, traceId, from) => this.#invokeDestination(arn, payload, traceId, from),
      versionOf: (name, qualifier) => this.#versionOf(name, qualifier),
      emit: (event) => this.#emit(`async:${event.type}`, event),
      listening: () => this.#asyncListeners > 0,
      faults: {
        duplicateDelay: (fn, now) => this.#faults.onAccepted(fn, now),
        pollerHeldUntil: (fn, now) => this.#faults.pollerHeldUntil(fn, now),
        targetFails: (arn, now) => this.#faults.targetFails(arn, now),
      },
      metrics: {
        received: (fn) => metrics.asyncReceived(fn),
        age: (fn, ms) => metrics.asyncAge(fn, ms),
        dropped: (fn) => metrics.asyncDropped(fn),
        deadLetterError: (fn) => metrics.deadLetterError(fn),
        destinationFailure: (fn) => metrics.destinationFailure(fn),
      },
    });
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.#kernel.now();
  }

  get clock(): ClockMode {
    return this.#kernel.mode;
  }

  /**
   * Emits to listeners without letting a throwing listener break the simulation (the invocation's
   * bookkeeping runs around it): the error is reported as a `warning` event and a process warning.
   */
  #emit<E extends keyof SimulatorEvents>(event: E, ...args: SimulatorEvents[E]): void {
    if (this.#events.listenerCount(event) === 0) return;
    this.#kernel.wake();
    try {
      (this.#events.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (error) {
      const message = `A listener of '${String(event)}' threw: ${error instanceof Error ? error.message : String(error)}`;
      process.emitWarning(message, { code: 'LAMBDA_SIM_LISTENER_ERROR' });
      if (event !== 'warning') this.#emit('warning', { message, time: this.#kernel.now() });
    }
  }

  on<E extends keyof SimulatorEvents>(event: E, listener: (...args: SimulatorEvents[E]) => void): this {
    this.#events.on(event, listener as never);
    if (event.startsWith('async:')) this.#asyncListeners++;
    return this;
  }

  off<E extends keyof SimulatorEvents>(event: E, listener: (...args: SimulatorEvents[E]) => void): this {
    if (event.startsWith('async:') && this.#events.listeners(event).includes(listener as never)) this.#asyncListeners--;
    this.#events.off(event, listener as never);
    return this;
  }

  // ---- control plane ----

  async createFunction(input: CreateFunctionInput): Promise<WithMetadata<FunctionConfiguration>> {
    this.#assertOpen();
    if (input === null || typeof input !== 'object') throw new InvalidParameterValueException(`Expected a CreateFunction input object like { FunctionName, Handler, Code, Runtime }, got ${display(input)}`);
    const { Publish, ...rest } = input;
    const configuration = await this.#registry.create(rest as CreateFunctionInput);
    // Publish: true answers with the version it published.
    if (Publish === true) return { ...this.#registry.publishVersion(configuration.FunctionName, undefined), $metadata: metadata(201) };
    return { ...configuration, $metadata: metadata(201) };
  }

  async getFunction(input: { FunctionName: string; Qualifier?: string }): Promise<
    WithMetadata<{ Configuration: FunctionConfiguration; Code: { RepositoryType: string; Location: string }; Tags: Record<string, string> }>
  > {
    this.#assertOpen();
    const { record, target } = this.#registry.resolve(qualified(input), () => 0);
    return {
      Configuration: structuredClone(target.configuration),
      Code: { RepositoryType: 'S3', Location: `lambda-sim://${this.region}/${record.name}/${record.configuration.CodeSha256}` },
      Tags: { ...record.tags },
      $metadata: metadata(200),
    };
  }

  async getFunctionConfiguration(input: { FunctionName: string; Qualifier?: string }): Promise<WithMetadata<FunctionConfiguration>> {
    this.#assertOpen();
    return { ...structuredClone(this.#registry.resolve(qualified(input), () => 0).target.configuration), $metadata: metadata(200) };
  }

  async listFunctions(input: { Marker?: string; MaxItems?: number; FunctionVersion?: 'ALL' } = {}): Promise<WithMetadata<{ Functions: FunctionConfiguration[]; NextMarker?: string }>> {
    this.#assertOpen();
    if (input === null || typeof input !== 'object') throw new InvalidParameterValueException(`Expected an input object like { Marker, MaxItems, FunctionVersion }, got ${display(input)}`);
    checkMarker(input.Marker);
    if (input.FunctionVersion !== undefined) {
      if (input.FunctionVersion !== 'ALL') throw new InvalidParameterValueException(validationMessage(input.FunctionVersion, 'functionVersion', 'Member must satisfy enum value set: [ALL]'));
      // Every version of every function, $LATEST first.
      const { items, next } = page(this.#registry.list().flatMap((r) => this.#registry.listVersions(r.name)), input);
      return { Functions: items, ...(next === undefined ? {} : { NextMarker: next }), $metadata: metadata(200) };
    }
    const max = input.MaxItems ?? 50;
    if (!Number.isInteger(max) || max < 1 || max > 10000) {
      throw new InvalidParameterValueException(validationMessage(max, 'maxItems', 'Member must have value between 1 and 10000'));
    }
    const all = this.#registry.list();
    let start = 0;
    if (input.Marker !== undefined) {
      start = all.findIndex((r) => r.name > String(input.Marker));
      if (start < 0) start = all.length;
    }
    const shown = all.slice(start, start + max);
    const more = start + max < all.length;
    return {
      Functions: shown.map((r) => structuredClone(r.configuration)),
      ...(more ? { NextMarker: shown[shown.length - 1]!.name } : {}),
      $metadata: metadata(200),
    };
  }

  async deleteFunction(input: { FunctionName: string; Qualifier?: string }): Promise<WithMetadata<object>> {
    this.#assertOpen();
    const name = this.#registry.get(qualified(input)).name;
    this.#registry.delete(qualified(input));
    // Deleting one version leaves the function, its reservation, policy and configs.
    if (!this.#registry.has(name)) {
      this.#governor.deleteReservation(name);
      this.#rates.forget(name);
      this.#policies.forget(this.#registry.arnOf(name));
      this.#eventConfigs.forget(name);
      this.#recursionAllowed.delete(name);
    }
    return { $metadata: metadata(204) };
  }

  async updateFunctionCode(input: UpdateFunctionCodeInput & { RevisionId?: string; DryRun?: boolean }): Promise<WithMetadata<FunctionConfiguration>> {
    this.#assertOpen();
    const { RevisionId, DryRun, Publish, ...code } = input ?? ({} as never);
    this.#checkRevision(RevisionId, this.#registry.get(input?.FunctionName).configuration.RevisionId, 'GetFunction');
    // DryRun validates (bundles) the code and answers what the configuration would be; nothing changes.
    const configuration = await this.#registry.updateCode(code as UpdateFunctionCodeInput, DryRun === true);
    if (Publish === true && DryRun !== true) return { ...this.#registry.publishVersion(configuration.FunctionName, undefined), $metadata: metadata(200) };
    return { ...configuration, $metadata: metadata(200) };
  }

  async updateFunctionConfiguration(input: UpdateFunctionConfigurationInput & { RevisionId?: string }): Promise<WithMetadata<FunctionConfiguration>> {
    this.#assertOpen();
    if (input !== null && typeof input === 'object' && 'RevisionId' in input) {
      const { RevisionId, ...rest } = input;
      this.#checkRevision(RevisionId, this.#registry.get(input.FunctionName).configuration.RevisionId, 'GetFunction');
      input = rest;
    }
    return { ...(await this.#registry.updateConfiguration(input)), $metadata: metadata(200) };
  }

  /** Refuses a RevisionId that is not the current one (412), as the API does for optimistic updates. */
  #checkRevision(given: unknown, current: string, what: 'GetFunction' | 'GetAlias' | 'GetPolicy'): void {
    if (given === undefined) return;
    if (given !== current) {
      throw new PreconditionFailedException(`The Revision Id provided does not match the latest Revision Id. Call the ${what} API to retrieve the latest Revision Id`);
    }
  }

  // ---- versions and aliases ----

  /** Publishes `$LATEST` as a new immutable version with its own environments. */
  async publishVersion(input: { FunctionName: string; Description?: string; RevisionId?: string; CodeSha256?: string }): Promise<WithMetadata<FunctionConfiguration>> {
    this.#assertOpen();
    const current = this.#registry.get(input?.FunctionName).configuration;
    this.#checkRevision(input.RevisionId, current.RevisionId, 'GetFunction');
    if (input.CodeSha256 !== undefined && input.CodeSha256 !== current.CodeSha256) {
      throw new InvalidParameterValueException(`CodeSha256 (${display(input.CodeSha256)}) does not match the function's current code (${current.CodeSha256})`);
    }
    return { ...this.#registry.publishVersion(input?.FunctionName, input?.Description), $metadata: metadata(201) };
  }

  async listVersionsByFunction(input: { FunctionName: string; Marker?: string; MaxItems?: number }): Promise<WithMetadata<{ Versions: FunctionConfiguration[]; NextMarker?: string }>> {
    this.#assertOpen();
    const { items, next } = page(this.#registry.listVersions(input?.FunctionName), input);
    return { Versions: items, ...(next === undefined ? {} : { NextMarker: next }), $metadata: metadata(200) };
  }

  /** An alias names a version; `RoutingConfig.AdditionalVersionWeights` sends a share of its invocations to others (seeded). */
  async createAlias(input: AliasInput): Promise<WithMetadata<AliasConfiguration>> {
    this.#assertOpen();
    return { ...this.#registry.putAlias(input?.FunctionName, input, 'create'), $metadata: metadata(201) };
  }

  async updateAlias(input: AliasInput & { RevisionId?: string }): Promise<WithMetadata<AliasConfiguration>> {
    this.#assertOpen();
    if (input?.RevisionId !== undefined) this.#checkRevision(input.RevisionId, this.#registry.alias(input.FunctionName, input.Name).RevisionId, 'GetAlias');
    return { ...this.#registry.putAlias(input?.FunctionName, input, 'update'), $metadata: metadata(200) };
  }

  async getAlias(input: { FunctionName: string; Name: string }): Promise<WithMetadata<AliasConfiguration>> {
    this.#assertOpen();
    return { ...this.#registry.alias(input?.FunctionName, input?.Name), $metadata: metadata(200) };
  }

  async deleteAlias(input: { FunctionName: string; Name: string }): Promise<WithMetadata<object>> {
    this.#assertOpen();
    this.#registry.deleteAlias(input?.FunctionName, input?.Name);
    return { $metadata: metadata(204) };
  }

  async listAliases(input: { FunctionName: string; FunctionVersion?: string; Marker?: string; MaxItems?: number }): Promise<WithMetadata<{ Aliases: AliasConfiguration[]; NextMarker?: string }>> {
    this.#assertOpen();
    const record = this.#registry.get(input?.FunctionName);
    const aliases = [...record.aliases.values()].filter((a) => input.FunctionVersion === undefined || a.FunctionVersion === input.FunctionVersion);
    const { items, next } = page(aliases.map((a) => structuredClone(a)), input);
    return { Aliases: items, ...(next === undefined ? {} : { NextMarker: next }), $metadata: metadata(200) };
  }

  // ---- permissions ----

  /** A statement for the function, or with `Qualifier` for one version or alias (its own policy). */
  async addPermission(input: PermissionInput & { RevisionId?: string }): Promise<WithMetadata<{ Statement: string }>> {
    this.#assertOpen();
    const { record, resource } = this.#policyTarget(input);
    this.#checkRevision(input.RevisionId, record.configuration.RevisionId, 'GetPolicy');
    return { Statement: JSON.stringify(this.#policies.add(record.arn, { ...input, ...(resource === record.arn ? {} : { Qualifier: resource.slice(record.arn.length + 1) }) })), $metadata: metadata(201) };
  }

  async removePermission(input: { FunctionName: string; StatementId: string; Qualifier?: string; RevisionId?: string }): Promise<WithMetadata<object>> {
    this.#assertOpen();
    const { record, resource } = this.#policyTarget(input);
    this.#checkRevision(input.RevisionId, record.configuration.RevisionId, 'GetPolicy');
    this.#policies.remove(record.arn, input.StatementId, resource);
    return { $metadata: metadata(204) };
  }

  async getPolicy(input: { FunctionName: string; Qualifier?: string }): Promise<WithMetadata<{ Policy: string; RevisionId: string }>> {
    this.#assertOpen();
    const { record, resource } = this.#policyTarget(input);
    return { Policy: this.#policies.policy(record.arn, resource), RevisionId: record.configuration.RevisionId, $metadata: metadata(200) };
  }

  /** The function and the resource (unqualified, or `arn:qualifier` of an existing version or alias) a policy call names. */
  #policyTarget(input: { FunctionName: string; Qualifier?: string }): { record: ReturnType<FunctionRegistry['get']>; resource: string } {
    if (input === null || typeof input !== 'object') throw new InvalidParameterValueException(`Expected an input object with FunctionName, got ${display(input)}`);
    const resolved = this.#registry.resolve(qualified(input), () => 0);
    return { record: resolved.record, resource: resolved.invokedArn };
  }

  // ---- provisioned concurrency ----

  /**
   * Initialises environments of a version or alias ahead of demand: their invocations have no cold
   * start (no Init Duration; `AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`); beyond them
   * the function scales on demand ("spillover").
   */
  async putProvisionedConcurrencyConfig(input: { FunctionName: string; Qualifier: string; ProvisionedConcurrentExecutions: number }): Promise<WithMetadata<ProvisionedStatus>> {
    this.#assertOpen();
    const record = this.#registry.get(input?.FunctionName);
    const qualifier = input.Qualifier;
    if (typeof qualifier !== 'string' || qualifier === '' || qualifier === '$LATEST') {
      throw new InvalidParameterValueException('Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    }
    const count = input.ProvisionedConcurrentExecutions;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      throw new InvalidParameterValueException(validationMessage(count, 'provisionedConcurrentExecutions', 'Member must have value greater than or equal to 1'));
    }
    const { target } = this.#registry.resolve(`${record.name}:${qualifier}`, () => 1);
    const key = `${record.name}:${qualifier}`;
    const others = [...this.#provisioned].filter(([k]) => k.startsWith(`${record.name}:`) && k !== key).reduce((n, [, c]) => n + c.requested, 0);
    const reserved = this.#governor.reservation(record.name);
    if (reserved !== undefined && others + count > reserved) {
      throw new InvalidParameterValueException(`Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function ${record.arn}`);
    }
    if (reserved === undefined && others + count > this.#governor.unreservedCapacity - this.#governor.unreservedMinimum) {
      throw new InvalidParameterValueException(
        `Specified ProvisionedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.#governor.unreservedMinimum}].`,
      );
    }
    const config: ProvisionedConfig = { requested: count, ready: 0, failed: 0, pool: target.pool, lastModified: new Date(this.#kernel.now()).toISOString().replace('Z', '+0000') };
    this.#provisioned.get(key)?.pool.provision(0, () => {});
    this.#provisioned.set(key, config);
    try {
      target.pool.provision(count, (_env, ok) => {
        if (ok) config.ready++;
        else config.failed++;
      });
    } catch (e) {
      // The host cannot hold that many environments (maxEnvironments, maxSandboxMemoryMB): all or
      // nothing — the ones already started go, the config is not kept, the caller hears why.
      target.pool.provision(0, () => {});
      this.#provisioned.delete(key);
      throw e;
    }
    return { ...provisionedStatus(config), $metadata: metadata(202) };
  }

  async getProvisionedConcurrencyConfig(input: { FunctionName: string; Qualifier: string }): Promise<WithMetadata<ProvisionedStatus>> {
    this.#assertOpen();
    const record = this.#registry.get(input?.FunctionName);
    const config = this.#provisioned.get(`${record.name}:${checkQualifier(input.Qualifier)}`);
    if (config === undefined) throw new ResourceNotFoundException(`No Provisioned Concurrency Config found for this function: ${record.arn}:${display(input.Qualifier)}`);
    return { ...provisionedStatus(config), $metadata: metadata(200) };
  }

  async deleteProvisionedConcurrencyConfig(input: { FunctionName: string; Qualifier: string }): Promise<WithMetadata<object>> {
    this.#assertOpen();
    const record = this.#registry.get(input?.FunctionName);
    const key = `${record.name}:${checkQualifier(input.Qualifier)}`;
    const config = this.#provisioned.get(key);
    if (config === undefined) throw new ResourceNotFoundException(`No Provisioned Concurrency Config found for this function: ${record.arn}:${display(input.Qualifier)}`);
    config.pool.provision(0, () => {});
    this.#provisioned.delete(key);
    return { $metadata: metadata(204) };
  }

  // ---- asynchronous invocation ----

  /** An in-memory SQS-like queue (a DLQ or destination): `arn`, `messages()`, `failNext(n)`. Same name, same queue. */
  createQueue(name: string): MemoryQueue {
    return this.#createTarget(name, 'sqs', (arn) => new MemoryQueue(arn, name));
  }

  /** An in-memory SNS-like topic (a DLQ or destination): `arn`, `messages()`, `failNext(n)`. */
  createTopic(name: string): MemoryTopic {
    return this.#createTarget(name, 'sns', (arn) => new MemoryTopic(arn, name));
  }

  /** An in-memory EventBridge-like bus (a destination): `arn`, `events()`, `failNext(n)`. */
  createEventBus(name: string): MemoryEventBus {
    return this.#createTarget(name, 'events', (arn) => new MemoryEventBus(arn, name));
  }

  #createTarget<T extends AnyTarget>(name: string, service: 'sqs' | 'sns' | 'events', make: (arn: string) => T): T {
    this.#assertOpen();
    if (typeof name !== 'string' || !(service === 'events' ? /^[a-zA-Z0-9._-]{1,256}$/ : /^[a-zA-Z0-9_-]{1,80}(\.fifo)?$/).test(name) || (service === 'events' && name.endsWith('.fifo'))) {
      throw new InvalidParameterValueException(`Expected a ${service === 'sqs' ? 'queue' : service === 'sns' ? 'topic' : 'event bus'} name of 1-80 characters [a-zA-Z0-9_-], got ${display(name)}`);
    }
    const arn = `arn:aws:${service}:${this.region}:${this.accountId}:${service === 'events' ? 'event-bus/' : ''}${name}`;
    const existing = this.#targets.get(arn);
    if (existing !== undefined) return existing as T;
    const target = make(arn);
    this.#targets.set(arn, target);
    return target;
  }

  /** Retries, maximum event age and destinations for asynchronous invocations (replaces the whole config). */
  async putFunctionEventInvokeConfig(input: EventInvokeConfigInput): Promise<WithMetadata<FunctionEventInvokeConfig>> {
    return this.#putEventConfig(input, 'put');
  }

  /** Changes only the fields given. */
  async updateFunctionEventInvokeConfig(input: EventInvokeConfigInput): Promise<WithMetadata<FunctionEventInvokeConfig>> {
    return this.#putEventConfig(input, 'update');
  }

  async getFunctionEventInvokeConfig(input: { FunctionName: string; Qualifier?: string }): Promise<WithMetadata<FunctionEventInvokeConfig>> {
    this.#assertOpen();
    const { name, qualifier, arn } = this.#qualifierOf(input);
    return { ...this.#eventConfigs.get(name, qualifier, arn), $metadata: metadata(200) };
  }

  async deleteFunctionEventInvokeConfig(input: { FunctionName: string; Qualifier?: string }): Promise<WithMetadata<object>> {
    this.#assertOpen();
    const { name, qualifier, arn } = this.#qualifierOf(input);
    this.#eventConfigs.delete(name, qualifier, arn);
    return { $metadata: metadata(204) };
  }

  async listFunctionEventInvokeConfigs(input: { FunctionName: string; Marker?: string; MaxItems?: number }): Promise<WithMetadata<{ FunctionEventInvokeConfigs: FunctionEventInvokeConfig[]; NextMarker?: string }>> {
    this.#assertOpen();
    const record = this.#registry.get(input?.FunctionName);
    const { items, next } = page(this.#eventConfigs.list(record.name), input, 50);
    return { FunctionEventInvokeConfigs: items, ...(next === undefined ? {} : { NextMarker: next }), $metadata: metadata(200) };
  }

  #putEventConfig(input: EventInvokeConfigInput, mode: 'put' | 'update'): WithMetadata<FunctionEventInvokeConfig> {
    this.#assertOpen();
    const { name, qualifier, arn } = this.#qualifierOf(input);
    return { ...this.#eventConfigs.put(name, qualifier, arn, input, this.#kernel.now(), mode), $metadata: metadata(200) };
  }

  /** The function and qualifier an event-invoke config call names (`$LATEST` by default); it must exist. */
  #qualifierOf(input: { FunctionName: string; Qualifier?: string }): { name: string; qualifier: string; arn: string } {
    if (input === null || typeof input !== 'object') throw new InvalidParameterValueException(`Expected an input object with FunctionName, got ${display(input)}`);
    const resolved = this.#registry.resolve(qualified(input), () => 0);
    const { qualifier } = targetOf(resolved);
    return { name: resolved.record.name, qualifier, arn: `${resolved.record.arn}:${qualifier}` };
  }

  /** 'Terminate' (default) stops a chain of more than 16 function-to-function invocations; 'Allow' lets it run. */
  async putFunctionRecursionConfig(input: { FunctionName: string; RecursiveLoop: 'Allow' | 'Terminate' }): Promise<WithMetadata<{ RecursiveLoop: 'Allow' | 'Terminate' }>> {
    this.#assertOpen();
    const record = this.#registry.get(input?.FunctionName);
    const value = input.RecursiveLoop;
    if (value !== 'Allow' && value !== 'Terminate') {
      throw new InvalidParameterValueException(validationMessage(value, 'recursiveLoop', 'Member must satisfy enum value set: [Allow, Terminate]'));
    }
    if (value === 'Allow') this.#recursionAllowed.add(record.name);
    else this.#recursionAllowed.delete(record.name);
    return { RecursiveLoop: value, $metadata: metadata(200) };
  }

  async getFunctionRecursionConfig(input: { FunctionName: string }): Promise<WithMetadata<{ RecursiveLoop: 'Allow' | 'Terminate' }>> {
    this.#assertOpen();
    const record = this.#registry.get(input?.FunctionName);
    return { RecursiveLoop: this.#recursionAllowed.has(record.name) ? 'Allow' : 'Terminate', $metadata: metadata(200) };
  }

  /**
   * Adds faults to inject (lambda-sim/testing builds and generates plans): invocations that fail,
   * time out or crash without running the handler, throttle windows, duplicate deliveries, a held
   * poller, refusing DLQ and destination targets. Plain data; times are ms since the simulator was
   * created (or since now, with `relativeTo: 'now'`); `invocation` / `event` count from the
   * simulator's start; each fault's `fraction` draws from its own seeded stream, so a plan replays
   * exactly and shrinking one fault leaves the others alone.
   */
  injectFaults(plan: FaultPlan, options: { relativeTo?: 'start' | 'now' } = {}): void {
    this.#assertOpen();
    // Windows count from the simulator's creation, or with `relativeTo: 'now'` from this instant.
    this.#faults.add(plan, options.relativeTo === 'now' ? this.#kernel.now() - this.#faults.start : 0);
  }

  /** The fault plan in force (a copy, JSON-serialisable). */
  faultPlan(): FaultPlan {
    return this.#faults.plan();
  }

  /**
   * Every asynchronous event's delivery chains (the original and any duplicates) with their
   * attempts and terminal state: those still pending, and the most recent `eventQueue.keepEvents`
   * that ended. Ordered by acceptance time.
   */
  asyncEvents(filter: { functionName?: string; state?: AsyncEventState; requestId?: string } = {}): AsyncEventRecord[] {
    const states = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'dropped'];
    if (filter === null || typeof filter !== 'object') throw new TypeError(`Expected a filter object like { functionName, state, requestId }, got \`${display(filter)}\``);
    if (filter.state !== undefined && !states.includes(filter.state)) {
      throw new TypeError(`Expected \`state\` to be one of ${states.join(', ')}, got \`${display(filter.state)}\``);
    }
    return this.#async.events(filter);
  }

  /**
   * Fault injection: delivers an accepted event once more (a new chain, same request id and
   * payload), as Lambda's at-least-once delivery may, after `delayMs` of simulated time.
   */
  duplicateEvent(requestId: string, delayMs = 0): void {
    this.#assertOpen();
    if (!(typeof delayMs === 'number' && Number.isFinite(delayMs) && delayMs >= 0)) throw new TypeError(`Expected \`delayMs\` to be milliseconds >= 0, got \`${display(delayMs)}\``);
    if (!this.#async.duplicate(String(requestId), delayMs)) {
      throw new ResourceNotFoundException(`No asynchronous event with request id ${display(requestId)} is known (or it is no longer kept: see eventQueue.keepEvents)`);
    }
  }

  // ---- concurrency ----

  /** Reserves concurrency for a function (0 throttles every invocation). */
  async putFunctionConcurrency(input: { FunctionName: string; ReservedConcurrentExecutions: number }): Promise<WithMetadata<{ ReservedConcurrentExecutions: number }>> {
    this.#assertOpen();
    const record = this.#registry.get(input?.FunctionName);
    const value = input.ReservedConcurrentExecutions;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new InvalidParameterValueException(
        validationMessage(value, 'reservedConcurrentExecutions', 'Member must have value greater than or equal to 0'),
      );
    }
    this.#governor.setReservation(record.name, value);
    return { ReservedConcurrentExecutions: value, $metadata: metadata(200) };
  }

  async getFunctionConcurrency(input: { FunctionName: string }): Promise<WithMetadata<{ ReservedConcurrentExecutions?: number }>> {
    this.#assertOpen();
    const reserved = this.#governor.reservation(this.#registry.get(input?.FunctionName).name);
    return { ...(reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved }), $metadata: metadata(200) };
  }

  async deleteFunctionConcurrency(input: { FunctionName: string }): Promise<WithMetadata<object>> {
    this.#assertOpen();
    this.#governor.deleteReservation(this.#registry.get(input?.FunctionName).name);
    return { $metadata: metadata(204) };
  }

  async getAccountSettings(): Promise<
    WithMetadata<{
      AccountLimit: { TotalCodeSize: number; CodeSizeUnzipped: number; CodeSizeZipped: number; ConcurrentExecutions: number; UnreservedConcurrentExecutions: number };
      AccountUsage: { TotalCodeSize: number; FunctionCount: number };
    }>
  > {
    this.#assertOpen();
    const functions = this.#registry.list();
    return {
      AccountLimit: {
        TotalCodeSize: 80_530_636_800,
        CodeSizeUnzipped: 262_144_000,
        CodeSizeZipped: 52_428_800,
        ConcurrentExecutions: this.#governor.accountLimit,
        UnreservedConcurrentExecutions: this.#governor.unreservedCapacity,
      },
      AccountUsage: { TotalCodeSize: functions.reduce((n, r) => n + r.configuration.CodeSize, 0), FunctionCount: functions.length },
      $metadata: metadata(200),
    };
  }

  // ---- data plane ----

  /**
   * Invokes a function and returns what `@aws-sdk/client-lambda`'s InvokeCommand would: StatusCode
   * 200 with `FunctionError: 'Unhandled'` when the function failed; typed exceptions when it could
   * not run. In virtual time the simulation runs while this call waits for its own result.
   */
  async invoke(input: InvokeInput, options: { caller?: Caller | string } = {}): Promise<InvokeOutput> {
    this.#assertOpen();
    const request = this.#accept(input, () =>
      typeof options.caller === 'string' ? { principal: options.caller } : (options.caller ?? { principal: `arn:aws:iam::${this.accountId}:root`, allowedByIdentityPolicy: true }),
    );
    if ('answer' in request) return request.answer;
    const done = this.#start(request.resolved, request.parsed, request.traceId);
    const result = await this.#kernel.wait(done);
    return toOutput(result, request.parsed.logType === 'Tail');
  }

  /**
   * What every Invoke goes through before it runs, whoever sends it: input validation, name and
   * qualifier resolution, the permission check (when enforced), recursion detection, DryRun
   * (answered here: nothing runs) and Event (queued here, answered 202). `parentTrace` is the
   * calling function's trace header when a handler invokes.
   */
  #accept(input: InvokeInput, caller: () => Caller, parentTrace?: { caller: HostCallContext }): { parsed: ParsedInvoke; resolved: Resolved; traceId: string } | { answer: InvokeOutput } {
    const parsed = parseInvokeInput(input);
    const resolved = this.#registry.resolve(qualified({ FunctionName: parsed.functionName, Qualifier: parsed.qualifier }), () => this.#routing.next());
    if (this.#enforce) this.#policies.check(resolved.record.arn, resolved.invokedArn, caller());
    if (parsed.invocationType === 'DryRun') return { answer: { StatusCode: 204, $metadata: metadata(204, this.#ids.uuid()) } };
    const traceId = parentTrace === undefined ? this.#rootTrace(resolved) : childTrace(parentTrace.caller, this.#traceIds.hex(16));
    if (parsed.invocationType === 'Event') {
      const queued = this.#queueEvent(resolved, parsed.payload, traceId);
      if ('tooLarge' in queued) throw new RequestEntityTooLargeException(queued.tooLarge);
      return { answer: { StatusCode: 202, Payload: PayloadBlob.fromString(''), $metadata: metadata(202, queued.requestId) } };
    }
    if (this.#recursionStopped(resolved, traceId)) {
      throw new RecursiveInvocationException(
        `Lambda stopped ${resolved.record.arn} because it was invoked as part of a recursive loop of more than ${MAX_RECURSION_DEPTH} function-to-function invocations. Set its recursion config to Allow (putFunctionRecursionConfig) if the loop is intended.`,
      );
    }
    return { parsed, resolved, traceId };
  }

  /**
   * An Invoke sent by a handler through the runtime-provided SDK: runs in this simulation, started
   * from a kernel event and answered through `done` from the event that ends it (no host promise
   * in between, so simulated time stays ordered). The callee's trace header carries the caller's
   * lineage (recursion detection comes with the async queue). The handler calls with its execution
   * role, whose identity policy lambda-sim does not model.
   */
  #invokeFromFunction(input: Record<string, unknown>, caller: HostCallContext, done: (ok: boolean, value: unknown) => void): void {
    try {
      const request = this.#accept(
        input as unknown as InvokeInput,
        () => ({
          principal: this.#registry.get(caller.functionName).configuration.Role,
          sourceArn: caller.functionArn,
          sourceAccount: this.accountId,
        }),
        { caller },
      );
      if ('answer' in request) {
        done(true, request.answer);
        return;
      }
      const { parsed, resolved, traceId } = request;
      this.#start(resolved, parsed, traceId, (result) => done(true, toOutput(result, parsed.logType === 'Tail')));
    } catch (error) {
      done(false, error);
    }
  }

  #start(resolved: Resolved, parsed: ParsedInvoke, traceId: string, onEnd?: (record: InvocationRecord) => void): Deferred<InvocationRecord> {
    const started = this.#launch(resolved, parsed.payload, parsed.clientContext, this.#ids.uuid(), traceId, 1, undefined, onEnd);
    if (started instanceof HostLimitExceededError) throw started;
    if (typeof started === 'string') throw new TooManyRequestsException(started);
    return started;
  }

  /**
   * Starts one invocation if admission allows: returns its deferred record, or the throttle Reason,
   * or the host-limit error when no environment can be had. `onStarted` runs once it is admitted,
   * before the handler does.
   */
  #launch(
    resolved: Resolved,
    payload: string,
    clientContext: unknown,
    requestId: string,
    traceId: string,
    attempt: number,
    onStarted: ((environmentId: string, executedVersion: string) => void) | undefined,
    onEnd: ((record: InvocationRecord) => void) | undefined,
  ): Deferred<InvocationRecord> | ThrottleReason | HostLimitExceededError {
    const { record, target, invokedArn } = resolved;
    const name = record.name;
    const pool = target.pool;
    const provisionedEnv = pool.acquireProvisioned();
    const reason = this.#admit(name, provisionedEnv === undefined && pool.idleCount === 0);
    if (reason !== undefined) {
      if (provisionedEnv !== undefined) pool.release(provisionedEnv);
      this.#metrics.throttled(name);
      this.#emit('invocation:throttle', { functionName: name, reason, time: this.#kernel.now() });
      return reason;
    }
    // Whether it counts against the unreserved pool is fixed at admission (reservations can change while it runs).
    const reserved = this.#governor.reservation(name) !== undefined;
    let env = provisionedEnv;
    try {
      env ??= pool.acquire();
    } catch (error) {
      this.#governor.release(name);
      this.#async.capacityFreed();
      if (error instanceof HostLimitExceededError) return error;
      throw error;
    }
    this.#metrics.started(name, !env.initialized, reserved, pool.provisionedCount === 0 ? undefined : provisionedEnv !== undefined);
    if (this.#events.listenerCount('invocation:start') > 0) {
      this.#emit('invocation:start', { requestId, functionName: record.name, time: this.#kernel.now(), coldStart: !env.initialized, environmentId: env.id });
    }
    onStarted?.(env.id, target.version);
    const fault = this.#faults.onInvocation(name, attempt, this.#kernel.now());
    return env.invoke(
      {
        requestId,
        payload,
        invokedFunctionArn: invokedArn,
        traceId,
        ...(fault === undefined ? {} : { fault }),
        ...(clientContext === undefined ? {} : { clientContext }),
      },
      (result) => {
        pool.release(env);
        this.#governor.release(name);
        this.#metrics.ended(name, result.functionError !== undefined, result.durationMs, reserved);
        this.#emit('invocation:end', result);
        onEnd?.(result);
        this.#async.capacityFreed();
      },
    );
  }

  /** One delivery of an asynchronous event (the pipeline's poller calls this). */
  #deliver(
    chain: { functionName: string; qualifier: string; target: string; owner: object; payload: string; requestId: string; traceId: string; attempts: readonly unknown[] },
    onStarted: (environmentId: string, executedVersion: string) => void,
    onEnd: (record: InvocationRecord) => void,
  ): StartResult {
    let resolved: Resolved;
    try {
      resolved = this.#registry.resolve(chain.target, () => this.#routing.next());
    } catch {
      return { kind: 'gone' };
    }
    // A function deleted and created again under the same name is another function.
    if (resolved.record !== chain.owner) return { kind: 'gone' };
    const started = this.#launch(resolved, chain.payload, undefined, chain.requestId, chain.traceId, chain.attempts.length + 1, onStarted, onEnd);
    if (started instanceof HostLimitExceededError) return { kind: 'throttled', reason: 'HostLimitExceeded' };
    if (typeof started === 'string') return { kind: 'throttled', reason: started };
    return { kind: 'started' };
  }

  /** The DLQ of the version that ran, else of the version the qualifier names now. */
  #deadLetterArn(name: string, qualifier: string, executedVersion: string | undefined): string | undefined {
    try {
      const record = this.#registry.get(name);
      const version = executedVersion ?? qualifier;
      const configuration = version === '$LATEST' ? record.configuration : (record.versions.get(version)?.configuration ?? this.#registry.resolve(`${name}:${qualifier}`, () => 0).target.configuration);
      return configuration.DeadLetterConfig?.TargetArn;
    } catch {
      return undefined;
    }
  }

  /**
   * A Lambda destination: the record is invoked asynchronously on the target function, one hop
   * further in the event's lineage (so a function that is its own destination is a recursive loop
   * Lambda stops). Returns why it could not be accepted, if so.
   */
  #invokeDestination(functionArn: string, payload: string, traceId: string, from: string): string | undefined {
    let resolved: Resolved;
    try {
      resolved = this.#registry.resolve(functionArn, () => this.#routing.next());
    } catch {
      return `function ${functionArn} does not exist`;
    }
    const queued = this.#queueEvent(resolved, payload, childTrace({ traceId, functionArn: from }, this.#traceIds.hex(16)));
    return 'tooLarge' in queued ? queued.tooLarge : undefined;
  }

  /**
   * Accepts an asynchronous event into the queue (an Invoke with InvocationType Event, or a Lambda
   * destination): its request id, or why its payload is too large.
   */
  #queueEvent(resolved: Resolved, payload: string, traceId: string): { requestId: string } | { tooLarge: string } {
    const bytes = Buffer.byteLength(payload);
    if (bytes > this.#maxAsyncPayload) return { tooLarge: `${bytes} byte payload is too large for the Event invocation type (limit ${this.#maxAsyncPayload} bytes)` };
    const requestId = this.#ids.uuid();
    const { qualifier, target } = targetOf(resolved);
    this.#async.accept(resolved.record.name, qualifier, target, resolved.record, payload, requestId, traceId, this.#recursionStopped(resolved, traceId));
    return { requestId };
  }

  /** A chain of function-to-function invocations past 16 hops, unless the function allows loops. */
  #recursionStopped(resolved: Resolved, traceId: string): boolean {
    return lineageOf(traceId) > MAX_RECURSION_DEPTH && !this.#recursionAllowed.has(resolved.record.name);
  }

  /** The version an alias names (its primary one), or the qualifier itself. */
  #versionOf(name: string, qualifier: string): string {
    if (qualifier === '$LATEST' || /^\d+$/.test(qualifier)) return qualifier;
    try {
      return this.#registry.get(name).aliases.get(qualifier)?.FunctionVersion ?? '$LATEST';
    } catch {
      return '$LATEST';
    }
  }

  /**
   * Admission of one invocation, in this order: concurrency (the governor), request rate, then
   * scaling rate when it needs a new environment. Returns the throttle Reason, or undefined once
   * the invocation holds its unit of concurrency.
   */
  #admit(name: string, needsNewEnvironment: boolean): ThrottleReason | undefined {
    if (!this.#faults.empty) {
      const injected = this.#faults.throttle(name, this.#kernel.now());
      if (injected !== undefined) return injected;
    }
    const reason = this.#governor.tryAcquire(name);
    if (reason !== undefined) return reason;
    const now = this.#kernel.now();
    const reserved = this.#governor.reservation(name);
    let refused: ThrottleReason | undefined;
    if (!this.#rates.tryRequest(name, now, reserved ?? this.#governor.unreservedCapacity)) {
      refused = reserved === undefined ? 'FunctionInvocationRateLimitExceeded' : 'ReservedFunctionInvocationRateLimitExceeded';
    } else if (needsNewEnvironment && !this.#rates.tryScale(name, now)) {
      // AWS does not document the Reason of a scaling-rate throttle: lambda-sim reports it as a
      // concurrency limit (README, "Choices where AWS is silent").
      refused = 'ConcurrentInvocationLimitExceeded';
      this.#rates.returnRequest(name);
    }
    if (refused !== undefined) this.#governor.release(name);
    return refused;
  }

  /** Accepts real `@aws-sdk/client-lambda` command objects (`new InvokeCommand({...})`). */
  async send(command: { input?: unknown; constructor: { name: string } }): Promise<unknown> {
    const operation = operationOfCommand(command?.constructor?.name);
    if (operation === undefined) {
      const name: unknown = command?.constructor?.name;
      throw new NotImplementedException(`lambda-sim does not implement ${typeof name === 'string' ? name : display(command)} yet; supported commands: ${COMMAND_NAMES.join(', ')}`);
    }
    const call = this[methodOf(operation)] as (input: unknown) => Promise<unknown>;
    return call.call(this, command.input ?? {});
  }


  /** Metrics under CloudWatch's names, from everything this simulator ran (see observe/metrics.ts). */
  metrics(): MetricsSnapshot {
    return this.#metrics.snapshot();
  }

  /**
   * Real clock: how sandbox calls use isolate threads (`parallelism` at most; `peak` is the most
   * that ever ran at once). Undefined with the virtual clock, where calls run one at a time.
   */
  sandboxThreads(): { parallelism: number; running: number; waiting: number; peak: number } | undefined {
    const e = this.#executor;
    return e === undefined ? undefined : { parallelism: e.parallelism, running: e.running, waiting: e.waiting, peak: e.peak };
  }

  /**
   * Sandboxes of this simulator's environments: isolates created, disposed of (or dead), alive now
   * (`created === disposed + live` always), and in supervised mode how often the child process
   * was started again after it died.
   */
  sandboxStats(): SandboxStats & { mode: 'in-process' | 'supervised' } {
    return { mode: this.#sandboxes.mode, ...this.#sandboxes.stats() };
  }

  // ---- time ----

  /**
   * Serves the Lambda REST API over HTTP (loopback by default) for any Lambda client: the AWS CLI
   * with `--endpoint-url`, boto3, the SDK with `endpoint`. Resolves once listening.
   */
  listen(options: ListenOptions = {}): Promise<LambdaEndpoint> {
    this.#assertOpen();
    // The server (node:http, sockets) loads on first use: most simulators never listen.
    return import('./wire/server.js').then((server) => server.listen(this, options));
  }

  /**
   * Runs `fn` inside the simulation at simulated time `at` (epoch ms; a past time means now), as
   * an event of the clock: for traffic generators that start invocations at given instants without
   * awaiting between them (`sim.invoke` there returns at once; Event invokes are queued). An
   * exception from `fn` becomes a `warning` event. Returns a handle to cancel it.
   */
  schedule(at: number, fn: () => unknown): { cancel(): void } {
    this.#assertOpen();
    if (typeof at !== 'number' || !Number.isFinite(at)) throw new TypeError(`Expected \`at\` to be simulated epoch milliseconds (a finite number), got \`${display(at)}\``);
    if (typeof fn !== 'function') throw new TypeError(`Expected \`fn\` to be a function, got \`${display(fn)}\``);
    const report = (error: unknown): void => {
      const message = `A sim.schedule() callback threw: ${error instanceof Error ? error.message : String(error)}`;
      process.emitWarning(message, { code: 'LAMBDA_SIM_CALLBACK_ERROR' });
      this.#emit('warning', { message, time: this.#kernel.now() });
    };
    const event = this.#kernel.schedule(at, 'sim.schedule', () => {
      this.#kernel.wake();
      try {
        const result = fn() as unknown;
        // `() => sim.invoke(...)` returns a promise: a rejection (a throttle…) is reported, not left unhandled.
        if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(undefined, report);
      } catch (error) {
        report(error);
      }
    });
    return { cancel: () => this.#kernel.cancel(event) };
  }

  /** Runs the simulation until nothing is left to do (see Kernel.settle). */
  settle(limits: { maxEvents?: number } = {}): Promise<void> {
    this.#assertOpen();
    return this.#kernel.settle(limits);
  }

  /** Runs everything due in the next `ms` of simulated time. */
  advance(ms: number): Promise<void> {
    this.#assertOpen();
    return this.#kernel.advance(ms);
  }

  /** Disposes of every execution environment; pending waits fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#async.close();
    this.#registry.closeAll();
    this.#sandboxes.close();
    this.#aws.close();
    this.#kernel.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new SimulatorClosedError();
  }

  /** A new trace for an invocation no function started: sampled as X-Ray would, when tracing is Active. */
  #rootTrace(resolved: Resolved): string {
    const now = this.#kernel.now();
    const sampled = resolved.target.configuration.TracingConfig.Mode === 'Active' && this.#sampler.sample(resolved.record.arn, now);
    return traceHeader(now, this.#traceIds.hex(40), sampled);
  }
}

/** The trace header of a function invoked by another: same root and sampling decision, new parent, lineage + 1. */
function childTrace(caller: { traceId: string | undefined; functionArn: string }, parentHex: string): string {
  const parent = caller.traceId ?? '';
  const root = /Root=([^;]+)/.exec(parent)?.[1] ?? '1-00000000-000000000000000000000000';
  const sampled = /Sampled=1/.test(parent) ? 1 : 0;
  const lineage = /Lineage=([0-9a-f]+):(\d+)/.exec(parent);
  const count = lineage === null ? 1 : Number(lineage[2]) + 1;
  const hash = createHash('sha256').update(caller.functionArn).digest('hex').slice(0, 8);
  return `Root=${root};Parent=${parentHex};Sampled=${sampled};Lineage=${hash}:${count}`;
}

/** The qualifier an invoke named ('$LATEST' when none) and what to resolve again at delivery. */
function targetOf(resolved: Resolved): { qualifier: string; target: string } {
  const { record, invokedArn } = resolved;
  if (invokedArn === record.arn) return { qualifier: '$LATEST', target: record.name };
  const qualifier = invokedArn.slice(record.arn.length + 1);
  return { qualifier, target: `${record.name}:${qualifier}` };
}

/** Function-to-function invocations one event may start before Lambda stops the loop. */
const MAX_RECURSION_DEPTH = 16;

/** How many function-to-function hops a trace header has seen (its Lineage count). */
function lineageOf(traceId: string): number {
  const m = /Lineage=[0-9a-f]+:(\d+)/.exec(traceId);
  return m === null ? 0 : Number(m[1]);
}

function traceHeader(now: number, hex: string, sampled: boolean): string {
  return `Root=1-${Math.floor(now / 1000).toString(16).padStart(8, '0')}-${hex.slice(0, 24)};Parent=${hex.slice(24)};Sampled=${sampled ? 1 : 0}`;
}

/** One page of a listing: `Marker` is the index to start at (the `NextMarker` of the previous page). */
function page<T>(all: T[], input: { Marker?: string; MaxItems?: number }, limit = 10000): { items: T[]; next: string | undefined } {
  const max = input.MaxItems ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > limit) throw new InvalidParameterValueException(validationMessage(input.MaxItems, 'maxItems', `Member must have value between 1 and ${limit}`));
  const start = checkMarker(input.Marker) === undefined ? 0 : Number(input.Marker);
  if (!Number.isInteger(start) || start < 0) throw new InvalidParameterValueException(`Invalid Marker ${display(input.Marker)}: pass the NextMarker of the previous page`);
  const items = all.slice(start, start + max);
  return { items, next: start + max < all.length ? String(start + max) : undefined };
}

/** A Qualifier as the API takes it (a version, an alias or $LATEST): refused before it is put into a string. */
function checkQualifier(value: unknown): string {
  if (typeof value !== 'string' || !/^[a-zA-Z0-9$_-]{1,128}$/.test(value)) {
    throw new InvalidParameterValueException(validationMessage(value, 'qualifier', 'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)'));
  }
  return value;
}

/** A listing's Marker: the previous page's NextMarker, a string. */
function checkMarker(value: unknown): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw new InvalidParameterValueException(`Invalid Marker ${display(value)}: pass the NextMarker of the previous page`);
  return value;
}

function qualified(input: { FunctionName: string; Qualifier?: string | undefined }): string {
  if (input === null || typeof input !== 'object') throw new InvalidParameterValueException(`Expected an input object with FunctionName, got ${display(input)}`);
  const name = input.FunctionName;
  if (input.Qualifier === undefined || typeof name !== 'string') return name;
  checkQualifier(input.Qualifier);
  const m = /:(\$LATEST|[a-zA-Z0-9-_]+)$/.exec(name);
  const suffix = m !== null && (name.startsWith('arn:') ? name.split(':').length === 8 : name.split(':').length === 2) ? m[1] : undefined;
  if (suffix !== undefined && suffix !== input.Qualifier) {
    throw new InvalidParameterValueException('The derived qualifier from the function name does not match the specified qualifier.');
  }
  return suffix !== undefined ? name : `${name}:${input.Qualifier}`;
}

function toOutput(record: InvocationRecord, tail: boolean): InvokeOutput {
  return {
    StatusCode: 200,
    ...(record.functionError === undefined ? {} : { FunctionError: record.functionError }),
    ...(tail ? { LogResult: logTail(record.logs) } : {}),
    ExecutedVersion: record.version,
    Payload: PayloadBlob.fromString(record.payload),
    $metadata: metadata(200, record.requestId),
  };
}
