/**
 * In-memory stand-ins for the services an asynchronous invocation's failures and results go to:
 * an SQS-like queue, an SNS-like topic and an EventBridge-like bus. Each has an ARN (to put in
 * `DeadLetterConfig.TargetArn` or an event-invoke config's destinations) and keeps what it received
 * in order. `failNext(n)` / `failAll()` make sends fail, to exercise `DeadLetterErrors` and
 * `DestinationDeliveryFailures`.
 */
import { TargetSendError } from '../errors.js';
export interface MessageAttribute {
  DataType: 'String' | 'Number';
  StringValue: string;
}

/** What an SQS queue holds: the message body and its attributes. */
export interface QueueMessage {
  MessageId: string;
  Body: string;
  MessageAttributes: Record<string, MessageAttribute>;
  /** Simulated epoch ms it was sent. */
  SentTimestamp: number;
}

/** What an SNS topic received (`Message` is the body). */
export interface TopicMessage {
  MessageId: string;
  Message: string;
  MessageAttributes: Record<string, MessageAttribute>;
  Timestamp: number;
}

/** What an EventBridge bus received. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export type TargetKind = 'sqs' | 'sns' | 'events' | 'lambda';

export { TargetSendError };

abstract class Target<M> {
  readonly arn: string;
  readonly name: string;
  readonly #items: M[] = [];
  #failNext = 0;
  #failAll = false;

  constructor(arn: string, name: string) {
    this.arn = arn;
    this.name = name;
  }

  /** Makes the next `n` sends fail (fault injection). */
  failNext(n = 1): void {
    this.#failNext += n;
  }

  /** Makes every send fail until `failAll(false)`. */
  failAll(on = true): void {
    this.#failAll = on;
  }

  /** Everything received so far, oldest first (a copy). */
  protected items(): M[] {
    return [...this.#items];
  }

  get size(): number {
    return this.#items.length;
  }

  /** Empties the target. */
  clear(): void {
    this.#items.length = 0;
  }

  /** @internal Stores `item`, or throws when a fault says so. */
  accept(item: M): void {
    if (this.#failAll || this.#failNext > 0) {
      if (!this.#failAll) this.#failNext--;
      throw new TargetSendError(`${this.arn}: send refused (fault injected)`);
    }
    this.#items.push(item);
  }
}

export class MemoryQueue extends Target<QueueMessage> {
  readonly kind = 'sqs' as const;
  /** Messages received, oldest first. */
  messages(): QueueMessage[] {
    return this.items();
  }
}

export class MemoryTopic extends Target<TopicMessage> {
  readonly kind = 'sns' as const;
  /** Messages published, oldest first. */
  messages(): TopicMessage[] {
    return this.items();
  }
}

export class MemoryEventBus extends Target<BusEvent> {
  readonly kind = 'events' as const;
  /** Events put on the bus, oldest first. */
  events(): BusEvent[] {
    return this.items();
  }
}

export type AnyTarget = MemoryQueue | MemoryTopic | MemoryEventBus;

/** The kind of target an ARN names, or undefined when it is none lambda-sim can deliver to. */
export function targetKind(arn: string): TargetKind | undefined {
  const m = /^arn:aws[a-zA-Z-]*:(sqs|sns|events|lambda):[a-z0-9-]+:\d{12}:(.+)$/.exec(arn);
  if (m === null) return undefined;
  const service = m[1] as TargetKind;
  const rest = m[2]!;
  if (service === 'events' && !rest.startsWith('event-bus/')) return undefined;
  if (service === 'lambda' && !rest.startsWith('function:')) return undefined;
  return service;
}
