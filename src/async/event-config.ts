/**
 * Event-invoke configs (PutFunctionEventInvokeConfig and friends): per function and qualifier
 * (`$LATEST`, a version or an alias), the retry count, the maximum event age and the destinations
 * of asynchronous invocations. Put replaces the whole config (omitted fields revert to the
 * defaults), Update changes only the fields it is given.
 */
import { InvalidParameterValueException, ResourceNotFoundException } from '../errors.js';
import { display, validationMessage } from '../control/names.js';
import { targetKind } from './targets.js';

export interface DestinationConfig {
  OnSuccess?: { Destination?: string };
  OnFailure?: { Destination?: string };
}

export interface EventInvokeConfigInput {
  FunctionName: string;
  Qualifier?: string;
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  DestinationConfig?: DestinationConfig;
}

export interface FunctionEventInvokeConfig {
  LastModified: Date;
  FunctionArn: string;
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  DestinationConfig: { OnSuccess: { Destination?: string }; OnFailure: { Destination?: string } };
}

/** What a delivery needs from a config, defaults applied. */
export interface EffectiveEventConfig {
  maxRetries: number;
  maxAgeMs: number;
  onSuccess: string | undefined;
  onFailure: string | undefined;
}

export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_MAX_AGE_SECONDS = 21_600;

const DEFAULTS: EffectiveEventConfig = { maxRetries: DEFAULT_MAX_RETRIES, maxAgeMs: DEFAULT_MAX_AGE_SECONDS * 1000, onSuccess: undefined, onFailure: undefined };

interface Stored {
  lastModified: number;
  functionArn: string;
  maxRetries: number | undefined;
  maxAgeSeconds: number | undefined;
  onSuccess: string | undefined;
  onFailure: string | undefined;
  effective: EffectiveEventConfig;
}

export class EventInvokeConfigs {
  readonly #configs = new Map<string, Stored>();

  /** Effective settings for events invoked as `name:qualifier` (defaults when there is no config). */
  effective(name: string, qualifier: string): EffectiveEventConfig {
    return this.#configs.get(`${name}:${qualifier}`)?.effective ?? DEFAULTS;
  }

  put(name: string, qualifier: string, functionArn: string, input: EventInvokeConfigInput, now: number, mode: 'put' | 'update'): FunctionEventInvokeConfig {
    const key = `${name}:${qualifier}`;
    const current = this.#configs.get(key);
    if (mode === 'update' && current === undefined) throw notFound(functionArn);
    const maxRetries = checkRange(input.MaximumRetryAttempts, 'maximumRetryAttempts', 0, 2);
    const maxAgeSeconds = checkRange(input.MaximumEventAgeInSeconds, 'maximumEventAgeInSeconds', 60, 21_600);
    const destinations = input.DestinationConfig;
    if (destinations !== undefined && (destinations === null || typeof destinations !== 'object')) {
      throw new InvalidParameterValueException(`DestinationConfig must be an object like { OnSuccess: { Destination }, OnFailure: { Destination } }, got ${display(destinations)}`);
    }
    const onSuccess = checkDestination(destinations?.OnSuccess, 'OnSuccess');
    const onFailure = checkDestination(destinations?.OnFailure, 'OnFailure');
    const base = mode === 'update' ? current! : undefined;
    const merged = {
      maxRetries: maxRetries ?? base?.maxRetries,
      maxAgeSeconds: maxAgeSeconds ?? base?.maxAgeSeconds,
      onSuccess: destinations?.OnSuccess !== undefined ? onSuccess : base?.onSuccess,
      onFailure: destinations?.OnFailure !== undefined ? onFailure : base?.onFailure,
    };
    const stored: Stored = {
      ...merged,
      lastModified: now,
      functionArn,
      effective: {
        maxRetries: merged.maxRetries ?? DEFAULT_MAX_RETRIES,
        maxAgeMs: (merged.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000,
        onSuccess: merged.onSuccess,
        onFailure: merged.onFailure,
      },
    };
    this.#configs.set(key, stored);
    return view(stored);
  }

  get(name: string, qualifier: string, functionArn: string): FunctionEventInvokeConfig {
    const stored = this.#configs.get(`${name}:${qualifier}`);
    if (stored === undefined) throw notFound(functionArn);
    return view(stored);
  }

  delete(name: string, qualifier: string, functionArn: string): void {
    if (!this.#configs.delete(`${name}:${qualifier}`)) throw notFound(functionArn);
  }

  list(name: string): FunctionEventInvokeConfig[] {
    return [...this.#configs].filter(([k]) => k.slice(0, k.lastIndexOf(':')) === name).map(([, s]) => view(s));
  }

  /** Forgets every config of a deleted function. */
  forget(name: string): void {
    for (const key of [...this.#configs.keys()]) if (key.slice(0, key.lastIndexOf(':')) === name) this.#configs.delete(key);
  }
}

function view(s: Stored): FunctionEventInvokeConfig {
  return {
    LastModified: new Date(s.lastModified),
    FunctionArn: s.functionArn,
    ...(s.maxRetries === undefined ? {} : { MaximumRetryAttempts: s.maxRetries }),
    ...(s.maxAgeSeconds === undefined ? {} : { MaximumEventAgeInSeconds: s.maxAgeSeconds }),
    DestinationConfig: {
      OnSuccess: s.onSuccess === undefined ? {} : { Destination: s.onSuccess },
      OnFailure: s.onFailure === undefined ? {} : { Destination: s.onFailure },
    },
  };
}

function notFound(functionArn: string): ResourceNotFoundException {
  return new ResourceNotFoundException(`The function ${functionArn} doesn't have an EventInvokeConfig`);
}

function checkRange(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidParameterValueException(validationMessage(value, field, `Member must be an integer between ${min} and ${max}`));
  }
  if (value < min) throw new InvalidParameterValueException(validationMessage(value, field, `Member must have value greater than or equal to ${min}`));
  if (value > max) throw new InvalidParameterValueException(validationMessage(value, field, `Member must have value less than or equal to ${max}`));
  return value;
}

function checkDestination(value: unknown, field: 'OnSuccess' | 'OnFailure'): string | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') {
    throw new InvalidParameterValueException(`DestinationConfig.${field} must be an object like { Destination: ARN }, got ${display(value)}`);
  }
  const arn = (value as { Destination?: unknown }).Destination;
  if (arn === undefined) return undefined;
  if (typeof arn !== 'string' || targetKind(arn) === undefined) {
    throw new InvalidParameterValueException(
      `The destination ARN ${display(arn)} is invalid: expected the ARN of an SQS queue, SNS topic, Lambda function or EventBridge event bus (DestinationConfig.${field}.Destination)`,
    );
  }
  return arn;
}
