/**
 * `lambda-sim scenario FILE`: runs a scenario file in virtual time, prints its summary table, writes
 * the JSON summary and a Chrome trace when asked; exit 1 when an expectation fails (each failing one
 * is printed with its measured value), 2 when the file is not a valid scenario.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { parseScenario, ScenarioError } from '../scenario/format.js';
import { formatSummary } from '../scenario/report.js';
import { renderHtml } from '../scenario/html.js';
import { runScenario } from '../scenario/runner.js';
import type { CliIo } from './io.js';

export interface ScenarioOptions {
  seed?: number;
  duration?: number;
  json?: string;
  trace?: string;
  html?: string;
  /** Show a progress bar (default: when stderr is a terminal). */
  progress?: boolean;
}

export async function scenarioCommand(file: string, options: ScenarioOptions, io: CliIo): Promise<number> {
  let scenario;
  try {
    scenario = parseScenario(JSON.parse(readFileSync(resolve(file), 'utf8')));
  } catch (e) {
    const why = e instanceof ScenarioError ? e.message : e instanceof SyntaxError ? `not valid JSON: ${e.message}` : (e as Error).message;
    io.stderr(`lambda-sim: ${file}: ${why}\n`);
    return 2;
  }
  const showProgress = options.progress !== false && process.stderr.isTTY === true;
  const bar = showProgress
    ? new cliProgress.SingleBar({ format: ' {bar} {percentage}% of simulated time | {invocations} invocations | {rate}/s real', hideCursor: true, clearOnComplete: true, stream: process.stderr }, cliProgress.Presets.shades_classic)
    : undefined;
  const started = performance.now();
  bar?.start(100, 0, { invocations: 0, rate: 0 });
  let run;
  try {
    run = await runScenario(scenario, {
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.duration === undefined ? {} : { durationSeconds: options.duration }),
      baseDir: dirname(resolve(file)),
      trace: options.trace !== undefined,
      ...(bar === undefined
        ? {}
        : { onProgress: (done: number, invocations: number) => bar.update(Math.round(done * 100), { invocations, rate: Math.round(invocations / ((performance.now() - started) / 1000)) }) }),
    });
  } catch (e) {
    bar?.stop();
    io.stderr(`lambda-sim: ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  bar?.stop();
  io.stdout(`${formatSummary(run.result)}\n`);
  if (options.json !== undefined) writeFileSync(resolve(options.json), `${JSON.stringify(run.result, null, 2)}\n`);
  if (options.trace !== undefined && run.trace !== undefined) writeFileSync(resolve(options.trace), JSON.stringify(run.trace));
  if (options.html !== undefined) writeFileSync(resolve(options.html), renderHtml(run.result, run.series));
  const failed = run.result.expectations.filter((e) => !e.ok);
  if (failed.length > 0) {
    io.stderr(`lambda-sim: ${failed.length} expectation(s) failed: ${failed.map((e) => `${e.metric} measured ${e.measured}`).join('; ')}\n`);
    return 1;
  }
  return 0;
}
