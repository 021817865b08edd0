/**
 * Validation of function configuration, with Lambda's limits (LAMBDA_SEMANTICS §2) and messages
 * in the API's own wording, quoting the field and the value received.
 */
import { InvalidParameterValueException } from '../errors.js';
import type { LogFormat } from '../runtime/logs.js';
import type { Runtime } from '../runtime/environment.js';
import { display, PLAIN_NAME, validationMessage } from './names.js';

export const RUNTIMES: readonly Runtime[] = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'];
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;

/** Environment variable names Lambda keeps for itself. */
export const RESERVED_VARIABLES = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

const fail = (value: unknown, field: string, constraint: string): never => {
  throw new InvalidParameterValueException(validationMessage(value, field, constraint));
};

export function validateFunctionName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) return fail(value, 'functionName', 'Member must have length greater than or equal to 1');
  if (value.length > 64) return fail(value, 'functionName', 'Member must have length less than or equal to 64');
  if (!PLAIN_NAME.test(value)) return fail(value, 'functionName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+');
  return value;
}

export function validateHandler(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidParameterValueException(`Handler is required for a Zip package type function (got ${display(value)}); expected 'module.export', e.g. 'index.handler'`);
  }
  if (value.length > 128) return fail(value, 'handler', 'Member must have length less than or equal to 128');
  if (/\s/.test(value)) return fail(value, 'handler', 'Member must satisfy regular expression pattern: [^\\s]+');
  return value;
}

export function validateRuntime(value: unknown, fallback: Runtime): Runtime {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(RUNTIMES as readonly string[]).includes(value)) {
    return fail(value, 'runtime', `Member must satisfy enum value set: [${RUNTIMES.join(', ')}] (lambda-sim runs Node.js functions only)`);
  }
  return value as Runtime;
}

export function validateInteger(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) return fail(value, field, 'Member must be an integer');
  if (value < min) return fail(value, field, `Member must have value greater than or equal to ${min}`);
  if (value > max) return fail(value, field, `Member must have value less than or equal to ${max}`);
  return value;
}

export function validateVariables(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const vars = (value as { Variables?: unknown }).Variables;
  if (typeof value !== 'object' || (vars !== undefined && (vars === null || typeof vars !== 'object' || Array.isArray(vars)))) {
    throw new InvalidParameterValueException(`Environment must be { Variables: { KEY: 'value' } }, got ${display(value)}`);
  }
  const out: Record<string, string> = {};
  const reserved: string[] = [];
  for (const [k, v] of Object.entries((vars ?? {}) as Record<string, unknown>)) {
    if (!/^[a-zA-Z]([a-zA-Z0-9_])+$/.test(k)) fail(k, 'environment.variables', 'Member must satisfy regular expression pattern for keys: [a-zA-Z]([a-zA-Z0-9_])+');
    if (typeof v !== 'string') throw new InvalidParameterValueException(`Environment variable ${k} must be a string, got ${display(v)} (${typeof v})`);
    if (RESERVED_VARIABLES.has(k)) reserved.push(k);
    out[k] = v;
  }
  if (reserved.length > 0) {
    throw new InvalidParameterValueException(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const size = Buffer.byteLength(JSON.stringify(out)) - 2;
  if (Object.keys(out).length > 0 && size > 4096) {
    throw new InvalidParameterValueException(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(out).slice(0, 200)}… (${size} bytes)`,
    );
  }
  return out;
}

export interface LoggingConfig {
  LogFormat: LogFormat;
  ApplicationLogLevel?: string;
  SystemLogLevel?: string;
  LogGroup: string;
}

export function validateLogging(value: unknown, functionName: string): LoggingConfig {
  const v = (value ?? {}) as Record<string, unknown>;
  if (typeof v !== 'object') throw new InvalidParameterValueException(`LoggingConfig must be an object, got ${display(value)}`);
  const format = v['LogFormat'] ?? 'Text';
  if (format !== 'Text' && format !== 'JSON') fail(format, 'loggingConfig.logFormat', 'Member must satisfy enum value set: [JSON, Text]');
  const out: LoggingConfig = { LogFormat: format as LogFormat, LogGroup: `/aws/lambda/${functionName}` };
  for (const key of ['ApplicationLogLevel', 'SystemLogLevel'] as const) {
    const level = v[key];
    if (level === undefined) continue;
    if (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level)) {
      fail(level, `loggingConfig.${key[0]!.toLowerCase()}${key.slice(1)}`, `Member must satisfy enum value set: [${LOG_LEVELS.join(', ')}]`);
    }
    if (format !== 'JSON') {
      throw new InvalidParameterValueException(`LoggingConfig.${key} can only be set when LogFormat is JSON (got LogFormat '${String(format)}')`);
    }
    out[key] = level as string;
  }
  if (typeof v['LogGroup'] === 'string') out.LogGroup = v['LogGroup'];
  return out;
}

/** `Description` of a function, version or alias: a string of at most 256 characters. */
export function validateDescription(value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') return fail(value, 'description', 'Member must be a string');
  if (value.length > 256) return fail(value, 'description', 'Member must have length less than or equal to 256');
  return value;
}

/** The API's pattern for a function's execution role. */
const ROLE_PATTERN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;

export function validateRole(value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !ROLE_PATTERN.test(value)) {
    return fail(value, 'role', 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+');
  }
  return value;
}

/** Tags: at most 50, keys of 1–128 and values of 0–256 characters, strings only, no `aws:` prefix. */
export function validateTags(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidParameterValueException(`Tags must be a map of string keys to string values, like { Team: 'orders' }, got ${display(value)}`);
  }
  const entries = Object.entries(value);
  if (entries.length > 50) throw new InvalidParameterValueException(`A function may have at most 50 tags, got ${entries.length}`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > 128) fail(k, 'tags', 'Map keys must have length between 1 and 128');
    if (k.toLowerCase().startsWith('aws:')) throw new InvalidParameterValueException(`Tag keys starting with 'aws:' are reserved for AWS use, got ${display(k)}`);
    if (typeof v !== 'string') throw new InvalidParameterValueException(`Tag ${display(k)} must have a string value, got ${display(v)} (${typeof v})`);
    if (v.length > 256) fail(v, `tags.${k}`, 'Member must have length less than or equal to 256');
    // A data property even for `__proto__`: tags are data, never a prototype.
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * `Path` and `Source` (top level or under `Code`, as `where` says) are lambda-sim's in-process code
 * sources, read from the host's file system: refused for code that arrives from outside the host
 * process — over HTTP, or deployed by a handler through the runtime-provided SDK (`from` says
 * which). Such callers send a ZipFile, as on Lambda.
 */
export function inProcessCodeSource(members: Record<string, unknown>, where: '' | 'Code.', from: string): InvalidParameterValueException | undefined {
  for (const key of ['Path', 'Source']) {
    if (members[key] !== undefined) {
      return new InvalidParameterValueException(`${where}${key} is lambda-sim's in-process code source and is not accepted ${from}: send the deployment package as ${where}ZipFile`);
    }
  }
  return undefined;
}
