import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./workload.ts', import.meta.url));

function runIn(tz: string, seed = 42): string {
  return execFileSync(process.execPath, ['--no-node-snapshot', '--import', 'tsx', script, String(seed)], {
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('determinism contract', () => {
  it('gives byte-identical payloads, logs, request ids and times in two fresh processes with different TZ', () => {
    const a = runIn('America/Los_Angeles');
    const b = runIn('Asia/Kolkata');
    expect(b).toBe(a);
    const parsed = JSON.parse(a) as { outputs: Array<{ error: string | null; log: string }> };
    // The run is not trivially constant: it has failures, logs and distinct request ids.
    expect(parsed.outputs.filter((o) => o.error === 'Unhandled')).toHaveLength(2);
    expect(parsed.outputs[0]!.log).toContain('GMT+0000 (Coordinated Universal Time) local hour 0');
  });

  it('changes with the seed', () => {
    expect(runIn('UTC', 1)).not.toBe(runIn('UTC', 2));
  });
});
