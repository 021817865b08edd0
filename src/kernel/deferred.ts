/**
 * A promise whose settlement is known synchronously (`settled`), so the kernel can tell that a
 * result arrived inside an event without waiting a microtask.
 */
export class Deferred<T> {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (reason: unknown) => void;
  #settled = false;
  #listener: (() => void) | undefined;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  get settled(): boolean {
    return this.#settled;
  }

  resolve(value: T): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(value);
    this.#listener?.();
  }

  reject(reason: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(reason);
    this.#listener?.();
  }

  /** One synchronous listener, called once when the deferred settles (used by the kernel). */
  onSettled(listener: () => void): void {
    if (this.#settled) listener();
    else this.#listener = listener;
  }
}
