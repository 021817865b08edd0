#!/usr/bin/env node
// lambda-sim command line. isolated-vm needs `--no-node-snapshot` on Node 20+, so when this
// process was started without it, run the CLI in a child Node process that has it (signals such
// as Ctrl-C for `lambda-sim serve` are passed on to it).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FLAG = '--no-node-snapshot';
const hasFlag = process.execArgv.includes(FLAG) || (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(FLAG);

if (!hasFlag) {
  const child = spawn(process.execPath, [FLAG, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`lambda-sim: cannot start Node.js: ${error.message}`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv.slice(2));
}
