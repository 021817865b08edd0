/**
 * The simulator's typed events (eventemitter3). Listeners run synchronously at the simulated
 * instant the event happens; they must not throw.
 */
import type { ThrottleReason } from '../errors.js';
import type { InvocationRecord } from '../runtime/environment.js';
import type { AsyncLifecycleEvent } from '../async/pipeline.js';

export interface SimulatorEvents {
  'invocation:start': [{ requestId: string; functionName: string; time: number; coldStart: boolean; environmentId: string }];
  'invocation:end': [InvocationRecord];
  /** An invocation refused by the concurrency governor (429 TooManyRequestsException). */
  'invocation:throttle': [{ functionName: string; reason: ThrottleReason; time: number }];
  'environment:created': [{ environmentId: string; functionName: string; time: number }];
  'environment:disposed': [{ environmentId: string; functionName: string; time: number; reason: 'retired' | 'reaped' | 'closed' }];
  warning: [{ message: string; time: number }];
  /** Asynchronous invocation: an event was accepted (202) and queued. */
  'async:queued': [AsyncLifecycleEvent];
  /** A delivery attempt started (`attempt`, `age`). */
  'async:delivered': [AsyncLifecycleEvent];
  /** A delivery was throttled; it is tried again at `at` (backoff 1 s … 5 min). */
  'async:throttled': [AsyncLifecycleEvent];
  /** An attempt failed; the retry is due at `at`. */
  'async:retry-scheduled': [AsyncLifecycleEvent];
  'async:succeeded': [AsyncLifecycleEvent];
  /** Failure handling (`condition`): DLQ and on-failure destination follow. */
  'async:failed': [AsyncLifecycleEvent];
  /** Lost without failure handling (`reason`: QueueOverflow, FunctionDeleted). */
  'async:dropped': [AsyncLifecycleEvent];
  'async:dead-lettered': [AsyncLifecycleEvent];
  'async:destination': [AsyncLifecycleEvent];
  /** A duplicate delivery chain of the same event (same request id) entered the queue. */
  'async:duplicated': [AsyncLifecycleEvent];
}
