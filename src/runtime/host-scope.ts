/**
 * Host resources owned by one sandbox (its open sockets): created on first use by whoever answers
 * its host calls, and disposed of with the sandbox (a reset after a timeout or crash, a reaped or
 * closed environment), so nothing a handler opened outlives the sandbox that opened it.
 */
export interface ScopedResource {
  dispose(): void;
}

export class HostScope {
  readonly #resources = new Map<string, ScopedResource>();
  #disposed = false;

  /** The scope's resource under `key`, created by `create` the first time. */
  get<T extends ScopedResource>(key: string, create: () => T): T {
    if (this.#disposed) throw new Error('lambda-sim: the sandbox that made this call was reset');
    let r = this.#resources.get(key);
    if (r === undefined) {
      r = create();
      this.#resources.set(key, r);
    }
    return r as T;
  }

  dispose(): void {
    this.#disposed = true;
    for (const r of this.#resources.values()) r.dispose();
    this.#resources.clear();
  }
}
