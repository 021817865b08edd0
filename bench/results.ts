/**
 * Benchmarks record their figures here: when `BENCH_JSON` names a file, each bench merges its
 * section into it (the suite, `npm run bench`, sets it and prints the whole).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function record(section: string, figures: Record<string, number | string>): void {
  const file = process.env['BENCH_JSON'];
  if (file === undefined || file === '') return;
  const all = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  all[section] = figures;
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}
