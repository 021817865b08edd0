/**
 * The execution contract: what an environment is built from ({@link EnvironmentSpec}), what an
 * invocation asks of it ({@link InvokeRequest}) and what it answers ({@link InvocationRecord}).
 * Shared by the sandboxed environment (environment.ts), the modelled one (model.ts), the pool and
 * every layer above. A leaf of types and limits: it imports types only.
 */
import type { HandlerBundle } from './bundle.js';
import type { SandboxExecutor } from './executor.js';
import type { HostCallRouter } from './host-calls.js';
import type { LogFormat } from './logs.js';
import type { ModelSpec } from './model-spec.js';
import type { SandboxFactory } from './sandbox-contract.js';
import type { SdkShape } from './shim/sdk.js';

export type Runtime = 'nodejs20.x' | 'nodejs22.x' | 'nodejs24.x';

/** Characters of log an invocation keeps (older records beyond it are dropped, with a note). */
export const MAX_LOG_CHARS = 16 * 1024 * 1024;

/** Largest successful response Lambda returns synchronously. */
export const MAX_RESPONSE_BYTES = 6_291_556;

export interface EnvironmentSpec {
  functionName: string;
  /** Unqualified function ARN. */
  functionArn: string;
  version: string;
  memoryMB: number;
  timeoutMs: number;
  ephemeralStorageMB: number;
  runtime: Runtime;
  handler: string;
  logFormat: LogFormat;
  /** JSON log format only: the application log level (records below it are dropped). */
  applicationLogLevel: string | undefined;
  logGroup: string;
  variables: Record<string, string>;
  region: string;
  accountId: string;
  bundle: HandlerBundle;
  /** Real milliseconds of sandbox CPU an invocation (or init) may use before it is stopped as a timeout. */
  cpuBudgetMs: number;
  initTimeoutMs: number;
  /** Who answers the sandbox's calls to host modules and the AWS SDK. */
  hostCalls: HostCallRouter;
  /** Descriptions of the runtime-provided AWS SDK packages the bundle imports. */
  sdk: Record<string, SdkShape>;
  /** Simulated time a cold start spends before the module runs (the platform's part of Init). */
  initLatencyMs: () => number;
  /** Also count the real CPU time of the init code as simulated Init time (not deterministic). */
  measureInit?: boolean;
  /**
   * Real ms a host call's promise may stay pending: virtual time cannot move meanwhile, so a
   * promise that never settles would freeze every function. Past it the call fails.
   */
  hostCallTimeoutMs?: number;
  /** Real clock: run sandbox calls on isolate threads through this bounded executor. */
  executor?: SandboxExecutor | undefined;
  /** A modelled function (`Code: { Model }`): environments without a sandbox (see model.ts). */
  model?: ModelSpec | undefined;
  /** Where the sandboxes live (in this process, or in a supervised child process). */
  sandboxes: SandboxFactory;
  /** Characters of console output an invocation keeps (older records are dropped, with a marker). */
  maxLogChars?: number | undefined;
}

export interface InvokeRequest {
  requestId: string;
  payload: string;
  invokedFunctionArn: string;
  traceId: string;
  clientContext?: unknown;
  identity?: unknown;
  /** Fault injection: the handler does not run, the invocation fails this way. */
  fault?: 'error' | 'timeout' | 'crash' | undefined;
}

export type InvocationStatus = 'success' | 'error' | 'timeout' | 'crash';

export interface InvocationRecord {
  requestId: string;
  functionName: string;
  version: string;
  environmentId: string;
  status: InvocationStatus;
  /** 'Unhandled' when the function failed (the response still has HTTP status 200). */
  functionError: 'Unhandled' | undefined;
  errorType: string | undefined;
  /** Response body (JSON text). */
  payload: string;
  coldStart: boolean;
  startTime: number;
  endTime: number;
  durationMs: number;
  billedDurationMs: number;
  initDurationMs: number | undefined;
  /** Measured from the real isolate (not part of the determinism contract). */
  maxMemoryUsedMB: number;
  /** This invocation's log records (init records of a cold start first). */
  readonly logs: string[];
}
