import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, methodOf, OPERATIONS, operationOfCommand, UNIMPLEMENTED_OPERATIONS, type OperationName } from '../../src/api/operations.js';
import { LambdaSimulator } from '../../src/simulator.js';
import { operationName } from '../../src/wire/rest.js';

const names = Object.keys(OPERATIONS) as OperationName[];

describe('the operation table', () => {
  it('names a simulator method for every operation, and send() reaches each one', () => {
    for (const op of names) expect(typeof LambdaSimulator.prototype[methodOf(op)], op).toBe('function');
    expect(COMMAND_NAMES).toEqual(names.map((op) => `${op}Command`));
  });

  it('maps SDK command names to operations, own keys only', () => {
    expect(operationOfCommand('InvokeCommand')).toBe('Invoke');
    expect(operationOfCommand('PutProvisionedConcurrencyConfigCommand')).toBe('PutProvisionedConcurrencyConfig');
    for (const name of ['toStringCommand', 'constructorCommand', '__proto__Command', 'Invoke', 'CreateEventSourceMappingCommand', 42, undefined]) {
      expect(operationOfCommand(name), String(name)).toBeUndefined();
    }
  });

  it('routes each binding back to its own operation on the REST layer, implemented or not', () => {
    const sample = (template: string): [string, URLSearchParams] => {
      const [path, query] = template.split('?') as [string, string | undefined];
      return [path.replace(/\{\w+\}/g, 'x'), new URLSearchParams(query ?? '')];
    };
    for (const op of names) {
      const { method, path } = OPERATIONS[op];
      const [p, q] = sample(path);
      expect(operationName(method, p, q), `${method} ${path}`).toBe(op);
    }
    for (const [method, path, op] of UNIMPLEMENTED_OPERATIONS) {
      const [p, q] = sample(path);
      expect(operationName(method, p, q), `${method} ${path}`).toBe(op);
      expect(names).not.toContain(op);
    }
  });
});
