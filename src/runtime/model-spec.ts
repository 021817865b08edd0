/**
 * What a modelled function is (`Code: { Model }`): a duration distribution, a failure rate, an init
 * cost. A leaf: the bundler, the execution contract and the model environment (model.ts) share it.
 */
export type Distribution = { fixed: number } | { uniform: [number, number] } | { normal: { mean: number; stddev: number } } | { exponential: { mean: number } };

export interface ModelSpec {
  /** Simulated ms each invocation takes. */
  durationMs: Distribution;
  /** Share of invocations that end with a function error. Default 0. */
  failureRate?: number;
  /** Simulated ms of a cold start's init (besides the simulator's `initLatency`). Default 0. */
  initMs?: number;
}
