/**
 * Invariants of Lambda's platform semantics, checked against a recorded trace by an independent
 * oracle (it replays the trace with its own counters; it never reads the simulator's internals):
 *
 * - conservation: every accepted event's delivery chain (the original and each duplicate) ended in
 *   exactly one terminal state (`succeeded`, `failed`, `dropped`);
 * - retry bounds: at most 1 + MaximumRetryAttempts deliveries per chain;
 * - retry gaps: ≥ 60 s before the first retry, ≥ 120 s before the second;
 * - maximum age: no delivery of an event older than MaximumEventAgeInSeconds;
 * - concurrency: never more invocations of a function running at once than its reservation.
 *
 * Call after `await sim.settle()`. Settings (retries, ages, reservations) are read from the
 * simulator when the check runs, or given explicitly when they changed during the run.
 */
import type { LambdaSimulator } from '../simulator.js';
import type { Trace, TraceEvent } from './trace.js';
import { InvariantViolation } from '../errors.js';

export interface InvariantSettings {
  /** MaximumRetryAttempts by function (default: read from the simulator's event-invoke config, else 2). */
  maxRetries?: Record<string, number>;
  /** MaximumEventAgeInSeconds by function (default: read from the simulator, else 21,600). */
  maxAgeSeconds?: Record<string, number>;
  /** Reserved concurrency by function (default: read from the simulator; none means unchecked). */
  reservations?: Record<string, number>;
  /** Mid-run check: chains still pending are not a violation. */
  partial?: boolean;
}

export { InvariantViolation };

/** The violations found in `trace` (empty when every invariant holds). */
export async function checkInvariants(sim: LambdaSimulator, trace: Trace, settings: InvariantSettings = {}): Promise<string[]> {
  const functions = [...new Set(trace.events.map((e) => e.fn))];
  // Retries and ages are configured per qualifier ($LATEST, a version, an alias).
  const targets = [...new Set(trace.events.filter((e) => e.requestId !== undefined).map((e) => `${e.fn}:${e.qualifier ?? '$LATEST'}`))];
  const retries = new Map<string, number>();
  const ages = new Map<string, number>();
  const reserved = new Map<string, number>();
  for (const target of targets) {
    const [fn, qualifier] = target.split(':') as [string, string];
    let config: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } = {};
    try {
      config = await sim.getFunctionEventInvokeConfig({ FunctionName: fn, Qualifier: qualifier });
    } catch {
      /* no config (or function deleted): defaults */
    }
    retries.set(target, settings.maxRetries?.[fn] ?? config.MaximumRetryAttempts ?? 2);
    ages.set(target, settings.maxAgeSeconds?.[fn] ?? config.MaximumEventAgeInSeconds ?? 21_600);
  }
  for (const fn of functions) {
    let r = settings.reservations?.[fn];
    if (r === undefined) {
      try {
        r = (await sim.getFunctionConcurrency({ FunctionName: fn })).ReservedConcurrentExecutions;
      } catch {
        /* deleted */
      }
    }
    if (r !== undefined) reserved.set(fn, r);
  }
  return violationsOf(trace, retries, ages, reserved, settings.partial === true);
}

/** Throws {@link InvariantViolation} (with the trace) unless every invariant holds. */
export async function assertInvariants(sim: LambdaSimulator, trace: Trace, settings: InvariantSettings = {}): Promise<void> {
  const violations = await checkInvariants(sim, trace, settings);
  if (violations.length > 0) throw new InvariantViolation(violations, trace);
}

function violationsOf(trace: Trace, retries: Map<string, number>, ages: Map<string, number>, reserved: Map<string, number>, partial: boolean): string[] {
  const out: string[] = [];
  const chains = new Map<string, { fn: string; target: string; receivedAt: number; events: TraceEvent[] }>();
  const running = new Map<string, number>();
  for (const e of trace.events) {
    if (e.kind === 'invoke:start') {
      const n = (running.get(e.fn) ?? 0) + 1;
      running.set(e.fn, n);
      const r = reserved.get(e.fn);
      if (r !== undefined && n > r) out.push(`${e.fn}: ${n} invocations running at +${e.t} ms, above its reservation of ${r}`);
      continue;
    }
    if (e.kind === 'invoke:end') {
      running.set(e.fn, (running.get(e.fn) ?? 1) - 1);
      continue;
    }
    if (e.requestId === undefined || e.chain === undefined) continue;
    const key = `${e.requestId}#${e.chain}`;
    if (e.kind === 'queued' || e.kind === 'duplicated') {
      if (chains.has(key)) out.push(`${key}: entered the queue twice`);
      const original = chains.get(`${e.requestId}#0`);
      chains.set(key, { fn: e.fn, target: `${e.fn}:${e.qualifier ?? '$LATEST'}`, receivedAt: original?.receivedAt ?? e.t, events: [] });
    }
    const chain = chains.get(key);
    if (chain === undefined) {
      out.push(`${key}: ${e.kind} at +${e.t} ms before it was queued`);
      continue;
    }
    chain.events.push(e);
  }
  for (const [key, c] of chains) {
    const isTerminal = (e: TraceEvent): boolean => e.kind === 'succeeded' || e.kind === 'failed' || e.kind === 'dropped';
    const terminal = c.events.filter(isTerminal);
    // After its terminal state a chain only reports where its outcome went (DLQ, destination).
    const end = c.events.findIndex(isTerminal);
    const late = end < 0 ? [] : c.events.slice(end + 1).filter((e) => !isTerminal(e) && e.kind !== 'dead-lettered' && e.kind !== 'destination');
    for (const e of late) out.push(`${key} (${c.fn}): ${e.kind} at +${e.t} ms after its terminal state (${c.events[end]!.kind})`);
    const order = c.events.filter((e) => e.kind === 'delivered').map((e) => e.attempt);
    if (order.some((a, i) => a !== i + 1)) out.push(`${key} (${c.fn}): attempts out of order (${order.join(', ')})`);
    if (terminal.length > 1 || (terminal.length === 0 && !partial)) out.push(`${key} (${c.fn}): ${terminal.length === 0 ? 'never reached a terminal state' : `${terminal.length} terminal states (${terminal.map((e) => e.kind).join(', ')})`}`);
    const deliveries = c.events.filter((e) => e.kind === 'delivered');
    const maxRetries = retries.get(c.target) ?? 2;
    if (deliveries.length > 1 + maxRetries) out.push(`${key} (${c.fn}): ${deliveries.length} deliveries, more than 1 + MaximumRetryAttempts (${maxRetries})`);
    const maxAgeMs = (ages.get(c.target) ?? 21_600) * 1000;
    for (const d of deliveries) {
      if (d.t - c.receivedAt > maxAgeMs) out.push(`${key} (${c.fn}): delivered at age ${d.t - c.receivedAt} ms, past MaximumEventAgeInSeconds (${maxAgeMs / 1000})`);
    }
    for (const r of c.events.filter((e) => e.kind === 'retry-scheduled')) {
      const gap = r.attempt === 2 ? 60_000 : 120_000;
      const next = deliveries.find((d) => d.attempt === r.attempt);
      if (next !== undefined && next.t - r.t < gap) out.push(`${key} (${c.fn}): attempt ${r.attempt} came ${next.t - r.t} ms after the failure, less than ${gap} ms`);
    }
  }
  return out;
}
