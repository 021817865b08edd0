import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EnvironmentSetupError } from '../src/index.js';
import { hasNoNodeSnapshotFlag, loadIsolatedVm } from '../src/runtime/isolated-vm.js';

describe('environment checks at start', () => {
  it('throws EnvironmentSetupError NO_NODE_SNAPSHOT_REQUIRED, saying what to do, when Node runs without --no-node-snapshot', () => {
    const code = `import('./src/index.ts').then(({ LambdaSimulator }) => { try { new LambdaSimulator(); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); } });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    const out = JSON.parse(r.stdout.trim()) as { name: string; code: string; message: string };
    expect(out.name).toBe('EnvironmentSetupError');
    expect(out.code).toBe('NO_NODE_SNAPSHOT_REQUIRED');
    expect(out.message).toContain('node --no-node-snapshot');
    expect(out.message).toContain('NODE_OPTIONS=--no-node-snapshot');
  });

  it('recognises the flag in execArgv or NODE_OPTIONS', () => {
    expect(hasNoNodeSnapshotFlag(['--no-node-snapshot'], '')).toBe(true);
    expect(hasNoNodeSnapshotFlag([], '--max-old-space-size=100 --no-node-snapshot')).toBe(true);
    expect(hasNoNodeSnapshotFlag([], '')).toBe(false);
  });

  it('throws EnvironmentSetupError ISOLATED_VM_MISSING with the fix when the native module cannot load', () => {
    const e = (() => {
      try {
        loadIsolatedVm('isolated-vm-that-was-never-built');
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(EnvironmentSetupError);
    expect(e).toMatchObject({ code: 'ISOLATED_VM_MISSING' });
    expect((e as Error).message).toContain('"allowScripts": { "isolated-vm": true }');
    expect((e as Error).message).toContain('npm rebuild isolated-vm');
  });
});

