/**
 * The only place in the simulator that touches the host's real clock and timers. Everything else
 * asks the kernel for time, so virtual-time runs cannot read the wall clock by accident.
 */
import { performance } from 'node:perf_hooks';

/** Monotonic real milliseconds (fractional). */
export function realNow(): number {
  return performance.now();
}

/** Real wall-clock epoch milliseconds: only for the start of a real-clock simulation. */
export function wallClockEpoch(): number {
  return Date.now();
}

/** Resolves after one turn of the host event loop (lets microtasks and I/O callbacks run). */
export function yieldToHost(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface HostTimer {
  cancel(): void;
}

export function hostTimeout(ms: number, fn: () => void): HostTimer {
  const handle = setTimeout(fn, Math.max(0, ms));
  return { cancel: () => clearTimeout(handle) };
}
