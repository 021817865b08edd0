/**
 * The simulation's pending events, in a binary min-heap.
 *
 * **Total order**: events are ordered by `(at, seq)` where `seq` is a counter that increases with
 * every insertion. Two events due at the same simulated millisecond run in the order they were
 * scheduled, whatever the heap's internal layout: the same inputs always give the same run.
 *
 * Cancellation is lazy (a flag checked on pop), so cancelling is O(1) and a cancelled event costs
 * one pop later; `size` counts live events only.
 */
export interface SimEvent {
  /** Simulated epoch milliseconds at which the event is due. */
  readonly at: number;
  /** Insertion sequence; ties on `at` break by it. */
  readonly seq: number;
  /** What the event is for, shown when a drain stalls or hits its limit. */
  readonly label: string;
  readonly run: () => void;
  /** Cancelled, or already taken off the heap to run: cancelling it (again) does nothing. */
  cancelled: boolean;
  /** Housekeeping (e.g. reaping idle environments): does not keep `settle()` running. */
  readonly background: boolean;
}

export function before(x: SimEvent, y: SimEvent): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

export class EventHeap {
  readonly #items: SimEvent[] = [];
  #live = 0;
  #foreground = 0;
  #seq = 0;

  get size(): number {
    return this.#live;
  }

  /** Live events that are not background housekeeping. */
  get foreground(): number {
    return this.#foreground;
  }

  push(at: number, label: string, run: () => void, background = false): SimEvent {
    const event: SimEvent = { at, seq: this.#seq++, label, run, cancelled: false, background };
    if (!background) this.#foreground++;
    const items = this.#items;
    items.push(event);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!before(event, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = event;
    this.#live++;
    return event;
  }

  cancel(event: SimEvent): void {
    if (event.cancelled) return;
    event.cancelled = true;
    this.#live--;
    if (!event.background) this.#foreground--;
    // Cancelled events deep in the heap would pile up while time stands still (every warm invoke
    // cancels its deadline): compact when they outnumber the live ones.
    if (this.#items.length > 64 && this.#items.length > 2 * this.#live) this.#compact();
  }

  /** Events held, cancelled ones included (for tests of the compaction bound). */
  get stored(): number {
    return this.#items.length;
  }

  #compact(): void {
    const live = this.#items.filter((e) => !e.cancelled);
    // A sorted array is a valid binary heap.
    live.sort((x, y) => (before(x, y) ? -1 : 1));
    this.#items.length = 0;
    for (const e of live) this.#items.push(e);
  }

  /** The earliest live event without removing it. */
  peek(): SimEvent | undefined {
    this.#dropCancelled();
    return this.#items[0];
  }

  /** Removes and returns the earliest live event. */
  pop(): SimEvent | undefined {
    this.#dropCancelled();
    const top = this.#items[0];
    if (top === undefined) return undefined;
    this.#removeTop();
    this.#live--;
    if (!top.background) this.#foreground--;
    // A handle cancelled after its event ran must not count it a second time.
    top.cancelled = true;
    return top;
  }

  /** Labels of the earliest live events, for error messages. */
  describe(limit = 5): string[] {
    return [...this.#items]
      .filter((e) => !e.cancelled)
      .sort((x, y) => (before(x, y) ? -1 : 1))
      .slice(0, limit)
      .map((e) => `${e.label} @${new Date(e.at).toISOString()}`);
  }

  #dropCancelled(): void {
    while (this.#items.length > 0 && this.#items[0]!.cancelled) this.#removeTop();
  }

  #removeTop(): void {
    const items = this.#items;
    const last = items.pop()!;
    const n = items.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(items[r]!, items[l]!) ? r : l;
      if (!before(items[c]!, last)) break;
      items[i] = items[c]!;
      i = c;
    }
    items[i] = last;
  }
}
