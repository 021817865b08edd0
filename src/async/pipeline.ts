/**
 * Asynchronous invocation (InvocationType 'Event'): Lambda's internal event queue and its poller.
 *
 * An accepted event becomes a *delivery chain*: it waits in its function's queue, is delivered when
 * the concurrency governor admits it, and ends in exactly one terminal state:
 *
 * - `succeeded` — an attempt returned (on-success destination);
 * - `failed` — `RetriesExhausted` (function errors: thrown, timeout, crash, after 1 + MaximumRetryAttempts
 *   attempts, ≥ 60 s before the first retry and ≥ 120 s before the second), `EventAgeExceeded`
 *   (MaximumEventAgeInSeconds passed before it could run again), `ZeroReservedConcurrency`, or
 *   `RecursiveInvocationDetected` (DLQ and on-failure destination, both when both are set);
 * - `dropped` — with a reason (`QueueOverflow`, `FunctionDeleted`): lost as Lambda may lose events, but
 *   recorded.
 *
 * Throttled deliveries (and simulator faults such as the host's environment cap) go back to the
 * queue with exponential backoff from 1 s up to 5 min, until the event's age runs out. Duplicate
 * delivery (at least once) starts a second chain for the same event, with the same request id.
 *
 * Everything runs on the kernel's clock: retries and backoffs are kernel events, deliveries start
 * inside them, so a run replays exactly from its seed.
 */
import type { SimEvent } from '../kernel/event-heap.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Random } from '../kernel/random.js';
import type { ThrottleReason } from '../errors.js';
import type { InvocationRecord } from '../runtime/environment.js';
import type { EffectiveEventConfig } from './event-config.js';
import { targetKind, type AnyTarget, type MessageAttribute } from './targets.js';

export type AsyncEventState = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'dropped';
export type FailureCondition = 'RetriesExhausted' | 'EventAgeExceeded' | 'ZeroReservedConcurrency' | 'RecursiveInvocationDetected';
export type DropReason = 'QueueOverflow' | 'FunctionDeleted';

export interface AsyncAttempt {
  /** 1 for the first delivery of this chain. */
  attempt: number;
  start: number;
  end: number | undefined;
  status: InvocationRecord['status'] | 'running';
  errorType: string | undefined;
  environmentId: string;
  executedVersion: string;
}

export interface TargetDelivery {
  targetArn: string;
  ok: boolean;
  error?: string;
}

/** One delivery chain of an accepted event (chain 0 is the original, higher ones duplicates). */
export interface AsyncEventRecord {
  requestId: string;
  chain: number;
  duplicate: boolean;
  functionName: string;
  qualifier: string;
  payload: string;
  receivedAt: number;
  state: AsyncEventState;
  attempts: AsyncAttempt[];
  /** Deliveries refused by throttling or a simulator fault (each retried with backoff). */
  throttles: number;
  condition: 'Success' | FailureCondition | undefined;
  dropReason: DropReason | undefined;
  endedAt: number | undefined;
  deadLetter: TargetDelivery | undefined;
  destination: (TargetDelivery & { kind: 'OnSuccess' | 'OnFailure' }) | undefined;
}

export interface AsyncLifecycleEvent {
  type: 'queued' | 'delivered' | 'throttled' | 'retry-scheduled' | 'succeeded' | 'failed' | 'dropped' | 'dead-lettered' | 'destination' | 'duplicated';
  requestId: string;
  chain: number;
  functionName: string;
  /** What the event was invoked as: `$LATEST`, a version or an alias. */
  qualifier: string;
  time: number;
  attempt?: number;
  /** Simulated time the next delivery try is due (retry-scheduled, throttled). */
  at?: number;
  reason?: string;
  condition?: string;
  targetArn?: string;
  ok?: boolean;
  /** Age of the event at a delivery (ms). */
  age?: number;
}

export type StartResult = { kind: 'started' } | { kind: 'throttled'; reason: ThrottleReason | 'HostLimitExceeded' } | { kind: 'gone' };

/** What the pipeline needs from the simulator. */
export interface PipelineHost {
  kernel: Kernel;
  random: Random;
  region: string;
  accountId: string;
  capacity: number;
  duplicateProbability: number;
  retryJitterMs: number;
  keepEvents: number;
  functionArn(name: string): string;
  reservation(name: string): number | undefined;
  eventConfig(name: string, qualifier: string): EffectiveEventConfig;
  /** The DLQ of the version that ran (or the qualifier's, when nothing ran), if any. */
  deadLetterArn(name: string, qualifier: string, executedVersion: string | undefined): string | undefined;
  /**
   * Starts one delivery now: `onStarted` once it is admitted (before the handler runs), `onEnd`
   * with the invocation's record (possibly inside this call).
   */
  start(
    chain: { functionName: string; qualifier: string; target: string; owner: object; payload: string; requestId: string; traceId: string; attempts: readonly unknown[] },
    onStarted: (environmentId: string, executedVersion: string) => void,
    onEnd: (record: InvocationRecord) => void,
  ): StartResult;
  target(arn: string): AnyTarget | undefined;
  /** Invokes a function asynchronously (a Lambda destination); the reason when it cannot be accepted. */
  invokeAsync(functionArn: string, payload: string, traceId: string, from: string): string | undefined;
  /** The version an event's qualifier names now (an alias's primary version), for records of events that never ran. */
  versionOf(name: string, qualifier: string): string;
  emit(event: AsyncLifecycleEvent): void;
  /** Fault injection (see faults.ts). */
  faults: {
    duplicateDelay(functionName: string, now: number): number | undefined;
    pollerHeldUntil(functionName: string, now: number): number | undefined;
    targetFails(arn: string, now: number): boolean;
  };
  /** Whether anyone listens to lifecycle events (building them is skipped otherwise). */
  listening(): boolean;
  metrics: {
    received(fn: string): void;
    age(fn: string, ms: number): void;
    dropped(fn: string): void;
    deadLetterError(fn: string): void;
    destinationFailure(fn: string): void;
  };
}

interface LastResponse {
  status: InvocationRecord['status'];
  payload: string;
  executedVersion: string;
  errorType: string | undefined;
}

class Chain {
  state: AsyncEventState = 'queued';
  attempts: AsyncAttempt[] = [];
  throttles = 0;
  condition: AsyncEventRecord['condition'];
  dropReason: DropReason | undefined;
  endedAt: number | undefined;
  deadLetter: TargetDelivery | undefined;
  destination: AsyncEventRecord['destination'];
  last: LastResponse | undefined;
  timer: SimEvent | undefined;
  constructor(
    /** Creation order, for stable listings. */
    readonly seq: number,
    readonly requestId: string,
    readonly index: number,
    readonly functionName: string,
    readonly qualifier: string,
    /** What the event was invoked as (a name, or `name:qualifier`): resolved again at each delivery. */
    readonly target: string,
    /** The function the event was accepted for: a function deleted and created again is another one. */
    readonly owner: object,
    readonly payload: string,
    readonly traceId: string,
    readonly receivedAt: number,
  ) {}

  record(): AsyncEventRecord {
    return {
      requestId: this.requestId,
      chain: this.index,
      duplicate: this.index > 0,
      functionName: this.functionName,
      qualifier: this.qualifier,
      payload: this.payload,
      receivedAt: this.receivedAt,
      state: this.state,
      attempts: this.attempts.map((a) => ({ ...a })),
      throttles: this.throttles,
      condition: this.condition,
      dropReason: this.dropReason,
      endedAt: this.endedAt,
      deadLetter: this.deadLetter === undefined ? undefined : { ...this.deadLetter },
      destination: this.destination === undefined ? undefined : { ...this.destination },
    };
  }
}

/** A function's queue: chains ready for delivery (FIFO), and a count of all waiting ones. */
class FunctionQueue {
  readonly ready: Chain[] = [];
  head = 0;
  /** Chains in this queue: ready, or waiting for a retry or a backoff. */
  waiting = 0;
  pumpScheduled = false;
  /** The last delivery try was throttled: pump again when capacity frees. */
  blocked = false;
  constructor(readonly name: string) {}

  get readyCount(): number {
    return this.ready.length - this.head;
  }
  peek(): Chain | undefined {
    return this.ready[this.head];
  }
  shift(): void {
    this.ready[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready.splice(0, this.head);
      this.head = 0;
    }
  }
}

const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 300_000;
const RETRY_GAPS_MS = [60_000, 120_000];
const MAX_ERROR_MESSAGE_BYTES = 1024;

export class AsyncPipeline {
  readonly #host: PipelineHost;
  readonly #queues = new Map<string, FunctionQueue>();
  readonly #blocked = new Set<FunctionQueue>();
  /** Chains not yet terminal. */
  readonly #active = new Set<Chain>();
  /** Terminal chains, oldest first, at most `keepEvents`. */
  #done: Chain[] = [];
  #doneHead = 0;
  /** Original chains by request id (for duplicates), while active or kept. */
  readonly #originals = new Map<string, { chain: Chain; duplicates: number; succeeded: boolean; dropped: boolean }>();
  #terminalCount = 0;
  #seq = 0;

  constructor(host: PipelineHost) {
    this.#host = host;
  }

  /** Chains not yet in a terminal state. */
  get pending(): number {
    return this.#active.size;
  }

  /** Chains that reached a terminal state since the start (including those no longer kept). */
  get terminalCount(): number {
    return this.#terminalCount;
  }

  /**
   * Accepts an event (the Invoke has been validated and answered 202): it is queued, or ends at
   * once when it cannot be delivered (reserved concurrency 0, recursion stopped, queue full).
   */
  accept(functionName: string, qualifier: string, target: string, owner: object, payload: string, requestId: string, traceId: string, recursionStopped: boolean): void {
    const host = this.#host;
    const chain = new Chain(++this.#seq, requestId, 0, functionName, qualifier, target, owner, payload, traceId, host.kernel.now());
    this.#active.add(chain);
    this.#originals.set(requestId, { chain, duplicates: 0, succeeded: false, dropped: false });
    host.metrics.received(functionName);
    this.#notify(chain, 'queued');
    // Every accepted event is numbered for fault plans (`event: n`), also one refused or dropped at once.
    const duplicateDelay = host.faults.duplicateDelay(functionName, chain.receivedAt);
    const refused: FailureCondition | undefined = recursionStopped ? 'RecursiveInvocationDetected' : host.reservation(functionName) === 0 ? 'ZeroReservedConcurrency' : undefined;
    if (refused !== undefined) {
      // Decided now, handled in an event of its own: failure handling may invoke a function (a
      // destination) that is refused at once again, which must not recurse inside this call.
      chain.timer = host.kernel.after(0, `async refused ${requestId}`, () => {
        chain.timer = undefined;
        this.#fail(chain, refused);
      });
      return;
    }
    const queue = this.#queue(functionName);
    if (queue.waiting >= host.capacity) return this.#drop(chain, 'QueueOverflow');
    this.#enqueue(queue, chain);
    // The copy comes after its original (even with no delay).
    if (duplicateDelay !== undefined) this.duplicate(requestId, duplicateDelay);
  }

  /**
   * Delivers an accepted event once more, as Lambda's at-least-once delivery may: a new chain with
   * the same request id and payload. False when the request id is unknown (or no longer kept).
   */
  duplicate(requestId: string, delayMs = 0): boolean {
    const original = this.#originals.get(requestId);
    if (original === undefined) return false;
    const o = original.chain;
    const chain = new Chain(++this.#seq, o.requestId, ++original.duplicates, o.functionName, o.qualifier, o.target, o.owner, o.payload, o.traceId, o.receivedAt);
    this.#active.add(chain);
    const queue = this.#queue(o.functionName);
    queue.waiting++;
    const enter = (): void => {
      chain.timer = undefined;
      this.#notify(chain, 'duplicated');
      queue.ready.push(chain);
      // Delivered by the poller at this instant, behind what is already ready (not inside this call).
      if (!queue.blocked) this.#schedulePump(queue);
    };
    if (delayMs > 0) chain.timer = this.#host.kernel.after(delayMs, `async duplicate ${requestId}`, enter);
    else enter();
    return true;
  }

  /** A unit of concurrency was freed somewhere: functions whose delivery was throttled try again. */
  capacityFreed(): void {
    if (this.#blocked.size === 0) return;
    for (const queue of this.#blocked) {
      queue.blocked = false;
      this.#schedulePump(queue);
    }
    this.#blocked.clear();
  }

  /** Records of delivery chains: those not yet ended, and the most recent ended ones kept. */
  events(filter: { functionName?: string; state?: AsyncEventState; requestId?: string } = {}): AsyncEventRecord[] {
    const keep = (c: Chain): boolean =>
      (filter.functionName === undefined || c.functionName === filter.functionName) &&
      (filter.state === undefined || c.state === filter.state) &&
      (filter.requestId === undefined || c.requestId === filter.requestId);
    const out: Chain[] = [];
    for (let i = this.#doneHead; i < this.#done.length; i++) if (keep(this.#done[i]!)) out.push(this.#done[i]!);
    for (const c of this.#active) if (keep(c)) out.push(c);
    return out.sort((a, b) => a.receivedAt - b.receivedAt || a.seq - b.seq).map((c) => c.record());
  }

  /** Cancels every pending timer (the simulator is closing). */
  close(): void {
    for (const c of this.#active) if (c.timer !== undefined) this.#host.kernel.cancel(c.timer);
  }

  // ---- the poller ----

  #queue(name: string): FunctionQueue {
    let q = this.#queues.get(name);
    if (q === undefined) {
      q = new FunctionQueue(name);
      this.#queues.set(name, q);
    }
    return q;
  }

  #enqueue(queue: FunctionQueue, chain: Chain): void {
    queue.waiting++;
    queue.ready.push(chain);
    if (!queue.blocked) this.#schedulePump(queue);
  }

  /** Pumps at the current instant, after whatever else happens now (one event per burst). */
  #schedulePump(queue: FunctionQueue): void {
    if (queue.pumpScheduled) return;
    queue.pumpScheduled = true;
    this.#host.kernel.after(0, `async poller ${queue.name}`, () => {
      queue.pumpScheduled = false;
      this.#pump(queue);
    });
  }

  /** Delivers ready chains in order until one is throttled. */
  #pump(queue: FunctionQueue): void {
    const host = this.#host;
    // Only the chains ready now: one that becomes ready during this pump (a destination invoking
    // this function, a handler that ends at once and is retried) waits for the next pump.
    let budget = queue.readyCount;
    const held = budget > 0 ? host.faults.pollerHeldUntil(queue.name, host.kernel.now()) : undefined;
    if (held !== undefined) {
      // An injected poller delay: nothing is delivered before it ends.
      if (!queue.pumpScheduled) {
        queue.pumpScheduled = true;
        host.kernel.schedule(held, `async poller ${queue.name} (held)`, () => {
          queue.pumpScheduled = false;
          this.#pump(queue);
        });
      }
      return;
    }
    while (budget-- > 0 && queue.readyCount > 0 && !queue.blocked) {
      const chain = queue.peek()!;
      const now = host.kernel.now();
      const config = host.eventConfig(chain.functionName, chain.qualifier);
      if (now - chain.receivedAt > config.maxAgeMs) {
        queue.shift();
        queue.waiting--;
        this.#fail(chain, 'EventAgeExceeded');
        continue;
      }
      if (host.reservation(chain.functionName) === 0) {
        queue.shift();
        queue.waiting--;
        this.#fail(chain, 'ZeroReservedConcurrency');
        continue;
      }
      const attempt = chain.attempts.length + 1;
      queue.shift();
      // The invocation may end inside start() (a handler that finishes synchronously): the attempt
      // is recorded by onStarted, before the handler runs.
      const result = host.start(
        chain,
        (environmentId, executedVersion) => {
          queue.waiting--;
          chain.state = 'running';
          chain.attempts.push({ attempt, start: now, end: undefined, status: 'running', errorType: undefined, environmentId, executedVersion });
          const age = now - chain.receivedAt;
          host.metrics.age(chain.functionName, age);
          if (host.listening()) host.emit({ type: 'delivered', requestId: chain.requestId, chain: chain.index, functionName: chain.functionName, qualifier: chain.qualifier, time: now, attempt, age });
        },
        (record) => this.#ended(chain, record),
      );
      if (result.kind === 'gone') {
        queue.waiting--;
        this.#drop(chain, 'FunctionDeleted');
        continue;
      }
      if (result.kind === 'throttled') {
        chain.throttles++;
        queue.blocked = true;
        this.#blocked.add(queue);
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.min(30, chain.throttles - 1));
        this.#later(queue, chain, config, delay, 'throttled', result.reason);
        break;
      }
      if (chain.index === 0 && attempt === 1 && host.duplicateProbability > 0 && host.random.next() < host.duplicateProbability) {
        this.duplicate(chain.requestId, Math.floor(host.random.next() * 1000));
      }
    }
  }

  /**
   * The chain waits `delay` ms in the queue (a retry or a throttle backoff), or fails with
   * EventAgeExceeded at the moment its age passes the maximum, if that comes first.
   */
  #later(queue: FunctionQueue, chain: Chain, config: EffectiveEventConfig, delay: number, why: 'throttled' | 'retry-scheduled', reason?: string): void {
    const host = this.#host;
    const now = host.kernel.now();
    const at = now + delay;
    const expiry = chain.receivedAt + config.maxAgeMs;
    chain.state = why === 'throttled' ? 'queued' : 'retrying';
    if (host.listening()) {
      host.emit({ type: why, requestId: chain.requestId, chain: chain.index, functionName: chain.functionName, qualifier: chain.qualifier, time: now, at, attempt: chain.attempts.length + 1, ...(reason === undefined ? {} : { reason }) });
    }
    // A throttled chain holds its queue's block: when its wait ends, the queue tries again.
    const unblock = (): void => {
      if (why !== 'throttled') return;
      queue.blocked = false;
      this.#blocked.delete(queue);
    };
    if (at > expiry) {
      chain.timer = host.kernel.schedule(expiry, `async age ${chain.requestId}`, () => {
        chain.timer = undefined;
        queue.waiting--;
        this.#fail(chain, 'EventAgeExceeded');
        unblock();
        this.#pump(queue);
      });
      return;
    }
    chain.timer = host.kernel.schedule(at, `async ${why} ${chain.requestId}`, () => {
      chain.timer = undefined;
      queue.ready.push(chain);
      unblock();
      this.#pump(queue);
    });
  }

  /** An attempt ended. */
  #ended(chain: Chain, record: InvocationRecord): void {
    const attempt = chain.attempts[chain.attempts.length - 1]!;
    attempt.end = record.endTime;
    attempt.status = record.status;
    attempt.errorType = record.errorType;
    chain.last = { status: record.status, payload: record.payload, executedVersion: record.version, errorType: record.errorType };
    if (record.status === 'success') {
      this.#succeed(chain);
      return;
    }
    const config = this.#host.eventConfig(chain.functionName, chain.qualifier);
    const retriesDone = chain.attempts.length - 1;
    if (retriesDone >= config.maxRetries) {
      this.#fail(chain, 'RetriesExhausted');
      return;
    }
    const jitter = this.#host.retryJitterMs > 0 ? Math.floor(this.#host.random.next() * this.#host.retryJitterMs) : 0;
    const queue = this.#queue(chain.functionName);
    queue.waiting++;
    this.#later(queue, chain, config, RETRY_GAPS_MS[Math.min(retriesDone, 1)]! + jitter, 'retry-scheduled');
  }

  // ---- terminal states ----

  #succeed(chain: Chain): void {
    chain.condition = 'Success';
    const original = this.#originals.get(chain.requestId);
    if (original !== undefined) original.succeeded = true;
    this.#terminal(chain, 'succeeded');
    const config = this.#host.eventConfig(chain.functionName, chain.qualifier);
    if (config.onSuccess !== undefined) this.#toDestination(chain, 'OnSuccess', config.onSuccess);
  }

  #fail(chain: Chain, condition: FailureCondition): void {
    chain.condition = condition;
    this.#countDropped(chain);
    this.#terminal(chain, 'failed');
    const dlq = this.#host.deadLetterArn(chain.functionName, chain.qualifier, chain.last?.executedVersion);
    if (dlq !== undefined) this.#toDeadLetter(chain, dlq);
    const config = this.#host.eventConfig(chain.functionName, chain.qualifier);
    if (config.onFailure !== undefined) this.#toDestination(chain, 'OnFailure', config.onFailure);
  }

  #drop(chain: Chain, reason: DropReason): void {
    chain.dropReason = reason;
    this.#countDropped(chain);
    this.#terminal(chain, 'dropped');
  }

  /**
   * AsyncEventsDropped counts *events* dropped without a successful run: once per request id, at
   * the first of its chains that ends without success, unless one already succeeded.
   */
  #countDropped(chain: Chain): void {
    const original = this.#originals.get(chain.requestId);
    if (original !== undefined) {
      if (original.succeeded || original.dropped) return;
      original.dropped = true;
    }
    this.#host.metrics.dropped(chain.functionName);
  }

  #terminal(chain: Chain, state: 'succeeded' | 'failed' | 'dropped'): void {
    const host = this.#host;
    chain.state = state;
    chain.endedAt = host.kernel.now();
    this.#active.delete(chain);
    this.#terminalCount++;
    this.#done.push(chain);
    if (this.#done.length - this.#doneHead > host.keepEvents) {
      const old = this.#done[this.#doneHead]!;
      this.#done[this.#doneHead++] = undefined as never;
      const original = this.#originals.get(old.requestId);
      if (original !== undefined && old.index === 0 && original.chain === old) this.#originals.delete(old.requestId);
      if (this.#doneHead > 4096 && this.#doneHead * 2 > this.#done.length) {
        this.#done = this.#done.slice(this.#doneHead);
        this.#doneHead = 0;
      }
    }
    if (host.listening()) {
      host.emit({
        type: state,
        requestId: chain.requestId,
        chain: chain.index,
        functionName: chain.functionName,
        qualifier: chain.qualifier,
        time: chain.endedAt,
        attempt: chain.attempts.length,
        ...(chain.condition !== undefined && state !== 'succeeded' ? { condition: chain.condition } : {}),
        ...(chain.dropReason !== undefined ? { reason: chain.dropReason } : {}),
      });
    }
  }

  /** The DLQ gets the original event, with RequestID, ErrorCode and ErrorMessage attributes. */
  #toDeadLetter(chain: Chain, arn: string): void {
    const host = this.#host;
    const { code, message } = errorOf(chain);
    const attributes: Record<string, MessageAttribute> = {
      RequestID: { DataType: 'String', StringValue: chain.requestId },
      ErrorCode: { DataType: 'Number', StringValue: String(code) },
      ErrorMessage: { DataType: 'String', StringValue: truncateBytes(message, MAX_ERROR_MESSAGE_BYTES) },
    };
    const result = this.#send(arn, chain.payload, attributes, undefined, chain.traceId, chain.condition);
    chain.deadLetter = result;
    if (!result.ok) host.metrics.deadLetterError(chain.functionName);
    if (host.listening()) host.emit({ type: 'dead-lettered', requestId: chain.requestId, chain: chain.index, functionName: chain.functionName, qualifier: chain.qualifier, time: host.kernel.now(), targetArn: arn, ok: result.ok });
  }

  #toDestination(chain: Chain, kind: 'OnSuccess' | 'OnFailure', arn: string): void {
    const host = this.#host;
    const record = this.#invocationRecord(chain);
    const result = this.#send(arn, recordText(record, chain), {}, { record, success: kind === 'OnSuccess' }, chain.traceId, chain.condition);
    chain.destination = { kind, ...result };
    if (!result.ok) host.metrics.destinationFailure(chain.functionName);
    if (host.listening()) host.emit({ type: 'destination', requestId: chain.requestId, chain: chain.index, functionName: chain.functionName, qualifier: chain.qualifier, time: host.kernel.now(), targetArn: arn, ok: result.ok, reason: kind });
  }

  /** Sends a message body to a queue, topic, bus or function; never throws. */
  #send(
    arn: string,
    body: string,
    attributes: Record<string, MessageAttribute>,
    asRecord: { record: object; success: boolean } | undefined,
    traceId: string,
    condition: AsyncEventRecord['condition'],
  ): TargetDelivery {
    const host = this.#host;
    const now = host.kernel.now();
    const id = host.random.uuid();
    try {
      if (host.faults.targetFails(arn, now)) return { targetArn: arn, ok: false, error: `${arn}: send refused (fault injected)` };
      if (targetKind(arn) === 'lambda') {
        if (asRecord === undefined) return { targetArn: arn, ok: false, error: 'a dead-letter queue must be an SQS queue or SNS topic' };
        // The loop was stopped: sending its failure to a function would start the next turn of it.
        if (condition === 'RecursiveInvocationDetected') return { targetArn: arn, ok: false, error: 'a recursive loop was stopped: its failure is not sent to a function' };
        const refused = host.invokeAsync(arn, body, traceId, (asRecord.record as { requestContext: { functionArn: string } }).requestContext.functionArn);
        return refused === undefined ? { targetArn: arn, ok: true } : { targetArn: arn, ok: false, error: refused };
      }
      if (arn.endsWith('.fifo')) return { targetArn: arn, ok: false, error: `${arn} is a FIFO queue or topic: Lambda cannot send to it` };
      const target = host.target(arn);
      if (target === undefined) return { targetArn: arn, ok: false, error: `no queue, topic or bus with ARN ${arn} exists in this simulator` };
      if (target.kind === 'sqs') target.accept({ MessageId: id, Body: body, MessageAttributes: attributes, SentTimestamp: now });
      else if (target.kind === 'sns') target.accept({ MessageId: id, Message: body, MessageAttributes: attributes, Timestamp: now });
      else {
        if (asRecord === undefined) return { targetArn: arn, ok: false, error: 'a dead-letter queue must be an SQS queue or SNS topic' };
        target.accept({
          version: '0',
          id,
          'detail-type': asRecord.success ? 'Lambda Function Invocation Result - Success' : 'Lambda Function Invocation Result - Failure',
          source: 'lambda',
          account: host.accountId,
          time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: host.region,
          resources: [(asRecord.record as { requestContext: { functionArn: string } }).requestContext.functionArn, arn],
          detail: asRecord.record,
        });
      }
      return { targetArn: arn, ok: true };
    } catch (error) {
      return { targetArn: arn, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The invocation record destinations receive (LAMBDA_SEMANTICS §4). */
  #invocationRecord(chain: Chain): Record<string, unknown> {
    const host = this.#host;
    const last = chain.last;
    const version = last?.executedVersion ?? host.versionOf(chain.functionName, chain.qualifier);
    return {
      version: '1.0',
      timestamp: new Date(host.kernel.now()).toISOString(),
      requestContext: {
        requestId: chain.requestId,
        functionArn: `${host.functionArn(chain.functionName)}:${version}`,
        condition: chain.condition,
        approximateInvokeCount: chain.attempts.length,
      },
      requestPayload: parseOr(chain.payload),
      ...(last === undefined
        ? {}
        : {
            responseContext: { statusCode: 200, executedVersion: last.executedVersion, ...(last.status === 'success' ? {} : { functionError: 'Unhandled' }) },
            responsePayload: parseOr(last.payload),
          }),
    };
  }

  #notify(chain: Chain, type: 'queued' | 'duplicated'): void {
    const host = this.#host;
    if (host.listening()) host.emit({ type, requestId: chain.requestId, chain: chain.index, functionName: chain.functionName, qualifier: chain.qualifier, time: host.kernel.now() });
  }
}

/** ErrorCode (the HTTP status of the last try) and ErrorMessage of a failed chain, for its DLQ message. */
function errorOf(chain: Chain): { code: number; message: string } {
  const last = chain.last;
  switch (chain.condition) {
    case 'ZeroReservedConcurrency':
      return { code: 429, message: 'The function has a reserved concurrency of 0: the event was not delivered.' };
    case 'RecursiveInvocationDetected':
      return { code: 400, message: 'Lambda detected a recursive invocation loop and stopped this event (more than 16 function-to-function invocations).' };
    case 'EventAgeExceeded':
      if (last === undefined) return { code: 429, message: `The event reached its maximum age without running (${chain.throttles} throttled deliveries).` };
      break;
    default:
      break;
  }
  if (last === undefined) return { code: 500, message: 'The event failed without running.' };
  let message = last.errorType ?? 'Unhandled';
  try {
    const body = JSON.parse(last.payload) as { errorMessage?: unknown };
    if (typeof body.errorMessage === 'string') message = body.errorMessage;
  } catch {
    /* not JSON: keep the error type */
  }
  return { code: 200, message };
}

function truncateBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  // Cut at a character boundary.
  let end = max;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * The record's JSON text, as `JSON.stringify(record)` gives it. The payloads came from a client or
 * a handler: one nested deeper than JSON.stringify's recursion reaches (200,000 levels of `[`)
 * parses (V8's parser is iterative) but does not stringify, and a RangeError here would escape a
 * kernel event and fail everybody's invocations. Such a payload goes in as the text it was.
 */
function recordText(record: Record<string, unknown>, chain: Chain): string {
  try {
    return JSON.stringify(record);
  } catch {
    const { requestPayload: _request, responseContext, responsePayload: _response, ...head } = record;
    let text = `${JSON.stringify(head).slice(0, -1)},"requestPayload":${payloadText(chain.payload)}`;
    if (responseContext !== undefined && chain.last !== undefined) {
      text += `,"responseContext":${JSON.stringify(responseContext)},"responsePayload":${payloadText(chain.last.payload)}`;
    }
    return `${text}}`;
  }
}

/** A payload as JSON text: re-serialised when it can be (as the record would be), else as it came. */
function payloadText(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return JSON.stringify(text);
  }
  try {
    return JSON.stringify(value);
  } catch {
    return text.trim();
  }
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
