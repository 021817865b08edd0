/**
 * Typed errors. Every error the simulator throws at a caller is an instance of {@link LambdaSimError}
 * carrying the fields `@aws-sdk/client-lambda`'s own exceptions carry (`name`, `$fault`,
 * `$metadata.httpStatusCode`, and `Reason` for throttles), so code written against the SDK can
 * catch them unchanged.
 *
 * Errors that are not AWS's (the host's setup, the simulator's own limits, the toolkit's findings)
 * extend `Error` and live here too, so every error class has one home.
 *
 * This module is a leaf: every layer may import it; it imports only Node's `util.inspect`.
 */
import { inspect } from 'node:util';

export interface ResponseMetadata {
  httpStatusCode: number;
  requestId?: string;
  attempts: number;
  totalRetryDelay: number;
}

export type Fault = 'client' | 'server';

export abstract class LambdaSimError extends Error {
  /** AWS exception name; also the value of the `x-amzn-errortype` header on the wire. */
  abstract override readonly name: string;
  readonly $fault: Fault;
  readonly $metadata: ResponseMetadata;
  /** The `Type` field of the JSON error body (`User` or `Service`). */
  readonly Type: 'User' | 'Service';

  constructor(message: string, status: number, fault: Fault, requestId?: string) {
    super(message);
    this.$fault = fault;
    this.Type = fault === 'client' ? 'User' : 'Service';
    this.$metadata = { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 };
    if (requestId !== undefined) this.$metadata.requestId = requestId;
  }

  /** The JSON body Lambda sends for this error. */
  toJSON(): Record<string, unknown> {
    return { Type: this.Type, Message: this.message };
  }
}

export class ResourceNotFoundException extends LambdaSimError {
  override readonly name = 'ResourceNotFoundException';
  constructor(message: string) {
    super(message, 404, 'client');
  }
}

export class InvalidParameterValueException extends LambdaSimError {
  override readonly name = 'InvalidParameterValueException';
  constructor(message: string) {
    super(message, 400, 'client');
  }
}

export class InvalidRequestContentException extends LambdaSimError {
  override readonly name = 'InvalidRequestContentException';
  constructor(message: string) {
    super(message, 400, 'client');
  }
}

/**
 * Lambda answers an oversized request with `x-amzn-errortype: RequestEntityTooLargeException`
 * (status 413), a name the SDK does not model, so the SDK surfaces its generic service exception
 * under that name. We throw the same name in-process.
 */
export class RequestEntityTooLargeException extends LambdaSimError {
  override readonly name = 'RequestEntityTooLargeException';
  constructor(message: string) {
    super(message, 413, 'client');
  }
}

/**
 * The HTTP endpoint did not receive a whole request in time (`listen({ headersTimeoutMs,
 * requestTimeoutMs })`): status 408. Lambda's front end answers such clients itself and has no
 * error of its own for it; lambda-sim names it this way so that the answer is typed like every other.
 */
export class RequestTimeoutException extends LambdaSimError {
  override readonly name = 'RequestTimeoutException';
  constructor(message: string) {
    super(message, 408, 'client');
  }
}

export class ResourceConflictException extends LambdaSimError {
  override readonly name = 'ResourceConflictException';
  constructor(message: string) {
    super(message, 409, 'client');
  }
}

export type ThrottleReason =
  | 'ConcurrentInvocationLimitExceeded'
  | 'ReservedFunctionConcurrentInvocationLimitExceeded'
  | 'FunctionInvocationRateLimitExceeded'
  | 'ReservedFunctionInvocationRateLimitExceeded'
  | 'CallerRateLimitExceeded';

export class TooManyRequestsException extends LambdaSimError {
  override readonly name = 'TooManyRequestsException';
  readonly Reason: ThrottleReason;
  readonly retryAfterSeconds?: string;
  constructor(reason: ThrottleReason, message = 'Rate Exceeded.', retryAfterSeconds?: number) {
    super(message, 429, 'client');
    this.Reason = reason;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = String(retryAfterSeconds);
  }
  override toJSON(): Record<string, unknown> {
    return { Reason: this.Reason, Type: this.Type, message: this.message };
  }
}

export class AccessDeniedException extends LambdaSimError {
  override readonly name = 'AccessDeniedException';
  constructor(message: string) {
    super(message, 403, 'client');
  }
}

export class ServiceException extends LambdaSimError {
  override readonly name = 'ServiceException';
  constructor(message: string) {
    super(message, 500, 'server');
  }
}

/**
 * A feature lambda-sim does not simulate yet. Answered as HTTP 501 on the wire; never a silent
 * success or a hang.
 */
export class NotImplementedException extends LambdaSimError {
  override readonly name = 'NotImplementedException';
  constructor(message: string) {
    super(message, 501, 'server');
  }
}

/**
 * The host cannot run the simulator: isolated-vm is missing or the process lacks
 * `--no-node-snapshot`. The message says how to fix it.
 */
export class EnvironmentSetupError extends Error {
  override readonly name = 'EnvironmentSetupError';
  readonly code: 'ISOLATED_VM_MISSING' | 'NO_NODE_SNAPSHOT_REQUIRED' | 'UNSUPPORTED_NODE' | 'SUPERVISOR_MISSING' | 'SUPERVISOR_START_FAILED' | 'SUPERVISOR_UNSUPPORTED';
  constructor(code: EnvironmentSetupError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The simulation was asked to wait for something that can never happen: a result was awaited but
 * no simulated event is scheduled and no real work is in flight, or a drain hit its step limit.
 */
export class SimulationStalledError extends Error {
  override readonly name = 'SimulationStalledError';
}

/** A limit of the host protecting itself (live environments, ...): not an AWS error. */
export class HostLimitExceededError extends LambdaSimError {
  override readonly name = 'HostLimitExceededError';
  constructor(message: string) {
    super(message, 500, 'server');
  }
}

/** A chain of function-to-function invocations longer than Lambda allows (16), stopped. */
export class RecursiveInvocationException extends LambdaSimError {
  override readonly name = 'RecursiveInvocationException';
  constructor(message: string) {
    super(message, 400, 'client');
  }
}

/** A RevisionId that is no longer the resource's current one (optimistic concurrency). */
export class PreconditionFailedException extends LambdaSimError {
  override readonly name = 'PreconditionFailedException';
  constructor(message: string) {
    super(message, 412, 'client');
  }
}

/** No Lambda operation matches the request's method and path: the service answers 404. */
export class UnknownOperationException extends LambdaSimError {
  override readonly name = 'UnknownOperationException';
  constructor(message: string) {
    super(message, 404, 'client');
  }
}

/** A call on a simulator after `close()`. */
export class SimulatorClosedError extends Error {
  override readonly name = 'SimulatorClosedError';
  constructor() {
    super('This LambdaSimulator was closed; create a new one.');
  }
}

/**
 * Thrown by a supervised sandbox's calls when its process died (a host-level crash isolated-vm
 * could not contain): the environment reports `Runtime.ExitError`, as Lambda does when the runtime
 * process exits.
 */
export class SandboxLostError extends Error {
  override readonly name = 'SandboxLostError';
  /** How the process ended, as Lambda words it: `signal: killed`, `signal: aborted`, `exit status 1`. */
  readonly exit: string;
  constructor(exit = 'signal: killed', detail = '') {
    super(`lambda-sim: the sandbox process exited (${exit})${detail === '' ? '' : `: ${detail}`}`);
    this.exit = exit;
  }
}

/** The supervisor's channel to its child process is closed (the child exited or was killed). */
export class ChannelClosed extends Error {
  override readonly name = 'ChannelClosed';
}

/** An option of the simulator that cannot work as given (an AWS route, a host module): says what to change. */
export class LambdaSimConfigurationError extends Error {
  override readonly name = 'LambdaSimConfigurationError';
}

/** An in-memory target (queue, topic, bus) refused a message: the destination or DLQ delivery failed. */
export class TargetSendError extends Error {
  override readonly name = 'TargetSendError';
}

/** A scenario file that does not follow the format: the message names the member and what was expected. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** `expectIdempotent`: delivering each event twice changed the outcome. */
export class NotIdempotentError extends Error {
  override readonly name = 'NotIdempotentError';
  readonly once: unknown;
  readonly twice: unknown;
  readonly events: unknown[];
  constructor(functionName: string, events: unknown[], once: unknown, twice: unknown) {
    super(
      `${functionName} is not idempotent under duplicate delivery: delivering each of ${events.length} event(s) twice changed the outcome.\n` +
        `events: ${inspect(events, { depth: 4, breakLength: 120 })}\n` +
        `state with each event delivered once:  ${inspect(once, { depth: 6, breakLength: 120 })}\n` +
        `state with each event delivered twice: ${inspect(twice, { depth: 6, breakLength: 120 })}`,
    );
    this.once = once;
    this.twice = twice;
    this.events = events;
  }
}

/** `assertInvariants`: the platform's promises a trace broke, with the trace. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  readonly violations: string[];
  constructor(violations: string[], trace: { format(maxLines: number): string }) {
    super(`${violations.length} invariant violation(s):\n${violations.map((v) => `  - ${v}`).join('\n')}\n\ntrace (simulated time since start):\n${trace.format(120)}`);
    this.violations = violations;
  }
}
