/**
 * The HTML report renders in headless Chromium (Debian's `chromium`): every chart is drawn, and the
 * maxima it plotted (read back from the drawn points by the page) equal the summary's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHARTS, renderHtml } from '../../src/scenario/html.js';
import { parseScenario } from '../../src/scenario/format.js';
import { runScenario } from '../../src/scenario/runner.js';

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0);
const scenarios = fileURLToPath(new URL('../../scenarios/', import.meta.url));

function headless(args: string[]): string {
  const r = spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`chromium failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(chromium === undefined && process.env['CI'] === undefined)('the scenario HTML report in headless Chromium', () => {
  it.each(['unreserved-contention.json', 'queue-overflow-and-age.json'])('%s: draws every chart; the plotted maxima equal the summary', async (file) => {
    const scenario = parseScenario(JSON.parse(readFileSync(`${scenarios}${file}`, 'utf8')));
    const { result, series } = await runScenario(scenario, { baseDir: scenarios });
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const page = join(dir, 'report.html');
    writeFileSync(page, renderHtml(result, series));
    expect(readFileSync(page, 'utf8')).not.toMatch(/(src|href)="https?:/); // self-contained: nothing fetched
    const dom = headless(['--dump-dom', `file://${page}`]);
    expect(/<body[^>]*data-rendered="(\d+)"/.exec(dom)?.[1]).toBe(String(CHARTS.length));
    const charts = new Map([...dom.matchAll(/<svg [^>]*data-chart="(\w+)"[^>]*>/g)].map((m) => [m[1]!, m[0]]));
    expect([...charts.keys()]).toEqual(CHARTS.map((c) => c.key));
    const plotted = (chart: string, fn: string): number => Number(new RegExp(`data-plotted-max-${fn}="([\\d.]+)"`).exec(charts.get(chart)!)?.[1]);
    for (const [fn, f] of Object.entries(result.functions)) {
      expect(plotted('concurrency', fn), `${fn} concurrency`).toBe(f.maxConcurrency);
      expect(plotted('eventAgeMax', fn), `${fn} event age`).toBe(Math.max(0, ...series.functions[fn]!.eventAgeMax));
      expect(plotted('throttles', fn)).toBe(Math.max(...series.functions[fn]!.throttles));
      expect(series.functions[fn]!.throttles.reduce((a, b) => a + b, 0)).toBe(f.throttles);
      expect(series.functions[fn]!.coldStarts.reduce((a, b) => a + b, 0)).toBe(f.coldStarts);
    }
    const png = join(dir, 'report.png');
    headless(['--window-size=1200,1400', `--screenshot=${png}`, `file://${page}`]);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(1200); // width from the IHDR chunk
    expect(bytes.length).toBeGreaterThan(30_000); // charts and text, not a blank page
  }, 120_000);
});
