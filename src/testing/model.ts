/**
 * Model-based testing with `fc.asyncModelRun`: commands that drive a simulator (sync and async
 * invokes, time, reservations, faults) and check Lambda's invariants against the trace after each
 * step. Extend {@link LambdaModel} (or wrap the commands) to assert your own system's invariants.
 *
 * ```ts
 * await fc.assert(fc.asyncProperty(fc.commands(lambdaCommands(['orders'])), async (cmds) => {
 *   const sim = new LambdaSimulator({ seed: 1 });
 *   await sim.createFunction({ FunctionName: 'orders', ... });
 *   const real = { sim, trace: recordTrace(sim) };
 *   const model = new LambdaModel();
 *   await fc.asyncModelRun(() => ({ model, real }), cmds);
 *   await sim.settle();
 *   await assertInvariants(sim, real.trace, model.settings());
 *   await sim.close();
 * }));
 * ```
 */
import fc from 'fast-check';
import { LambdaSimError, TooManyRequestsException } from '../errors.js';
import type { Fault } from '../faults.js';
import type { LambdaSimulator } from '../simulator.js';
import { InvariantViolation, checkInvariants, type InvariantSettings } from './invariants.js';
import type { Trace } from './trace.js';
import { fault as faultArbitrary } from './arbitraries.js';

export interface LambdaReal {
  sim: LambdaSimulator;
  trace: Trace;
}

/** What the commands know: events accepted, reservations set, faults injected. */
export class LambdaModel {
  readonly accepted = new Map<string, string[]>();
  /** Functions whose reservation was changed during the run (their limit is not checked then). */
  readonly reservationChanged = new Set<string>();
  faults = 0;

  /** Settings for {@link checkInvariants} consistent with what the commands did (a reservation changed mid-run is not checked). */
  settings(): InvariantSettings {
    return { reservations: Object.fromEntries([...this.reservationChanged].map((fn) => [fn, Number.POSITIVE_INFINITY])) };
  }
}

async function checkPartial(r: LambdaReal, m: LambdaModel): Promise<void> {
  const violations = await checkInvariants(r.sim, r.trace, { ...m.settings(), partial: true });
  if (violations.length > 0) throw new InvariantViolation(violations, r.trace);
}

class AsyncInvoke implements fc.AsyncCommand<LambdaModel, LambdaReal> {
  constructor(
    readonly fn: string,
    readonly payload: unknown,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: LambdaModel, r: LambdaReal): Promise<void> {
    const out = await r.sim.invoke({ FunctionName: this.fn, InvocationType: 'Event', Payload: JSON.stringify(this.payload) });
    if (out.StatusCode !== 202) throw new Error(`async invoke of ${this.fn} answered ${out.StatusCode}, expected 202`);
    m.accepted.set(this.fn, [...(m.accepted.get(this.fn) ?? []), out.$metadata.requestId!]);
  }
  toString(): string {
    return `asyncInvoke(${this.fn}, ${JSON.stringify(this.payload)})`;
  }
}

class SyncInvoke implements fc.AsyncCommand<LambdaModel, LambdaReal> {
  constructor(
    readonly fn: string,
    readonly payload: unknown,
  ) {}
  check(): boolean {
    return true;
  }
  async run(_m: LambdaModel, r: LambdaReal): Promise<void> {
    try {
      const out = await r.sim.invoke({ FunctionName: this.fn, Payload: JSON.stringify(this.payload) });
      if (out.StatusCode !== 200) throw new Error(`invoke of ${this.fn} answered ${out.StatusCode}, expected 200`);
    } catch (error) {
      // A throttle is a legal answer; any other error must at least be typed.
      if (!(error instanceof TooManyRequestsException) && !(error instanceof LambdaSimError)) throw error;
    }
  }
  toString(): string {
    return `invoke(${this.fn}, ${JSON.stringify(this.payload)})`;
  }
}

class Advance implements fc.AsyncCommand<LambdaModel, LambdaReal> {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(m: LambdaModel, r: LambdaReal): Promise<void> {
    await r.sim.advance(this.ms);
    await checkPartial(r, m);
  }
  toString(): string {
    return `advance(${this.ms})`;
  }
}

class SetReservation implements fc.AsyncCommand<LambdaModel, LambdaReal> {
  constructor(
    readonly fn: string,
    readonly value: number | undefined,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: LambdaModel, r: LambdaReal): Promise<void> {
    if (this.value === undefined) await r.sim.deleteFunctionConcurrency({ FunctionName: this.fn });
    else await r.sim.putFunctionConcurrency({ FunctionName: this.fn, ReservedConcurrentExecutions: this.value });
    m.reservationChanged.add(this.fn);
  }
  toString(): string {
    return `reservation(${this.fn}, ${String(this.value)})`;
  }
}

class InjectFault implements fc.AsyncCommand<LambdaModel, LambdaReal> {
  constructor(readonly fault: Fault) {}
  check(): boolean {
    return true;
  }
  async run(m: LambdaModel, r: LambdaReal): Promise<void> {
    // The fault's window counts from now.
    r.sim.injectFaults([this.fault], { relativeTo: 'now' });
    m.faults++;
  }
  toString(): string {
    return `injectFault(${JSON.stringify(this.fault)})`;
  }
}

export interface CommandOptions {
  /** Event payloads. Default `{ id }`. */
  payload?: fc.Arbitrary<unknown>;
  /** Include fault injection commands. Default true. */
  faults?: boolean;
}

/** Arbitraries of commands over the given functions, for `fc.commands(...)`. */
export function lambdaCommands(functions: string[], options: CommandOptions = {}): Array<fc.Arbitrary<fc.AsyncCommand<LambdaModel, LambdaReal>>> {
  if (functions.length === 0) throw new TypeError('lambdaCommands() needs at least one function name');
  const fn = fc.constantFrom(...functions);
  const payload = options.payload ?? fc.record({ id: fc.integer({ min: 0, max: 99 }) });
  const commands: Array<fc.Arbitrary<fc.AsyncCommand<LambdaModel, LambdaReal>>> = [
    fc.tuple(fn, payload).map(([f, p]) => new AsyncInvoke(f, p)),
    fc.tuple(fn, payload).map(([f, p]) => new SyncInvoke(f, p)),
    fc.constantFrom(0, 1000, 30_000, 60_000, 180_000).map((ms) => new Advance(ms)),
    fc.tuple(fn, fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined })).map(([f, v]) => new SetReservation(f, v)),
  ];
  if (options.faults !== false) commands.push(faultArbitrary(functions, 300_000).map((f) => new InjectFault(f)));
  return commands;
}
