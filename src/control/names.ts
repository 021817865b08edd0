/**
 * Function names and ARNs, as Invoke and the control API accept them: a name (1–64 chars of
 * `[a-zA-Z0-9-_]`), `name:qualifier`, a full ARN `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`,
 * or a partial ARN `ACCOUNT:function:NAME[:QUALIFIER]`.
 */
import { InvalidParameterValueException } from '../errors.js';

export interface FunctionRef {
  name: string;
  qualifier: string | undefined;
  region: string | undefined;
  accountId: string | undefined;
}

/** AWS's own pattern for FunctionName on Invoke. */
export const FUNCTION_NAME_PATTERN =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?(?:([a-z]{2}(?:-gov)?-[a-z]+-\d{1}):)?(?:(\d{12}):)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;

export const PLAIN_NAME = /^[a-zA-Z0-9-_]{1,64}$/;

export function validationMessage(value: unknown, field: string, constraint: string): string {
  return `1 validation error detected: Value '${display(value)}' at '${field}' failed to satisfy constraint: ${constraint}`;
}

/** Longest quotation of a received value in an error message. */
const SHOWN = 200;

/**
 * A received value as error messages quote it: at most {@link SHOWN} characters, and never a throw
 * of its own. Hostile values reach here (a 100,000-element array, a BigInt, a Symbol, an object
 * without a prototype, a getter that throws), and an error about a bad value must not turn into a
 * TypeError or echo megabytes back.
 */
export function display(value: unknown): string {
  const cut = (s: string): string => (s.length > SHOWN ? `${s.slice(0, SHOWN)}…` : s);
  if (typeof value === 'string') return cut(value);
  if (value === undefined) return 'null';
  if (typeof value === 'symbol' || typeof value === 'bigint' || typeof value === 'function') return cut(String(value));
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return cut(json);
  } catch {
    // A BigInt inside, a cycle, a throwing toJSON or getter: name the kind of value instead.
  }
  try {
    return Object.prototype.toString.call(value);
  } catch {
    return typeof value;
  }
}

export function parseFunctionRef(input: unknown, field = 'functionName'): FunctionRef {
  if (typeof input !== 'string' || input.length === 0) {
    throw new InvalidParameterValueException(validationMessage(input, field, 'Member must have length greater than or equal to 1'));
  }
  if (input.length > 170) {
    throw new InvalidParameterValueException(validationMessage(input, field, 'Member must have length less than or equal to 170'));
  }
  const m = FUNCTION_NAME_PATTERN.exec(input);
  const name = m?.[6];
  const isArn = m?.[1] !== undefined;
  const partial = m?.[5] !== undefined;
  // "function:" is required in ARNs and partial ARNs; a region or account alone is not a name.
  if (m === null || name === undefined || !PLAIN_NAME.test(name) || (isArn && !partial) || ((m[3] !== undefined || m[4] !== undefined) && !partial)) {
    throw new InvalidParameterValueException(
      validationMessage(
        input,
        field,
        'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
      ),
    );
  }
  return { name, qualifier: m[8], region: m[3], accountId: m[4] };
}
