/**
 * `expectIdempotent`: "is my handler safe under duplicate delivery?" — the same events run twice on
 * fresh simulations, once delivered once each and once with every event delivered twice (Lambda's
 * at-least-once delivery); the state your system ends in must be the same.
 */
import { isDeepStrictEqual } from 'node:util';
import type { LambdaSimulator } from '../simulator.js';
import { NotIdempotentError } from '../errors.js';

export interface IdempotencySubject {
  /** A fresh simulator with the function created (and your fakes, e.g. a host-module store, empty). */
  sim: LambdaSimulator;
  functionName: string;
  /** What your system holds afterwards (the store's contents, the charges made…). */
  state(): unknown;
}

export interface IdempotencyOptions {
  /** Simulated ms between an event and its duplicate. Default 0 (the duplicate races the original). */
  duplicateDelayMs?: number;
  /** Simulated ms between events. Default 1000. */
  gapMs?: number;
  /**
   * Maps a state before the comparison, e.g. to drop values your handler generates (random ids,
   * timestamps): environments draw from their own seeded streams, and with duplicates the events
   * land on other environments than without, so generated values differ even when the handler is
   * idempotent.
   */
  normalize?: (state: unknown) => unknown;
}

export { NotIdempotentError };

/**
 * Runs `events` (as asynchronous invokes) on two fresh subjects from `factory`: once, and with
 * every event duplicated. Throws {@link NotIdempotentError} when the states differ.
 */
export async function expectIdempotent(factory: () => IdempotencySubject | Promise<IdempotencySubject>, events: unknown[], options: IdempotencyOptions = {}): Promise<void> {
  if (typeof factory !== 'function') throw new TypeError('expectIdempotent expects a factory function returning { sim, functionName, state }');
  if (!Array.isArray(events)) throw new TypeError('expectIdempotent expects an array of events');
  const once = await run(factory, events, options, false);
  const twice = await run(factory, events, options, true);
  const normalize = options.normalize ?? ((x: unknown): unknown => x);
  if (!isDeepStrictEqual(normalize(once.state), normalize(twice.state))) throw new NotIdempotentError(once.functionName, events, once.state, twice.state);
}

async function run(factory: () => IdempotencySubject | Promise<IdempotencySubject>, events: unknown[], options: IdempotencyOptions, duplicate: boolean): Promise<{ state: unknown; functionName: string }> {
  const subject = await factory();
  const { sim, functionName } = subject;
  try {
    if (duplicate) sim.injectFaults([{ type: 'duplicate', function: functionName, delayMs: options.duplicateDelayMs ?? 0 }]);
    for (const event of events) {
      await sim.invoke({ FunctionName: functionName, InvocationType: 'Event', Payload: JSON.stringify(event) });
      await sim.advance(options.gapMs ?? 1000);
    }
    await sim.settle();
    const chains = sim.asyncEvents({ functionName });
    const expected = events.length * (duplicate ? 2 : 1);
    if (chains.length < expected) {
      throw new Error(`expectIdempotent: expected ${expected} delivery chains of ${functionName}, found ${chains.length} (are older records evicted? raise eventQueue.keepEvents)`);
    }
    return { state: structuredClone(await subject.state()), functionName };
  } finally {
    await sim.close();
  }
}
