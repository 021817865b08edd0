/**
 * Fault injection: a plan of faults as plain data (JSON-serialisable, so fast-check can generate
 * and shrink it, and a failing run's plan can be saved and replayed). The simulator consults the
 * plan at each decision point: when an invocation starts (make it fail, time out or crash without
 * running the handler), at admission (throttle a window of time), when an async event is accepted
 * (deliver it twice), when the poller delivers (hold it back for a window), and when a DLQ or
 * destination is sent to (make the target refuse).
 *
 * Times are milliseconds of simulated time since the simulator was created; `fraction` draws from
 * the simulator's seeded randomness, so a plan replays exactly.
 */
import type { ThrottleReason } from './errors.js';
import { display } from './control/names.js';
import type { Random } from './kernel/random.js';

interface Where {
  /** Only this function (default: every function). */
  function?: string;
  /** Only within [from, to) ms of simulated time since the simulator was created. */
  from?: number;
  to?: number;
}

/** The invocation fails without running the handler: a function error, a timeout, or a crash (Runtime.ExitError). */
export interface InvocationFault extends Where {
  type: 'error' | 'timeout' | 'crash';
  /** Only the n-th attempt of an async event's delivery chain (1 = first delivery); sync invokes are attempt 1. */
  attempt?: number;
  /** Only the n-th invocation of the function (1-based, counting every start). */
  invocation?: number;
  /** Only this share of the matching invocations (seeded). Default 1. */
  fraction?: number;
}

/** Every invocation admitted in the window is refused with a 429 of this Reason. */
export interface ThrottleFault extends Where {
  type: 'throttle';
  from: number;
  to: number;
  reason?: ThrottleReason;
}

/** Async events are delivered twice (at-least-once delivery). */
export interface DuplicateFault extends Where {
  type: 'duplicate';
  /** Only the n-th async event accepted for the function (1-based). */
  event?: number;
  fraction?: number;
  /** Simulated ms after the event's acceptance that the duplicate arrives. Default 0. */
  delayMs?: number;
}

/** The async poller delivers nothing in the window (events wait, and age). */
export interface DelayPollerFault extends Where {
  type: 'delayPoller';
  from: number;
  to: number;
}

/** Sends to a DLQ or destination fail (counted as DeadLetterErrors / DestinationDeliveryFailures). */
export interface TargetFault {
  type: 'targetFailure';
  /** ARN of the queue, topic, bus or function (default: every target). */
  target?: string;
  from?: number;
  to?: number;
  /** Only the first n sends that match. */
  count?: number;
}

export type Fault = InvocationFault | ThrottleFault | DuplicateFault | DelayPollerFault | TargetFault;
export type FaultPlan = Fault[];

const REASONS = new Set<ThrottleReason>([
  'ConcurrentInvocationLimitExceeded',
  'ReservedFunctionConcurrentInvocationLimitExceeded',
  'FunctionInvocationRateLimitExceeded',
  'ReservedFunctionInvocationRateLimitExceeded',
  'CallerRateLimitExceeded',
]);

const KEYS: Record<Fault['type'], string[]> = {
  error: ['function', 'from', 'to', 'attempt', 'invocation', 'fraction'],
  timeout: ['function', 'from', 'to', 'attempt', 'invocation', 'fraction'],
  crash: ['function', 'from', 'to', 'attempt', 'invocation', 'fraction'],
  throttle: ['function', 'from', 'to', 'reason'],
  duplicate: ['function', 'from', 'to', 'event', 'fraction', 'delayMs'],
  delayPoller: ['function', 'from', 'to'],
  targetFailure: ['target', 'from', 'to', 'count'],
};

/** Checks a plan, with errors that name the path and what was expected. */
export function validateFaultPlan(plan: unknown, path = 'faults'): FaultPlan {
  if (!Array.isArray(plan)) throw new TypeError(`Expected \`${path}\` to be a fault plan (an array of faults), got \`${display(plan)}\``);
  plan.forEach((f: unknown, i) => {
    const at = `${path}[${i}]`;
    if (f === null || typeof f !== 'object') throw new TypeError(`Expected \`${at}\` to be an object like { type: 'error', function: 'name' }, got \`${display(f)}\``);
    const fault = f as Record<string, unknown>;
    const type = fault['type'] as Fault['type'];
    if (typeof type !== 'string' || !Object.hasOwn(KEYS, type)) throw new TypeError(`Expected \`${at}.type\` to be one of ${Object.keys(KEYS).join(', ')}, got \`${display(type)}\``);
    for (const key of Object.keys(fault)) {
      if (key !== 'type' && !KEYS[type].includes(key)) throw new TypeError(`Unknown field \`${at}.${key}\` for a '${type}' fault; expected ${KEYS[type].join(', ')}`);
    }
    const num = (key: string, min: number, integer: boolean, required = false): void => {
      const v = fault[key];
      if (v === undefined && !required) return;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
        throw new TypeError(`Expected \`${at}.${key}\` to be ${integer ? 'an integer' : 'a number'} >= ${min}, got \`${display(v)}\``);
      }
    };
    const windowed = type === 'throttle' || type === 'delayPoller';
    num('from', 0, false, windowed);
    num('to', 0, false, windowed);
    if (typeof fault['from'] === 'number' && typeof fault['to'] === 'number' && fault['to'] < fault['from']) {
      throw new TypeError(`Expected \`${at}.to\` (${fault['to']}) to be >= \`${at}.from\` (${fault['from']})`);
    }
    num('attempt', 1, true);
    num('invocation', 1, true);
    num('event', 1, true);
    num('count', 1, true);
    num('delayMs', 0, false);
    if (fault['fraction'] !== undefined) {
      const v = fault['fraction'];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new TypeError(`Expected \`${at}.fraction\` to be a number from 0 to 1, got \`${display(v)}\``);
    }
    for (const key of ['function', 'target']) {
      if (fault[key] !== undefined && typeof fault[key] !== 'string') throw new TypeError(`Expected \`${at}.${key}\` to be a string, got \`${display(fault[key])}\``);
    }
    if (fault['reason'] !== undefined && !REASONS.has(fault['reason'] as ThrottleReason)) {
      throw new TypeError(`Expected \`${at}.reason\` to be one of ${[...REASONS].join(', ')}, got \`${display(fault['reason'])}\``);
    }
  });
  return plan as FaultPlan;
}

/** Answers the simulator's questions about the plan in force. */
export class FaultInjector {
  readonly #faults: Fault[] = [];
  /** One random stream per fault (by its position in the plan): dropping a fault while shrinking leaves the others' draws alone. */
  readonly #streams = new Map<Fault, Random>();
  readonly #random: Random;
  readonly #start: number;
  readonly #invocations = new Map<string, number>();
  readonly #events = new Map<string, number>();
  /** Sends already failed, per targetFailure fault with a count. */
  readonly #used = new Map<Fault, number>();

  constructor(random: Random, start: number) {
    this.#random = random;
    this.#start = start;
  }

  get empty(): boolean {
    return this.#faults.length === 0;
  }

  /** Adds faults; `offset` (ms) shifts their windows (a plan injected mid-run counts from then). */
  add(plan: FaultPlan, offset = 0): void {
    for (const f of validateFaultPlan(plan)) {
      const copy = { ...f } as Fault & { from?: number; to?: number };
      if (copy.from !== undefined) copy.from += offset;
      if (copy.to !== undefined) copy.to += offset;
      this.#streams.set(copy, this.#random.fork(`fault-${this.#faults.length}`));
      this.#faults.push(copy);
    }
  }

  /** Simulated epoch ms plan times count from. */
  get start(): number {
    return this.#start;
  }

  /** The plan in force (a copy). */
  plan(): FaultPlan {
    return this.#faults.map((f) => ({ ...f }));
  }

  #in(f: { from?: number; to?: number }, now: number): boolean {
    const t = now - this.#start;
    return (f.from === undefined || t >= f.from) && (f.to === undefined || t < f.to);
  }

  #draw(f: Fault, fraction: number | undefined): boolean {
    return fraction === undefined || fraction >= 1 || this.#streams.get(f)!.next() < fraction;
  }

  /** An invocation starts: the fault it must suffer, if any. */
  onInvocation(functionName: string, attempt: number, now: number): 'error' | 'timeout' | 'crash' | undefined {
    // Counted from the simulator's start, plan or no plan, so `invocation: n` means the n-th.
    const n = (this.#invocations.get(functionName) ?? 0) + 1;
    this.#invocations.set(functionName, n);
    if (this.#faults.length === 0) return undefined;
    for (const f of this.#faults) {
      if (f.type !== 'error' && f.type !== 'timeout' && f.type !== 'crash') continue;
      if ((f.function !== undefined && f.function !== functionName) || !this.#in(f, now)) continue;
      if ((f.attempt !== undefined && f.attempt !== attempt) || (f.invocation !== undefined && f.invocation !== n)) continue;
      if (this.#draw(f, f.fraction)) return f.type;
    }
    return undefined;
  }

  /** Admission: the Reason of an injected throttle, if one is in force. */
  throttle(functionName: string, now: number): ThrottleReason | undefined {
    for (const f of this.#faults) {
      if (f.type === 'throttle' && (f.function === undefined || f.function === functionName) && this.#in(f, now)) return f.reason ?? 'ConcurrentInvocationLimitExceeded';
    }
    return undefined;
  }

  /** An async event was accepted: the delay of an injected duplicate, if any. */
  onAccepted(functionName: string, now: number): number | undefined {
    const n = (this.#events.get(functionName) ?? 0) + 1;
    this.#events.set(functionName, n);
    if (this.#faults.length === 0) return undefined;
    for (const f of this.#faults) {
      if (f.type !== 'duplicate' || (f.function !== undefined && f.function !== functionName) || !this.#in(f, now)) continue;
      if (f.event !== undefined && f.event !== n) continue;
      if (this.#draw(f, f.fraction)) return f.delayMs ?? 0;
    }
    return undefined;
  }

  /** The poller of this function is held back until this simulated time, if a window says so. */
  pollerHeldUntil(functionName: string, now: number): number | undefined {
    let until: number | undefined;
    for (const f of this.#faults) {
      if (f.type === 'delayPoller' && (f.function === undefined || f.function === functionName) && this.#in(f, now)) {
        const end = this.#start + f.to;
        until = until === undefined ? end : Math.max(until, end);
      }
    }
    return until;
  }

  /** A send to a DLQ or destination: whether it must fail. */
  targetFails(arn: string, now: number): boolean {
    for (const f of this.#faults) {
      if (f.type !== 'targetFailure' || (f.target !== undefined && f.target !== arn) || !this.#in(f, now)) continue;
      const used = this.#used.get(f) ?? 0;
      if (f.count !== undefined && used >= f.count) continue;
      this.#used.set(f, used + 1);
      return true;
    }
    return false;
  }
}
