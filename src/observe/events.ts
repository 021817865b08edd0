/**
 * The simulator's typed events (eventemitter3). Listeners run synchronously at the simulated
 * instant the event happens; they must not throw.
 */
import type { ThrottleReason } from '../errors.js';
import type { InvocationRecord } from '../runtime/environment.js';

export interface SimulatorEvents {
  'invocation:start': [{ requestId: string; functionName: string; time: number; coldStart: boolean; environmentId: string }];
  'invocation:end': [InvocationRecord];
  /** An invocation refused by the concurrency governor (429 TooManyRequestsException). */
  'invocation:throttle': [{ functionName: string; reason: ThrottleReason; time: number }];
  'environment:created': [{ environmentId: string; functionName: string; time: number }];
  'environment:disposed': [{ environmentId: string; functionName: string; time: number; reason: 'retired' | 'reaped' | 'closed' }];
  warning: [{ message: string; time: number }];
}
