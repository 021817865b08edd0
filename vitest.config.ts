import { defineConfig } from 'vitest/config';

// isolated-vm needs `--no-node-snapshot` on Node 20+. Node's Worker refuses that flag, so tests run
// in child processes (the forks pool) started with it.
export default defineConfig({
  test: {
    pool: 'forks',
    execArgv: ['--no-node-snapshot'],
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
