/**
 * The simulator's typed events (eventemitter3). Listeners run synchronously at the simulated
 * instant the event happens; they must not throw.
 */
import type { InvocationRecord } from '../runtime/environment.js';

export interface SimulatorEvents {
  'invocation:start': [{ requestId: string; functionName: string; time: number; coldStart: boolean; environmentId: string }];
  'invocation:end': [InvocationRecord];
  'environment:created': [{ environmentId: string; functionName: string; time: number }];
  'environment:disposed': [{ environmentId: string; functionName: string; time: number; reason: 'retired' | 'reaped' | 'closed' }];
  warning: [{ message: string; time: number }];
}
