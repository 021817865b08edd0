/**
 * Loads isolated-vm and checks that this process can use it, once, with errors that say how to fix
 * the two ways it fails on a fresh machine:
 * - the native module was never built (npm 11 skips dependency install scripts unless
 *   `allowScripts` approves them);
 * - Node 20+ was started without `--no-node-snapshot`, which isolated-vm requires (it crashes or
 *   misbehaves otherwise).
 */
import { createRequire } from 'node:module';
import type IvmNamespace from 'isolated-vm';
import { EnvironmentSetupError } from '../errors.js';

export type Ivm = typeof IvmNamespace;

let loaded: Ivm | undefined;

const FLAG = '--no-node-snapshot';

/** True when the running process was started with `--no-node-snapshot`. */
export function hasNoNodeSnapshotFlag(execArgv = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): boolean {
  return execArgv.includes(FLAG) || nodeOptions.split(/\s+/).includes(FLAG);
}

/** `moduleName` exists for tests of the failure path. */
export function loadIsolatedVm(moduleName = 'isolated-vm'): Ivm {
  if (loaded !== undefined && moduleName === 'isolated-vm') return loaded;
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 20 && !hasNoNodeSnapshotFlag()) {
    throw new EnvironmentSetupError(
      'NO_NODE_SNAPSHOT_REQUIRED',
      `lambda-sim runs handlers in isolated-vm, which needs Node.js ${process.versions.node} to be started with ${FLAG}. ` +
        `Run \`node ${FLAG} your-script.js\`, or set NODE_OPTIONS=${FLAG} for tools that start Node for you ` +
        `(vitest: pool "forks" with test.execArgv: ["${FLAG}"]). The lambda-sim CLI adds the flag itself.`,
    );
  }
  const require = createRequire(import.meta.url);
  try {
    const ivm = require(moduleName) as Ivm;
    if (moduleName === 'isolated-vm') loaded = ivm;
    return ivm;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new EnvironmentSetupError(
      'ISOLATED_VM_MISSING',
      `lambda-sim could not load isolated-vm's native module (${detail}). It is compiled when isolated-vm is installed, ` +
        'and npm 11 skips dependency install scripts unless they are approved. Fix: add ' +
        '"allowScripts": { "isolated-vm": true } to your package.json (or run `npm install-scripts approve isolated-vm`), ' +
        'then `npm rebuild isolated-vm`. Building needs python3, make and a C++ compiler (about a minute on 2 cores).',
      { cause },
    );
  }
}
