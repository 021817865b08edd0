/**
 * X-Ray sampling of invocations of functions with Active tracing. Lambda applies X-Ray's default
 * rule: the first request each second (the reservoir) and 5 % of the others (the fixed rate). A
 * trace that arrives with a decision keeps it ("parent-based": a function invoked by a sampled
 * function is sampled, whatever its own mode); PassThrough functions never start a sampled trace.
 * lambda-sim keeps one reservoir per function, counted in simulated seconds, and draws the fixed
 * rate from a seeded stream of its own, so runs replay and no other stream shifts.
 */
import type { Random } from '../kernel/random.js';

export interface SamplingRule {
  /** Invocations per simulated second per function sampled before the fixed rate applies. Default 1. */
  reservoirPerSecond?: number;
  /** Probability in [0, 1] that an invocation past the reservoir is sampled. Default 0.05. */
  fixedRate?: number;
}

export const DEFAULT_SAMPLING_RULE: Required<SamplingRule> = { reservoirPerSecond: 1, fixedRate: 0.05 };

const RULE_KEYS = ['reservoirPerSecond', 'fixedRate'];

/** Throws a TypeError that says what was expected when `rule` is not a SamplingRule. */
export function checkSamplingRule(rule: unknown, name: string): void {
  if (rule === undefined) return;
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) throw new TypeError(`Expected \`${name}\` to be an object of ${RULE_KEYS.join(', ')}, got ${JSON.stringify(rule) ?? String(rule)}`);
  const r = rule as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!RULE_KEYS.includes(key)) throw new TypeError(`Unknown option \`${name}.${key}\`; expected one of ${RULE_KEYS.join(', ')}`);
  }
  const reservoir = r['reservoirPerSecond'];
  if (reservoir !== undefined && !(typeof reservoir === 'number' && Number.isInteger(reservoir) && reservoir >= 0)) {
    throw new TypeError(`Expected \`${name}.reservoirPerSecond\` to be an integer >= 0, got ${JSON.stringify(reservoir) ?? String(reservoir)}`);
  }
  const rate = r['fixedRate'];
  if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) {
    throw new TypeError(`Expected \`${name}.fixedRate\` to be a number in [0, 1], got ${JSON.stringify(rate) ?? String(rate)}`);
  }
}

export class TraceSampler {
  readonly #rule: Required<SamplingRule>;
  readonly #random: Random;
  /** Per function: the simulated second its reservoir counts and how much of it was used. */
  readonly #reservoirs = new Map<string, { second: number; used: number }>();

  constructor(rule: SamplingRule | undefined, random: Random) {
    this.#rule = { ...DEFAULT_SAMPLING_RULE, ...rule };
    this.#random = random;
  }

  /** Whether a new trace of `functionArn` at simulated time `now` (ms) is sampled. */
  sample(functionArn: string, now: number): boolean {
    const second = Math.floor(now / 1000);
    let r = this.#reservoirs.get(functionArn);
    if (r === undefined || r.second !== second) {
      r = { second, used: 0 };
      this.#reservoirs.set(functionArn, r);
    }
    if (r.used < this.#rule.reservoirPerSecond) {
      r.used++;
      return true;
    }
    const { fixedRate } = this.#rule;
    return fixedRate >= 1 || (fixedRate > 0 && this.#random.next() < fixedRate);
  }
}
