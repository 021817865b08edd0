/**
 * vitest matchers for lambda-sim, registered by one import: `import 'lambda-sim/testing/vitest'`.
 *
 *   expect(output).toSucceed()                       an InvokeCommandOutput without FunctionError, or an async record that succeeded
 *   expect(output).toFailWith('TypeError')           a function error of that errorType (sync output or async record)
 *   expect(error).toBeThrottled('Reason')            a TooManyRequestsException (the Reason optional)
 *   expect(record).toHaveBeenDeadLettered()          an async record whose DLQ send succeeded
 *   expect(records).toHaveBeenDeliveredTimes(n)      attempts of a record, or of all chains of an event (an array)
 */
import { expect } from 'vitest';
import type { AsyncEventRecord } from '../async/pipeline.js';

interface InvokeLike {
  StatusCode?: number;
  FunctionError?: string;
  Payload?: Uint8Array & { transformToString?: () => string };
}

const isRecord = (x: unknown): x is AsyncEventRecord => x !== null && typeof x === 'object' && 'attempts' in x && 'state' in x;
const payloadText = (o: InvokeLike): string => (o.Payload === undefined ? '' : Buffer.from(o.Payload).toString('utf8'));
const describe = (x: unknown): string => {
  if (isRecord(x)) return `async event ${x.requestId}/${x.chain} (${x.state}${x.condition === undefined ? '' : `, ${x.condition}`}; attempts: ${x.attempts.map((a) => a.errorType ?? a.status).join(', ') || 'none'})`;
  const o = x as InvokeLike;
  return `StatusCode ${String(o?.StatusCode)}${o?.FunctionError === undefined ? '' : `, FunctionError ${o.FunctionError}`}, Payload ${payloadText(o ?? {}).slice(0, 300)}`;
};

expect.extend({
  toSucceed(received: unknown) {
    const pass = isRecord(received) ? received.state === 'succeeded' : received !== null && typeof received === 'object' && (received as InvokeLike).FunctionError === undefined && (received as InvokeLike).StatusCode !== undefined && (received as InvokeLike).StatusCode! < 300;
    return { pass, message: () => `expected ${describe(received)} ${pass ? 'not ' : ''}to succeed` };
  },
  toFailWith(received: unknown, errorType: string) {
    let actual: string | undefined;
    if (isRecord(received)) actual = received.state === 'failed' ? received.attempts.at(-1)?.errorType ?? received.condition : undefined;
    else if (received !== null && typeof received === 'object' && (received as InvokeLike).FunctionError !== undefined) {
      try {
        actual = (JSON.parse(payloadText(received as InvokeLike)) as { errorType?: string }).errorType;
      } catch {
        actual = undefined;
      }
    }
    const pass = actual === errorType;
    return { pass, message: () => `expected ${describe(received)} ${pass ? 'not ' : ''}to fail with ${errorType}${actual === undefined ? '' : ` (it failed with ${actual})`}` };
  },
  toBeThrottled(received: unknown, reason?: string) {
    const e = received as { name?: string; Reason?: string; $metadata?: { httpStatusCode?: number } } | null;
    const throttled = e !== null && typeof e === 'object' && e.name === 'TooManyRequestsException';
    const pass = throttled && (reason === undefined || e.Reason === reason);
    return {
      pass,
      message: () =>
        pass
          ? `expected ${String(e!.name)} (Reason ${String(e!.Reason)}) not to be throttled${reason === undefined ? '' : ` with Reason ${reason}`}`
          : throttled
            ? `expected a throttle with Reason ${String(reason)}, got Reason ${String(e.Reason)}`
            : `expected a TooManyRequestsException${reason === undefined ? '' : ` (${reason})`}, got ${e === null || typeof e !== 'object' ? String(e) : `${String(e.name)}: ${String((e as { message?: string }).message)}`}`,
    };
  },
  toHaveBeenDeadLettered(received: unknown) {
    const pass = isRecord(received) && received.deadLetter?.ok === true;
    return {
      pass,
      message: () => `expected ${describe(received)} ${pass ? 'not ' : ''}to have been dead-lettered${isRecord(received) && received.deadLetter !== undefined && !received.deadLetter.ok ? ` (the DLQ send failed: ${received.deadLetter.error ?? ''})` : ''}`,
    };
  },
  toHaveBeenDeliveredTimes(received: unknown, times: number) {
    const records = Array.isArray(received) ? (received as unknown[]) : [received];
    if (!records.every(isRecord)) return { pass: false, message: () => 'expected an async event record (sim.asyncEvents()) or an array of them' };
    const actual = records.reduce((n, r) => n + r.attempts.length, 0);
    const pass = actual === times;
    return {
      pass,
      message: () => (pass ? `expected not to have been delivered ${times} time(s), and it was: ${records.map(describe).join('; ')}` : `expected ${times} deliveries, got ${actual}: ${records.map(describe).join('; ')}`),
    };
  },
});

interface LambdaMatchers<R = unknown> {
  toSucceed(): R;
  toFailWith(errorType: string): R;
  toBeThrottled(reason?: string): R;
  toHaveBeenDeadLettered(): R;
  toHaveBeenDeliveredTimes(times: number): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends LambdaMatchers<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends LambdaMatchers {}
}
