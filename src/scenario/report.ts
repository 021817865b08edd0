/** The scenario summary as a table people read at a glance: one row per figure, one column per function. */
import type { ScenarioResult } from './runner.js';

const ROWS: Array<[string, (f: ScenarioResult['functions'][string]) => string]> = [
  ['arrivals sent / refused', (f) => `${f.sent} / ${f.refused}`],
  ['invocations', (f) => String(f.invocations)],
  ['successes', (f) => String(f.successes)],
  ['function errors', (f) => String(f.functionErrors)],
  ['throttles', (f) => String(f.throttles)],
  ...(['ReservedFunctionConcurrentInvocationLimitExceeded', 'ConcurrentInvocationLimitExceeded', 'ReservedFunctionInvocationRateLimitExceeded', 'FunctionInvocationRateLimitExceeded'] as const).map(
    (reason): [string, (f: ScenarioResult['functions'][string]) => string] => [`  ${reason}`, (f) => String(f.throttlesByReason[reason] ?? 0)],
  ),
  ['retries', (f) => String(f.retries)],
  ['duplicates', (f) => String(f.duplicates)],
  ['dead-lettered', (f) => String(f.deadLettered)],
  ['destination deliveries', (f) => String(f.destinationDeliveries)],
  ['dropped (AsyncEventsDropped)', (f) => String(f.dropped)],
  ['cold starts', (f) => String(f.coldStarts)],
  ['max concurrency', (f) => String(f.maxConcurrency)],
  ['latency p50 / p95 / p99 ms', (f) => `${fmt(f.latencyP50Ms)} / ${fmt(f.latencyP95Ms)} / ${fmt(f.latencyP99Ms)}`],
  ['async event age p50 / p99 ms', (f) => `${fmt(f.eventAgeP50Ms)} / ${fmt(f.eventAgeP99Ms)}`],
];

function fmt(ms: number): string {
  return ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1);
}

export function formatSummary(result: ScenarioResult): string {
  const names = Object.keys(result.functions);
  const header = ['', ...names];
  const rows = ROWS.map(([label, cell]) => [label, ...names.map((n) => cell(result.functions[n]!))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    `${result.name} — seed ${result.seed}, ${result.durationSeconds} s of traffic (settled after ${result.settledAfterSeconds.toFixed(1)} s simulated), ${(result.realMs / 1000).toFixed(2)} s real`,
    '',
    line(header),
    line(widths.map((w) => '─'.repeat(w))),
    ...rows.map(line),
    '',
    `account: ${result.account.invocations} invocations, ${result.account.throttles} throttles, max concurrency ${result.account.maxConcurrency} (unreserved ${result.account.maxUnreservedConcurrency})`,
  ];
  if (result.expectations.length > 0) {
    out.push('', 'expectations:');
    for (const e of result.expectations) {
      const bounds = [e.min === undefined ? undefined : `>= ${e.min}`, e.max === undefined ? undefined : `<= ${e.max}`].filter(Boolean).join(' and ');
      out.push(`  ${e.ok ? 'ok  ' : 'FAIL'}  ${e.metric} ${bounds}: measured ${Number.isFinite(e.measured) ? e.measured : 'nothing'}`);
    }
  }
  return out.join('\n');
}
