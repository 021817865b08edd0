/**
 * The `lambda-sim` command line. bin/lambda-sim.js starts Node with --no-node-snapshot and loads
 * this module; `main(argv)` returns the process exit code.
 *
 * Exit codes: 0 success, 1 the function failed (FunctionError), 2 the request was rejected
 * (a typed Lambda error such as InvalidParameterValueException) or the command line was wrong.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { LambdaSimError } from '../errors.js';
import { LambdaSimulator } from '../simulator.js';
import { handlerForPath } from '../runtime/bundle.js';
import { runDemo } from './demo.js';
import { defaultIo, type CliIo } from './io.js';
import { scenarioCommand, type ScenarioOptions } from './scenario.js';
import { serveCommand, type ServeOptions } from './serve.js';

export type { CliIo } from './io.js';

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got '${value}'`);
    return n;
  };
}

function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`--env expects KEY=VALUE, got '${value}'`);
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

interface InvokeOptions {
  handler?: string;
  supervised?: boolean;
  event?: string;
  timeout?: number;
  memory?: number;
  env?: Record<string, string>;
  runtime?: string;
  tail?: boolean;
  json?: boolean;
  seed: number;
  logFormat?: string;
  async?: boolean;
  retries?: number;
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('lambda-sim')
    .description('AWS Lambda simulated in one Node.js process: real handlers in isolated-vm sandboxes, Lambda semantics, seeded virtual time.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('invoke')
    .description('Invoke a handler file (or directory) once, synchronously, and print the response payload.')
    .argument('<path>', 'handler file (.ts .mts .js .mjs .cjs) or deployment directory')
    .option('--handler <name>', "export to call for a file (default 'handler'); for a directory, the full Handler (default 'index.handler')")
    .option('--event <file>', "event JSON file, or '-' to read it from stdin (default {})")
    .option('--timeout <seconds>', 'function Timeout, 1-900', integer('--timeout', 1, 900))
    .option('--memory <mb>', 'function MemorySize, 128-10240', integer('--memory', 128, 10240))
    .option('--env <KEY=VALUE>', 'environment variable (repeatable)', keyValue)
    .option('--runtime <runtime>', 'nodejs20.x, nodejs22.x or nodejs24.x (default: the host Node.js line)')
    .option('--log-format <format>', 'Text or JSON')
    .option('--seed <n>', 'simulation seed', integer('--seed', 0, Number.MAX_SAFE_INTEGER), 1)
    .option('--tail', 'print the invocation log (START … REPORT) to stderr')
    .option('--json', 'print the whole InvokeCommandOutput as JSON (Payload and log decoded)')
    .option('--async', "invoke with InvocationType 'Event', run the event's attempts (retries included) in simulated time and print its record")
    .option('--retries <n>', 'with --async: MaximumRetryAttempts, 0-2 (default 2)', integer('--retries', 0, 2))
    .option('--supervised', 'run the sandbox in a supervised child process (for code you do not trust: a crash there is Runtime.ExitError, not the end of lambda-sim)')
    .action(async (path: string, options: InvokeOptions) => {
      exitCode = await invokeCommand(path, options, io);
    });

  program
    .command('serve')
    .description('Serve the Lambda API over HTTP for any client (AWS CLI --endpoint-url, boto3, the SDK with endpoint) until Ctrl-C.')
    .option('--port <n>', 'TCP port (0: any free one)', integer('--port', 0, 65535), 9001)
    .option('--host <address>', 'interface to bind', '127.0.0.1')
    .option('--function <NAME=PATH[:handler]>', 'a function to create (repeatable); PATH a handler file or a directory', (v: string, prev: string[] = []) => [...prev, v])
    .option('--config <file>', 'JSON file: { "simulator": { …options }, "functions": [ …CreateFunction inputs, Code.Path relative to the file ] }')
    .option('--clock <mode>', "'real' or 'virtual' (default: the config file's, else 'real')", (v: string) => {
      if (v !== 'real' && v !== 'virtual') throw new InvalidArgumentError(`--clock must be 'real' or 'virtual', got '${v}'`);
      return v;
    })
    .option('--time-scale <n>', 'real clock: simulated ms per real ms (60 makes a 1-minute retry take 1 s)', (v: string) => {
      const n = Number(v);
      if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`--time-scale must be a number > 0, got '${v}'`);
      return n;
    })
    .option('--seed <n>', "simulation seed (default: the config file's, else 1)", integer('--seed', 0, Number.MAX_SAFE_INTEGER))
    .option('--supervised', 'run sandboxes in a supervised child process (for code you do not trust)')
    .action(async (options: ServeOptions) => {
      // Ctrl-C in a terminal reaches this process twice (directly, and forwarded by the bin): the
      // first stops the server gracefully, later ones are ignored while it finishes.
      const stop = new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => resolve());
      });
      exitCode = await serveCommand(options, io, stop);
    });

  program
    .command('scenario')
    .description('Run a scenario file (functions, traffic, faults, expectations) in virtual time and print its summary; exit 1 if an expectation fails.')
    .argument('<file>', 'scenario JSON (see scenarios/ and scenarios/scenario.schema.json)')
    .option('--seed <n>', "override the scenario's seed", integer('--seed', 0, Number.MAX_SAFE_INTEGER))
    .option('--duration <seconds>', "override the scenario's duration of traffic", (v: string) => {
      const n = Number(v);
      if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`--duration must be seconds > 0, got '${v}'`);
      return n;
    })
    .option('--json <file>', 'write the summary (with expectations) as JSON')
    .option('--trace <file>', 'write a Chrome trace (open it in https://ui.perfetto.dev)')
    .option('--html <file>', 'write a self-contained HTML report with charts over simulated time')
    .option('--no-progress', 'no progress bar (it shows only on a terminal anyway)')
    .action(async (file: string, options: ScenarioOptions) => {
      exitCode = await scenarioCommand(file, options, io);
    });

  program
    .command('demo')
    .description('Run a built-in demo: cold and warm invokes, a function error, a timeout, with their logs.')
    .action(async () => {
      exitCode = await runDemo(io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return exitCode;
}

async function invokeCommand(path: string, options: InvokeOptions, io: CliIo): Promise<number> {
  const abs = resolve(path);
  let isDir: boolean;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    io.stderr(`lambda-sim: ${path}: no such file or directory\n`);
    return 2;
  }
  const handler = handlerForPath(abs, isDir, options.handler);
  let payload = '{}';
  if (options.event !== undefined) {
    try {
      payload = options.event === '-' ? io.readStdin() : readFileSync(resolve(options.event), 'utf8');
    } catch (e) {
      io.stderr(`lambda-sim: cannot read event ${options.event}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const sim = new LambdaSimulator({ seed: options.seed, ...(options.supervised === true ? { sandbox: 'supervised' as const } : {}) });
  const name = basename(abs, extname(abs)).replace(/[^a-zA-Z0-9-_]/g, '-').slice(0, 64) || 'function';
  try {
    await sim.createFunction({
      FunctionName: name,
      Handler: handler,
      Code: { Path: abs },
      ...(options.timeout === undefined ? {} : { Timeout: options.timeout }),
      ...(options.memory === undefined ? {} : { MemorySize: options.memory }),
      ...(options.env === undefined ? {} : { Environment: { Variables: options.env } }),
      ...(options.runtime === undefined ? {} : { Runtime: options.runtime as never }),
      ...(options.logFormat === undefined ? {} : { LoggingConfig: { LogFormat: options.logFormat as never } }),
    });
    if (options.async === true) return await invokeAsync(sim, name, payload, options, io);
    const out = await sim.invoke({ FunctionName: name, Payload: payload, LogType: 'Tail' });
    const text = out.Payload?.transformToString() ?? '';
    const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    if (options.json === true) {
      const { Payload: _p, LogResult: _l, ...rest } = out;
      io.stdout(`${JSON.stringify({ ...rest, Payload: parseOr(text), ...(options.tail === true ? { Log: log } : {}) }, null, 2)}\n`);
    } else {
      if (options.tail === true) io.stderr(log);
      io.stdout(`${text}\n`);
    }
    return out.FunctionError === undefined ? 0 : 1;
  } catch (e) {
    if (e instanceof LambdaSimError) {
      io.stderr(`${e.name} (${e.$metadata.httpStatusCode}): ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    await sim.close();
  }
}

/**
 * `--async`: queues the event, runs the simulation until it has ended, prints its delivery record
 * (attempts, state, condition) as JSON; `--tail` prints each attempt's log to stderr. Exit 0 when
 * it succeeded, 1 when it failed.
 */
async function invokeAsync(sim: LambdaSimulator, name: string, payload: string, options: InvokeOptions, io: CliIo): Promise<number> {
  if (options.retries !== undefined) await sim.putFunctionEventInvokeConfig({ FunctionName: name, MaximumRetryAttempts: options.retries });
  const logs: string[] = [];
  sim.on('invocation:end', (record) => logs.push(record.logs.join('\n')));
  const out = await sim.invoke({ FunctionName: name, InvocationType: 'Event', Payload: payload });
  await sim.settle();
  const [record] = sim.asyncEvents({ requestId: out.$metadata.requestId! });
  if (options.tail === true) io.stderr(logs.map((l) => `${l}\n`).join(''));
  const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());
  io.stdout(
    `${JSON.stringify(
      {
        StatusCode: out.StatusCode,
        RequestId: out.$metadata.requestId,
        State: record!.state,
        Condition: record!.condition,
        Attempts: record!.attempts.map((a) => ({ attempt: a.attempt, start: iso(a.start), end: iso(a.end), status: a.status, errorType: a.errorType })),
      },
      null,
      2,
    )}\n`,
  );
  return record!.state === 'succeeded' ? 0 : 1;
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
