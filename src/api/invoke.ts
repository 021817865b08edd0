/**
 * Invoke's request parsing and validation, and its output, as the Lambda API and the AWS SDK
 * define them (LAMBDA_SEMANTICS §1).
 */
import {
  InvalidParameterValueException,
  InvalidRequestContentException,
  RequestEntityTooLargeException,
} from '../errors.js';
import { display, validationMessage } from '../control/names.js';
import type { ResponseMetadata } from '../errors.js';
import { PayloadBlob } from './payload.js';

export const MAX_SYNC_REQUEST_BYTES = 6_291_456;
export const MAX_CLIENT_CONTEXT_BYTES = 3583;
export const LOG_TAIL_BYTES = 4096;

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';
export type LogType = 'None' | 'Tail';

export interface InvokeInput {
  FunctionName: string;
  InvocationType?: InvocationType | undefined;
  LogType?: LogType | undefined;
  ClientContext?: string | undefined;
  Payload?: string | Uint8Array | undefined;
  Qualifier?: string | undefined;
}

export interface InvokeOutput {
  StatusCode: number;
  FunctionError?: string;
  LogResult?: string;
  ExecutedVersion?: string;
  Payload?: PayloadBlob;
  $metadata: ResponseMetadata;
}

export interface ParsedInvoke {
  functionName: string;
  qualifier: string | undefined;
  invocationType: InvocationType;
  logType: LogType;
  /** Payload text, `{}` when absent or empty. */
  payload: string;
  clientContext: unknown;
}

const INPUT_KEYS = new Set(['FunctionName', 'InvocationType', 'LogType', 'ClientContext', 'Payload', 'Qualifier', 'TenantId']);

export function parseInvokeInput(input: InvokeInput): ParsedInvoke {
  if (input === null || typeof input !== 'object') {
    throw new InvalidParameterValueException(`invoke expects an input object like { FunctionName, Payload }, got ${display(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (!INPUT_KEYS.has(key)) throw new InvalidParameterValueException(`Unknown parameter '${key}' in Invoke input; expected one of ${[...INPUT_KEYS].join(', ')}`);
  }
  const invocationType = input.InvocationType ?? 'RequestResponse';
  if (invocationType !== 'RequestResponse' && invocationType !== 'Event' && invocationType !== 'DryRun') {
    throw new InvalidParameterValueException(validationMessage(invocationType, 'invocationType', 'Member must satisfy enum value set: [Event, RequestResponse, DryRun]'));
  }
  const logType = input.LogType ?? 'None';
  if (logType !== 'None' && logType !== 'Tail') {
    throw new InvalidParameterValueException(validationMessage(logType, 'logType', 'Member must satisfy enum value set: [None, Tail]'));
  }
  if (input.Qualifier !== undefined && (typeof input.Qualifier !== 'string' || !/^(\$LATEST|[a-zA-Z0-9-_]{1,128})$/.test(input.Qualifier))) {
    throw new InvalidParameterValueException(validationMessage(input.Qualifier, 'qualifier', 'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)'));
  }
  return {
    functionName: input.FunctionName,
    qualifier: input.Qualifier,
    invocationType,
    logType,
    payload: parsePayload(input.Payload),
    clientContext: parseClientContext(input.ClientContext),
  };
}

function parsePayload(payload: unknown): string {
  let text: string;
  let bytes: number;
  if (payload === undefined || payload === null) return '{}';
  if (typeof payload === 'string') {
    text = payload;
    bytes = Buffer.byteLength(payload);
  } else if (payload instanceof Uint8Array) {
    bytes = payload.byteLength;
    if (bytes > MAX_SYNC_REQUEST_BYTES) throw tooLarge();
    text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  } else {
    throw new InvalidRequestContentException(`Payload must be a JSON string or a Uint8Array of JSON bytes, got ${typeof payload}`);
  }
  if (bytes > MAX_SYNC_REQUEST_BYTES) throw tooLarge();
  if (text.trim() === '') return '{}';
  try {
    JSON.parse(text);
  } catch (e) {
    throw new InvalidRequestContentException(`Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`);
  }
  return text;
}

function tooLarge(): RequestEntityTooLargeException {
  return new RequestEntityTooLargeException(`Request must be smaller than ${MAX_SYNC_REQUEST_BYTES} bytes for the InvokeFunction operation`);
}

function parseClientContext(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestContentException(`ClientContext must be a base64-encoded JSON string, got ${typeof value}`);
  if (value.length > MAX_CLIENT_CONTEXT_BYTES) {
    throw new InvalidRequestContentException(`Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes of base64-encoded JSON, got ${value.length} bytes`);
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 === 1) {
    throw new InvalidRequestContentException('Client context must be a valid Base64-encoded JSON object.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    throw new InvalidRequestContentException('Client context must be a valid Base64-encoded JSON object.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidRequestContentException('Client context must be a valid Base64-encoded JSON object.');
  }
  return parsed;
}

/** The last 4 KB of the invocation's log, base64 (what `LogType: 'Tail'` returns). */
export function logTail(lines: readonly string[]): string {
  // Only the last lines matter: a handler may log far more than fits in one string.
  const tail: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0 && bytes < LOG_TAIL_BYTES; i--) {
    const line = `${lines[i]}\n`;
    tail.push(line.length > LOG_TAIL_BYTES * 4 ? line.slice(-LOG_TAIL_BYTES * 4) : line);
    bytes += Buffer.byteLength(tail[tail.length - 1]!);
  }
  const all = Buffer.from(tail.reverse().join(''), 'utf8');
  return all.subarray(Math.max(0, all.length - LOG_TAIL_BYTES)).toString('base64');
}
