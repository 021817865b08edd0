/**
 * Real-clock mode: sandbox calls run on isolated-vm's own threads (`Reference.apply`, not
 * `applySync`), so invocations in different environments execute in parallel while the host's
 * event loop stays free. A p-queue bounds how many run at once (default: the host's cores); calls
 * beyond it wait their turn in arrival order.
 *
 * Virtual-clock simulations never use this: their sandbox calls are synchronous so that the order
 * of events is the kernel's alone and a run replays exactly.
 */
import PQueue from 'p-queue';

export class SandboxExecutor {
  readonly parallelism: number;
  readonly #queue: PQueue;
  #running = 0;
  #peak = 0;

  constructor(parallelism: number) {
    this.parallelism = parallelism;
    this.#queue = new PQueue({ concurrency: parallelism });
  }

  /** Sandbox calls running right now. */
  get running(): number {
    return this.#running;
  }

  /** Most sandbox calls that ever ran at the same time. */
  get peak(): number {
    return this.#peak;
  }

  /** Calls waiting for a free slot. */
  get waiting(): number {
    return this.#queue.size;
  }

  /** Runs `task` once a slot is free; the returned promise never rejects for the queue's sake. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return this.#queue.add(async () => {
      this.#running++;
      if (this.#running > this.#peak) this.#peak = this.#running;
      try {
        return await task();
      } finally {
        this.#running--;
      }
    }) as Promise<T>;
  }
}
