/**
 * `lambda-sim serve`: the Lambda API over HTTP for any client (the AWS CLI with --endpoint-url,
 * boto3, the SDK with `endpoint`), with functions from the command line or a config file. Real
 * clock by default (optionally scaled), virtual on request. Stops on SIGINT/SIGTERM: in-flight
 * requests finish, then every environment is disposed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { handlerForPath } from '../runtime/bundle.js';
import type { CreateFunctionInput } from '../control/registry.js';
import { LambdaSimError } from '../errors.js';
import { LambdaSimulator, type LambdaSimulatorOptions } from '../simulator.js';
import type { CliIo } from './io.js';

export interface ServeOptions {
  port: number;
  supervised?: boolean;
  host: string;
  function?: string[];
  config?: string;
  /** Default: the config file's `simulator.clock`, else 'real'. */
  clock?: 'real' | 'virtual';
  timeScale?: number;
  /** Default: the config file's `simulator.seed`, else 1. */
  seed?: number;
}

interface ConfigFile {
  /** LambdaSimulator options that JSON can hold (seed, region, accountConcurrency, eventQueue…). */
  simulator?: LambdaSimulatorOptions;
  /** CreateFunction inputs; `Code.Path` is relative to the config file. */
  functions?: Array<CreateFunctionInput & { ReservedConcurrentExecutions?: number }>;
}

/** `NAME=PATH[:handler]`: a file's export (default `handler`) or a directory's full Handler (default `index.handler`). */
export function parseFunctionSpec(spec: string, cwd: string): CreateFunctionInput {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--function expects NAME=PATH[:handler], got '${spec}'`);
  const name = spec.slice(0, eq);
  let path = spec.slice(eq + 1);
  let handler: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon > 0 && !path.slice(colon + 1).includes('/')) {
    handler = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  const abs = resolve(cwd, path);
  if (!existsSync(abs)) throw new Error(`--function ${name}: ${path}: no such file or directory`);
  return {
    FunctionName: name,
    Handler: handlerForPath(abs, statSync(abs).isDirectory(), handler),
    Code: { Path: abs },
  };
}

export async function serveCommand(options: ServeOptions, io: CliIo, stop: Promise<void>): Promise<number> {
  let config: ConfigFile = {};
  let configDir = process.cwd();
  if (options.config !== undefined) {
    try {
      config = JSON.parse(readFileSync(resolve(options.config), 'utf8')) as ConfigFile;
      configDir = dirname(resolve(options.config));
    } catch (e) {
      io.stderr(`lambda-sim: cannot read config ${options.config}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  let functions: Array<CreateFunctionInput & { ReservedConcurrentExecutions?: number }>;
  try {
    functions = [
      ...(config.functions ?? []).map((f) => {
        const path = (f.Code as { Path?: string } | undefined)?.Path;
        return path === undefined || isAbsolute(path) ? f : { ...f, Code: { Path: resolve(configDir, path) } };
      }),
      ...(options.function ?? []).map((spec) => parseFunctionSpec(spec, process.cwd())),
    ];
  } catch (e) {
    io.stderr(`lambda-sim: ${(e as Error).message}\n`);
    return 2;
  }
  let sim: LambdaSimulator;
  let clock: 'real' | 'virtual';
  try {
    // The command line wins over the config file, which wins over the defaults (real clock, seed 1).
    clock = options.clock ?? config.simulator?.clock ?? 'real';
    sim = new LambdaSimulator({
      ...config.simulator,
      seed: options.seed ?? config.simulator?.seed ?? 1,
      clock,
      ...(clock === 'real' && options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
      ...(options.supervised === true ? { sandbox: 'supervised' as const } : {}),
    });
  } catch (e) {
    io.stderr(`lambda-sim: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    for (const { ReservedConcurrentExecutions, ...f } of functions) {
      await sim.createFunction(f);
      if (ReservedConcurrentExecutions !== undefined) await sim.putFunctionConcurrency({ FunctionName: f.FunctionName, ReservedConcurrentExecutions });
    }
    const endpoint = await sim.listen({ port: options.port, host: options.host });
    io.stdout(`lambda-sim listening on ${endpoint.url} (${clock} clock${clock === 'real' && options.timeScale !== undefined ? ` × ${options.timeScale}` : ''}; functions: ${functions.map((f) => f.FunctionName).join(', ') || 'none'})\n`);
    await stop;
    await endpoint.close();
    return 0;
  } catch (e) {
    if (e instanceof LambdaSimError) {
      io.stderr(`${e.name} (${e.$metadata.httpStatusCode}): ${e.message}\n`);
      return 2;
    }
    io.stderr(`lambda-sim: ${(e as Error).message}\n`);
    return 2;
  } finally {
    await sim.close();
  }
}
