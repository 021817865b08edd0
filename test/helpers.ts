import { createServer, type AddressInfo } from 'node:net';
import { LambdaSimulator, type CreateFunctionInput, type InvokeOutput, type LambdaSimulatorOptions } from '../src/index.js';

export type Sim = LambdaSimulator;

/** A loopback port nothing listens on: bound by the host and closed again (for a server a test starts, or a refused connection). */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export function newSim(options: LambdaSimulatorOptions = {}): LambdaSimulator {
  return new LambdaSimulator({ seed: 1, ...options });
}

let counter = 0;

/** Creates a function from module text and returns its name. */
export async function deploy(sim: LambdaSimulator, source: string, extra: Partial<CreateFunctionInput> = {}): Promise<string> {
  const name = extra.FunctionName ?? `fn${++counter}`;
  // Tests pin nodejs20.x unless they say otherwise, so they mean the same on every host Node line
  // (the default runtime follows the host: nodejs24.x rejects callback handlers).
  await sim.createFunction({ FunctionName: name, Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: source }, ...extra });
  return name;
}

export interface Result {
  out: InvokeOutput;
  payload: unknown;
  text: string;
  log: string;
}

export async function call(sim: LambdaSimulator, name: string, event: unknown = {}): Promise<Result> {
  const out = await sim.invoke({ FunctionName: name, Payload: JSON.stringify(event), LogType: 'Tail' });
  const text = out.Payload?.transformToString() ?? '';
  return { out, text, payload: text === '' ? undefined : JSON.parse(text), log: Buffer.from(out.LogResult ?? '', 'base64').toString() };
}

/** The REPORT line of a tail log. */
export function report(log: string): string {
  return log.split('\n').find((l) => l.startsWith('REPORT')) ?? '';
}
