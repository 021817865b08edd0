/** lambda-sim's public API: everything a user imports comes from here. */
export { LambdaSimulator } from './simulator.js';
export { createRequestHandler } from './wire/request-handler.js';
export type { InProcessRequestHandler } from './wire/request-handler.js';
export type { LambdaEndpoint, ListenOptions } from './wire/server.js';
export type { EventQueueOptions, LambdaSimulatorOptions, WithMetadata } from './simulator.js';
export type { SamplingRule } from './control/trace-sampling.js';
export { MemoryEventBus, MemoryQueue, MemoryTopic, TargetSendError } from './async/targets.js';
export type { BusEvent, MessageAttribute, QueueMessage, TopicMessage } from './async/targets.js';
export type { AsyncAttempt, AsyncEventRecord, AsyncEventState, AsyncLifecycleEvent, DropReason, FailureCondition, TargetDelivery } from './async/pipeline.js';
export type { DestinationConfig, EventInvokeConfigInput, FunctionEventInvokeConfig } from './async/event-config.js';
export type { InvokeInput, InvokeOutput, InvocationType, LogType } from './api/invoke.js';
export { PayloadBlob } from './api/payload.js';
export type {
  CreateFunctionInput,
  FunctionConfiguration,
  UpdateFunctionCodeInput,
  UpdateFunctionConfigurationInput,
} from './control/registry.js';
export type { FunctionCode } from './runtime/bundle.js';
export type { NetworkHandler, NetworkPolicy } from './runtime/host-network.js';
export type { Caller, PermissionInput } from './control/permissions.js';
export type { InvocationRecord, InvocationStatus, Runtime } from './runtime/environment.js';
export type { SimulatorEvents } from './observe/events.js';
export type { DurationStats, FunctionMetrics, MetricsSnapshot } from './observe/metrics.js';
export type { ClockMode } from './kernel/kernel.js';
export { DEFAULT_EPOCH } from './kernel/kernel.js';
export {
  LambdaSimError,
  ResourceNotFoundException,
  InvalidParameterValueException,
  InvalidRequestContentException,
  RequestEntityTooLargeException,
  RequestTimeoutException,
  ResourceConflictException,
  TooManyRequestsException,
  AccessDeniedException,
  ServiceException,
  NotImplementedException,
  PreconditionFailedException,
  RecursiveInvocationException,
  HostLimitExceededError,
  EnvironmentSetupError,
  SimulationStalledError,
  SimulatorClosedError,
  UnknownOperationException,
  LambdaSimConfigurationError,
  ScenarioError,
} from './errors.js';
export type { ResponseMetadata, ThrottleReason } from './errors.js';
