/**
 * A workload as plain data (functions with their settings, arrivals, faults, seed): what the
 * arbitraries generate, what a failing property prints, and what `replay` runs again to give the
 * identical trace. Save one with `JSON.stringify(workload)`.
 */
import { LambdaSimulator, type LambdaSimulatorOptions } from '../simulator.js';
import type { FaultPlan } from '../faults.js';
import { recordTrace, type Trace } from './trace.js';

export interface WorkloadFunction {
  name: string;
  /** Handler module source (ESM or CommonJS), `index.handler`. */
  source: string;
  timeout?: number;
  reservation?: number;
  maxRetries?: number;
  maxAgeSeconds?: number;
  /** Give the function a dead-letter queue named `<name>-dlq`. */
  dlq?: boolean;
}

export interface Arrival {
  /** Simulated ms since the start. */
  at: number;
  /** Index into `functions`, or a function name. */
  fn: number | string;
  payload: unknown;
  /** Default 'Event'. */
  type?: 'Event' | 'RequestResponse';
}

export interface Workload {
  seed: number;
  functions: WorkloadFunction[];
  arrivals: Arrival[];
  faults?: FaultPlan;
  /** Other simulator options that JSON can hold (eventQueue, accountConcurrency…). */
  options?: Omit<LambdaSimulatorOptions, 'seed' | 'faults' | 'clock'>;
}

export interface WorkloadRun {
  sim: LambdaSimulator;
  trace: Trace;
  /** Request ids of the arrivals, in order (undefined when the invoke was refused). */
  requestIds: Array<string | undefined>;
  /** Errors of refused invokes (throttles…), by arrival index. */
  refused: Map<number, Error>;
}

/**
 * Runs a workload in virtual time until it settles and returns the simulator (still open: read its
 * queues, metrics and records, then `close()` it) with the trace.
 */
export async function runWorkload(workload: Workload): Promise<WorkloadRun> {
  const sim = new LambdaSimulator({ ...workload.options, seed: workload.seed, ...(workload.faults === undefined ? {} : { faults: workload.faults }) });
  try {
    for (const f of workload.functions) {
      const dlq = f.dlq === true ? sim.createQueue(`${f.name}-dlq`) : undefined;
      await sim.createFunction({
        FunctionName: f.name,
        Handler: 'index.handler',
        Runtime: 'nodejs20.x',
        Code: { Source: f.source },
        ...(f.timeout === undefined ? {} : { Timeout: f.timeout }),
        ...(dlq === undefined ? {} : { DeadLetterConfig: { TargetArn: dlq.arn } }),
      });
      if (f.reservation !== undefined) await sim.putFunctionConcurrency({ FunctionName: f.name, ReservedConcurrentExecutions: f.reservation });
      if (f.maxRetries !== undefined || f.maxAgeSeconds !== undefined) {
        await sim.putFunctionEventInvokeConfig({
          FunctionName: f.name,
          ...(f.maxRetries === undefined ? {} : { MaximumRetryAttempts: f.maxRetries }),
          ...(f.maxAgeSeconds === undefined ? {} : { MaximumEventAgeInSeconds: f.maxAgeSeconds }),
        });
      }
    }
    const trace = recordTrace(sim);
    const start = sim.now();
    const requestIds: Array<string | undefined> = [];
    const refused = new Map<number, Error>();
    const pending: Array<Promise<unknown>> = [];
    const order = workload.arrivals.map((a, i) => ({ a, i })).sort((x, y) => x.a.at - y.a.at || x.i - y.i);
    for (const { a, i } of order) {
      const name = typeof a.fn === 'number' ? workload.functions[a.fn % workload.functions.length]!.name : a.fn;
      sim.schedule(start + a.at, () => {
        const p = sim.invoke({ FunctionName: name, InvocationType: a.type ?? 'Event', Payload: JSON.stringify(a.payload ?? {}) }).then(
          (out) => void (requestIds[i] = out.$metadata.requestId),
          (error: Error) => void refused.set(i, error),
        );
        pending.push(p);
      });
    }
    await sim.settle();
    await Promise.all(pending);
    await sim.settle();
    return { sim, trace, requestIds, refused };
  } catch (error) {
    await sim.close();
    throw error;
  }
}

/** Runs a saved workload again (a JSON string or the object) and returns its trace: identical to the first run's. */
export async function replay(saved: string | Workload): Promise<WorkloadRun> {
  const workload = typeof saved === 'string' ? (JSON.parse(saved) as Workload) : saved;
  return runWorkload(workload);
}
