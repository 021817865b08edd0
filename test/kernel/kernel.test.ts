import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulationStalledError } from '../../src/index.js';
import { Deferred } from '../../src/kernel/deferred.js';
import { DEFAULT_EPOCH, Kernel } from '../../src/kernel/kernel.js';
import { Random } from '../../src/kernel/random.js';

const virtual = (): Kernel => new Kernel({ seed: 1, clock: 'virtual' });

describe('Kernel (virtual clock)', () => {
  it('starts at the fixed default epoch 2025-01-01T00:00:00Z', () => {
    expect(virtual().now()).toBe(DEFAULT_EPOCH);
    expect(new Date(DEFAULT_EPOCH).toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });

  it('advance(ms) runs the events due in order, each at its own time, then sets the clock to now + ms', async () => {
    const k = virtual();
    const seen: Array<[string, number]> = [];
    k.after(300, 'b', () => seen.push(['b', k.now() - DEFAULT_EPOCH]));
    k.after(100, 'a', () => seen.push(['a', k.now() - DEFAULT_EPOCH]));
    k.after(100, 'a2', () => seen.push(['a2', k.now() - DEFAULT_EPOCH]));
    k.after(5000, 'later', () => seen.push(['later', k.now() - DEFAULT_EPOCH]));
    await k.advance(1000);
    expect(seen).toEqual([['a', 100], ['a2', 100], ['b', 300]]);
    expect(k.now() - DEFAULT_EPOCH).toBe(1000);
    expect(k.pendingEvents).toBe(1);
  });

  it('settle() runs until no event is left, including events scheduled by events', async () => {
    const k = virtual();
    let n = 0;
    const tick = (): void => {
      if (++n < 10) k.after(60_000, 'tick', tick);
    };
    k.after(60_000, 'tick', tick);
    await k.settle();
    expect(n).toBe(10);
    expect(k.now() - DEFAULT_EPOCH).toBe(600_000);
  });

  it('settle() fails with SimulationStalledError after maxEvents, naming what is still scheduled', async () => {
    const k = virtual();
    const forever = (): void => void k.after(1000, 'forever', forever);
    k.after(1000, 'forever', forever);
    await expect(k.settle({ maxEvents: 50 })).rejects.toThrow(/settle\(\) ran 50 events .* next events: .*forever/);
  });

  it('wait() drives the clock until the result is known', async () => {
    const k = virtual();
    const d = new Deferred<string>();
    k.after(42_000, 'answer', () => d.resolve('done'));
    expect(await k.wait(d)).toBe('done');
    expect(k.now() - DEFAULT_EPOCH).toBe(42_000);
  });

  it('wait() fails with SimulationStalledError when nothing can ever produce the result', async () => {
    const k = virtual();
    await expect(k.wait(new Deferred<void>())).rejects.toBeInstanceOf(SimulationStalledError);
  });

  it('drives a wait started in the continuation of an advance that just finished (regression: the driver flag was cleared a microtask late)', async () => {
    const k = virtual();
    const first = new Deferred<string>();
    k.after(8, 'first', () => first.resolve('first'));
    void k.wait(first);
    await k.advance(36);
    // This continuation runs before the finished drive's promise settles.
    const second = new Deferred<string>();
    k.after(5, 'second', () => second.resolve('second'));
    const waited = k.wait(second);
    await k.advance(24);
    expect(await waited).toBe('second');
    expect(k.now() - DEFAULT_EPOCH).toBe(60);
  });

  it('does not move time while held host work is in flight', async () => {
    const k = virtual();
    let release!: () => void;
    const work = new Promise<void>((r) => (release = r));
    void k.hold(work);
    let fired = false;
    k.after(10, 'x', () => (fired = true));
    const adv = k.advance(100);
    await new Promise((r) => setImmediate(r));
    expect(fired).toBe(false);
    release();
    await adv;
    expect(fired).toBe(true);
  });
});

describe('Random', () => {
  it('replays the same stream from the same seed and label, and forks independently', () => {
    fc.assert(
      fc.property(fc.integer(), fc.string(), (seed, label) => {
        const a = new Random(seed).fork(label);
        const b = new Random(seed).fork(label);
        const xs = Array.from({ length: 8 }, () => a.nextUint32());
        expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(xs);
        const root = new Random(seed);
        root.nextUint32(); // drawing from the parent does not change a fork
        expect(Array.from({ length: 8 }, () => root.fork(label).nextUint32())[0]).toBe(new Random(seed).fork(label).nextUint32());
      }),
    );
  });

  it('draws floats in [0, 1) and RFC 4122 v4 UUIDs', () => {
    const r = new Random(7);
    for (let i = 0; i < 1000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('rejects a seed that is not a safe integer', () => {
    expect(() => new Random(1.5)).toThrow('Expected `seed` to be a safe integer, got `1.5` (number)');
  });
});
