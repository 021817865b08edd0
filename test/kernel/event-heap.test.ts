import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventHeap } from '../../src/kernel/event-heap.js';

describe('EventHeap', () => {
  it('pops events in (time, insertion sequence) order: a total order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 200 }), (ops) => {
        const heap = new EventHeap();
        const pushed: Array<{ at: number; i: number }> = [];
        const live = new Set<number>();
        const events = ops.map(([at, cancel], i) => {
          const e = heap.push(at, `e${i}`, () => {});
          pushed.push({ at, i });
          live.add(i);
          return { e, cancel };
        });
        events.forEach(({ e, cancel }, i) => {
          if (cancel) {
            heap.cancel(e);
            live.delete(i);
          }
        });
        const order: number[] = [];
        for (let e = heap.pop(); e !== undefined; e = heap.pop()) order.push(Number(e.label.slice(1)));
        const expected = pushed.filter((p) => live.has(p.i)).sort((a, b) => a.at - b.at || a.i - b.i).map((p) => p.i);
        expect(order).toEqual(expected);
        expect(heap.size).toBe(0);
      }),
    );
  });
});

describe('EventHeap cancellation', () => {
  it('keeps storage bounded when events are scheduled and cancelled while time stands still', () => {
    const heap = new EventHeap();
    const keep = heap.push(10, 'keep', () => {});
    for (let i = 0; i < 100_000; i++) heap.cancel(heap.push(3000, `deadline ${i}`, () => {}));
    expect(heap.size).toBe(1);
    expect(heap.stored).toBeLessThanOrEqual(130);
    expect(heap.pop()).toBe(keep);
  });
});
