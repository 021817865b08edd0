/**
 * A readable, serialisable record of what a simulation did: every invocation start, end and
 * throttle, and every step of every asynchronous event. Invariant checks read it (never the
 * simulator's internal state), failures print it, and it can be saved as JSON.
 */
import type { LambdaSimulator } from '../simulator.js';

export interface TraceEvent {
  /** Simulated ms since the trace started. */
  t: number;
  /** `invoke:start`, `invoke:end`, `invoke:throttle`, or an async step: `queued`, `delivered`, `retry-scheduled`, … */
  kind: string;
  fn: string;
  /** Async events invoked with a qualifier other than `$LATEST` (a version or alias). */
  qualifier?: string;
  requestId?: string;
  chain?: number;
  attempt?: number;
  /** Status, condition, reason, target: what the step says. */
  detail?: string;
  /** Async: simulated ms (since the trace started) the next try is due. */
  at?: number;
  /** Async deliveries: the event's age in ms. */
  age?: number;
  environment?: string;
}

const ASYNC = ['queued', 'delivered', 'throttled', 'retry-scheduled', 'succeeded', 'failed', 'dropped', 'dead-lettered', 'destination', 'duplicated'] as const;

export class Trace {
  readonly events: TraceEvent[];
  /** Simulated epoch ms the trace counts from. */
  readonly start: number;

  constructor(start: number, events: TraceEvent[] = []) {
    this.start = start;
    this.events = events;
  }

  toJSON(): { start: number; events: TraceEvent[] } {
    return { start: this.start, events: this.events };
  }

  static fromJSON(json: string | { start: number; events: TraceEvent[] }): Trace {
    const data = typeof json === 'string' ? (JSON.parse(json) as { start: number; events: TraceEvent[] }) : json;
    if (data === null || typeof data !== 'object' || !Array.isArray(data.events) || typeof data.start !== 'number') {
      throw new TypeError('Expected a trace saved with JSON.stringify(trace): { start, events: [...] }');
    }
    return new Trace(data.start, data.events);
  }

  /** One line per event (`+61.000s  fn  delivered  #req…/0 attempt 2`), the last `limit` of them. */
  format(limit = 200): string {
    const shown = this.events.length > limit ? this.events.slice(-limit) : this.events;
    const lines = shown.map((e) => {
      const id = e.requestId === undefined ? '' : ` ${e.requestId.slice(0, 8)}${e.chain === undefined ? '' : `/${e.chain}`}`;
      const parts = [
        `+${(e.t / 1000).toFixed(3)}s`.padEnd(12),
        e.fn.padEnd(16),
        e.kind.padEnd(16),
        id,
        e.attempt === undefined ? '' : ` attempt ${e.attempt}`,
        e.detail === undefined ? '' : ` ${e.detail}`,
        e.at === undefined ? '' : ` next at +${(e.at / 1000).toFixed(3)}s`,
        e.age === undefined ? '' : ` age ${e.age} ms`,
      ];
      return parts.join('').trimEnd();
    });
    const cut = this.events.length > limit ? [`… ${this.events.length - limit} earlier events`] : [];
    return [...cut, ...lines].join('\n');
  }
}

/** Starts recording a simulator's trace (from now on). */
export function recordTrace(sim: LambdaSimulator): Trace {
  const trace = new Trace(sim.now());
  const t = (time: number): number => time - trace.start;
  sim.on('invocation:start', (e) => trace.events.push({ t: t(e.time), kind: 'invoke:start', fn: e.functionName, requestId: e.requestId, environment: e.environmentId, detail: e.coldStart ? 'cold' : 'warm' }));
  sim.on('invocation:end', (r) =>
    trace.events.push({ t: t(r.endTime), kind: 'invoke:end', fn: r.functionName, requestId: r.requestId, environment: r.environmentId, detail: r.errorType === undefined ? r.status : `${r.status} ${r.errorType}` }),
  );
  sim.on('invocation:throttle', (e) => trace.events.push({ t: t(e.time), kind: 'invoke:throttle', fn: e.functionName, detail: e.reason }));
  for (const type of ASYNC) {
    sim.on(`async:${type}`, (e) => {
      const event: TraceEvent = { t: t(e.time), kind: type, fn: e.functionName, requestId: e.requestId, chain: e.chain };
      if (e.qualifier !== '$LATEST') event.qualifier = e.qualifier;
      if (e.attempt !== undefined) event.attempt = e.attempt;
      if (e.at !== undefined) event.at = t(e.at);
      if (e.age !== undefined) event.age = e.age;
      const detail = [e.condition, e.reason, e.targetArn, e.ok === undefined ? undefined : e.ok ? 'ok' : 'FAILED'].filter((x) => x !== undefined).join(' ');
      if (detail !== '') event.detail = detail;
      trace.events.push(event);
    });
  }
  return trace;
}
