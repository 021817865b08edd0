/**
 * Execution environments of one function version: warm ones are reused most-recently-used first
 * (Lambda reuses warm environments when it can, never guaranteed), new ones are created on demand
 * within a process-wide cap on live isolates (each costs address-space mappings; thousands abort
 * the process), and all are retired when the function's code or configuration changes.
 */
import { HostLimitExceededError } from '../errors.js';
import type { SimEvent } from '../kernel/event-heap.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Random } from '../kernel/random.js';
import { Environment, type EnvironmentSpec } from './environment.js';
import { ModelEnvironment } from './model.js';

/** A sandboxed environment, or one of a modelled function (no isolate). */
export type AnyEnvironment = Environment | ModelEnvironment;

export interface EnvironmentHooks {
  created(env: AnyEnvironment): void;
  disposed(env: AnyEnvironment, reason: 'retired' | 'reaped' | 'closed'): void;
}

/** Environments whose heap is sampled anew at each cold start while a memory cap is set. */
const SAMPLES_PER_RESERVE = 16;

/** Counts live environments across all pools and reclaims idle ones when the cap is reached. */
export class EnvironmentBudget {
  readonly #pools = new Set<EnvironmentPool>();
  #created = 0;
  /**
   * @param maxLive live environments (isolates) at most
   * @param maxMemoryMB the sandbox memory live environments were last measured to use, summed, at most
   */
  constructor(
    readonly maxLive: number,
    readonly maxMemoryMB = Number.POSITIVE_INFINITY,
  ) {}

  /** Environment numbers, per simulator (ids like `fn#3` replay across simulators in one process). */
  nextSequence(): number {
    return ++this.#created;
  }

  register(pool: EnvironmentPool): void {
    this.#pools.add(pool);
  }
  unregister(pool: EnvironmentPool): void {
    this.#pools.delete(pool);
  }
  get live(): number {
    let n = 0;
    // Modelled functions hold no isolates.
    for (const p of this.#pools) if (p.spec.model === undefined) n += p.size;
    return n;
  }
  /**
   * Sandbox memory of the live environments as last measured (each environment's heap high-water
   * mark, sampled at cold starts, failures and every 64th invocation), summed.
   */
  get liveMemoryMB(): number {
    let n = 0;
    for (const p of this.#pools) if (p.spec.model === undefined) n += p.heapMB();
    return n;
  }

  /**
   * Makes room for one more environment, disposing of the least recently used idle ones while a cap
   * is reached; throws HostLimitExceededError when the busy ones alone fill it.
   */
  reserve(): void {
    const capped = this.maxMemoryMB !== Number.POSITIVE_INFINITY;
    if (capped) this.#refreshSamples();
    if (capped && this.live < this.maxLive) {
      // Reaping idle environments cannot help when the busy ones alone fill the cap: refuse first,
      // rather than flushing every warm environment and refusing anyway.
      let reclaimable = 0;
      for (const p of this.#pools) if (p.spec.model === undefined) reclaimable += p.idleHeapMB();
      const memory = this.liveMemoryMB;
      if (memory - reclaimable >= this.maxMemoryMB) throw this.#memoryFull(memory);
    }
    for (;;) {
      const live = this.live;
      const memory = live < this.maxLive && capped ? this.liveMemoryMB : 0;
      if (live < this.maxLive && memory < this.maxMemoryMB) return;
      let victim: { pool: EnvironmentPool; env: AnyEnvironment } | undefined;
      for (const pool of this.#pools) {
        if (pool.spec.model !== undefined) continue;
        const env = pool.oldestIdle();
        if (env !== undefined && (victim === undefined || env.lastUsed < victim.env.lastUsed)) victim = { pool, env };
      }
      if (victim === undefined) {
        if (live < this.maxLive) throw this.#memoryFull(memory);
        throw new HostLimitExceededError(
          `lambda-sim has ${live} live execution environments, its cap (maxEnvironments: ${this.maxLive}), and none is idle. ` +
            'Each environment is an isolate; raise maxEnvironments only if the host allows that many (vm.max_map_count).',
        );
      }
      victim.pool.remove(victim.env, 'reaped');
    }
  }

  #samples = 0;
  /**
   * Samples the heap of the live environments measured longest ago, busy ones first, at most
   * {@link SAMPLES_PER_RESERVE} per cold start (a sample costs about 3 µs, 50 µs supervised), once
   * their MemorySizes together could reach the cap:
   * a busy environment may have grown far past what its cold start measured (six environments
   * measured at 10 MB each grew to 190 MB under a 300 MB cap).
   */
  #refreshSamples(): void {
    const stalest: Environment[] = [];
    const rank = (e: Environment): number => (e.busy ? 0 : 1e15) + e.sampledAt;
    // The most the live environments could hold: a heap may have grown to MemorySize since its
    // last sample. Below the cap no sample could change the answer, and none is taken.
    let potential = 0;
    for (const p of this.#pools) {
      if (p.spec.model !== undefined) continue;
      for (const env of p.sandboxed()) {
        potential += Math.max(env.heapMB, env.spec.memoryMB) + env.hostMB - env.heapMB;
        if (stalest.length < SAMPLES_PER_RESERVE) {
          stalest.push(env);
          continue;
        }
        let worst = 0;
        for (let i = 1; i < stalest.length; i++) if (rank(stalest[i]!) > rank(stalest[worst]!)) worst = i;
        if (rank(env) < rank(stalest[worst]!)) stalest[worst] = env;
      }
    }
    if (potential < this.maxMemoryMB) return;
    for (const env of stalest) env.sampleHeap(++this.#samples);
  }

  #memoryFull(memory: number): HostLimitExceededError {
    return new HostLimitExceededError(
      `lambda-sim's live execution environments use ${memory} MB of sandbox memory, its cap (maxSandboxMemoryMB: ${this.maxMemoryMB}), ` +
        'and reclaiming the idle ones would not make room. Raise maxSandboxMemoryMB only if the host has that much memory to spare.',
    );
  }
}

export class EnvironmentPool {
  readonly #idle: AnyEnvironment[] = [];
  readonly #reaps = new Map<AnyEnvironment, SimEvent>();
  /** Provisioned environments waiting for work (never reaped). */
  readonly #provisionedIdle: AnyEnvironment[] = [];
  readonly #provisioned = new Set<AnyEnvironment>();
  #provisionedTarget = 0;
  readonly #all = new Set<AnyEnvironment>();
  #retired = false;
  #random: Random;

  constructor(
    readonly spec: EnvironmentSpec,
    readonly kernel: Kernel,
    random: Random,
    readonly budget: EnvironmentBudget,
    readonly hooks: EnvironmentHooks,
    /** Simulated ms an idle environment lives before it is reaped (Infinity: never). */
    readonly idleTtlMs = Number.POSITIVE_INFINITY,
  ) {
    this.#random = random;
    budget.register(this);
  }

  get size(): number {
    return this.#all.size;
  }
  /** Sandbox memory its environments were last measured to use (MB). */
  heapMB(): number {
    let n = 0;
    for (const env of this.#all) n += env.hostMB;
    return n;
  }
  get idleCount(): number {
    return this.#idle.length;
  }
  environments(): AnyEnvironment[] {
    return [...this.#all];
  }
  /** Its environments with a sandbox (every one, unless the function is modelled). */
  sandboxed(): Iterable<Environment> {
    return this.spec.model === undefined ? (this.#all as Set<Environment>) : [];
  }

  /** A warm idle environment, or a new (cold) one. */
  /** Provisioned environments (all, idle or busy). */
  get provisionedCount(): number {
    return this.#provisioned.size;
  }

  /** An idle provisioned environment, if any (used before on-demand ones). */
  acquireProvisioned(): AnyEnvironment | undefined {
    return this.#provisionedIdle.pop();
  }

  /** Sets the number of provisioned environments: new ones are initialised now; extra idle ones go. */
  provision(count: number, onReady: (env: AnyEnvironment, ok: boolean) => void): void {
    this.#provisionedTarget = count;
    while (this.#provisioned.size > count) {
      const env = this.#provisionedIdle.pop();
      if (env === undefined) break; // busy ones retire when they are released
      this.#provisioned.delete(env);
      this.remove(env, 'retired');
    }
    while (this.#provisioned.size < count) {
      const env = this.#create(this.#random.fork(`provisioned-${this.#all.size}-${this.kernel.now()}`), 'provisioned-concurrency');
      this.#all.add(env);
      this.#provisioned.add(env);
      this.hooks.created(env);
      env.prewarm((ok) => {
        if (this.#provisioned.has(env) && !env.disposed) this.#provisionedIdle.push(env);
        onReady(env, ok);
      });
    }
  }

  acquire(): AnyEnvironment {
    const warm = this.#idle.pop();
    if (warm !== undefined) return warm;
    const env = this.#create(this.#random.fork(`env-${this.#all.size}-${this.kernel.now()}`), 'on-demand');
    this.#all.add(env);
    this.hooks.created(env);
    return env;
  }

  /** A new environment: an isolate (counted against the host's cap), or a modelled one. */
  #create(random: Random, type: 'on-demand' | 'provisioned-concurrency'): AnyEnvironment {
    const model = this.spec.model;
    if (model !== undefined) return new ModelEnvironment(this.spec, model, this.kernel, random, type, this.budget.nextSequence());
    this.budget.reserve();
    return new Environment(this.spec, this.kernel, random, type, this.budget.nextSequence());
  }

  release(env: AnyEnvironment): void {
    if (this.#retired || env.disposed) {
      this.#provisioned.delete(env);
      this.remove(env, 'retired');
      return;
    }
    if (this.#provisioned.has(env)) {
      if (this.#provisioned.size > this.#provisionedTarget) {
        this.remove(env, 'retired');
        return;
      }
      this.#provisionedIdle.push(env);
      return;
    }
    this.#idle.push(env);
    if (Number.isFinite(this.idleTtlMs)) {
      // One pending reap per environment, replaced on every release. Background: reaping is
      // housekeeping, it does not keep settle() busy.
      const previous = this.#reaps.get(env);
      if (previous !== undefined) this.kernel.cancel(previous);
      this.#reaps.set(
        env,
        this.kernel.after(
          this.idleTtlMs,
          `reap ${env.id}`,
          () => {
            this.#reaps.delete(env);
            if (!env.busy && !env.disposed && this.#idle.includes(env)) this.remove(env, 'reaped');
          },
          true,
        ),
      );
    }
  }

  /** Sandbox memory of its idle (reapable) environments, as last measured (MB). */
  idleHeapMB(): number {
    let n = 0;
    for (const env of this.#idle) n += env.hostMB;
    return n;
  }

  oldestIdle(): AnyEnvironment | undefined {
    let oldest: AnyEnvironment | undefined;
    for (const e of this.#idle) if (oldest === undefined || e.lastUsed < oldest.lastUsed) oldest = e;
    return oldest;
  }

  remove(env: AnyEnvironment, reason: 'retired' | 'reaped' | 'closed'): void {
    const reap = this.#reaps.get(env);
    if (reap !== undefined) {
      this.kernel.cancel(reap);
      this.#reaps.delete(env);
    }
    const i = this.#idle.indexOf(env);
    if (i >= 0) this.#idle.splice(i, 1);
    const j = this.#provisionedIdle.indexOf(env);
    if (j >= 0) this.#provisionedIdle.splice(j, 1);
    this.#provisioned.delete(env);
    if (!this.#all.delete(env)) return;
    env.dispose();
    this.hooks.disposed(env, reason);
  }

  /** No new invocations; idle environments go now, busy ones when they finish. */
  retire(reason: 'retired' | 'closed' = 'retired'): void {
    this.#retired = true;
    for (const env of [...this.#idle, ...this.#provisionedIdle]) this.remove(env, reason);
    if (reason === 'closed') for (const env of [...this.#all]) this.remove(env, reason);
    if (this.#all.size === 0) this.budget.unregister(this);
  }
}
