/**
 * `lambda-sim/testing`: property-test Lambda semantics with fast-check. Fault plans as data,
 * arbitraries of workloads, arrival schedules and faults, a recorded trace checked by an
 * independent oracle, `expectIdempotent` for "is my handler safe under duplicate delivery?",
 * model-based commands for `fc.asyncModelRun`, and replay of saved workloads.
 *
 * Needs `fast-check` (a peer dependency). Matchers for vitest: `import 'lambda-sim/testing/vitest'`.
 */
export { recordTrace, Trace, type TraceEvent } from './trace.js';
export { assertInvariants, checkInvariants, InvariantViolation, type InvariantSettings } from './invariants.js';
export { expectIdempotent, NotIdempotentError, type IdempotencyOptions, type IdempotencySubject } from './idempotency.js';
export { replay, runWorkload, type Arrival, type Workload, type WorkloadFunction, type WorkloadRun } from './workload.js';
export { burstyArrivals, constantArrivals, fault, faultPlan, poissonArrivals, workload, type ArrivalOptions, type WorkloadOptions } from './arbitraries.js';
export { lambdaCommands, LambdaModel, type CommandOptions, type LambdaReal } from './model.js';
export { validateFaultPlan, type Fault, type FaultPlan } from '../faults.js';
