/**
 * The layer rules, checked in CI (`npm run lint:deps`, part of `npm test`): no import cycle anywhere
 * in src/, and no import upward across the layers (README, "Layout"; docs/architecture.md).
 * Type-only imports count: a contract belongs in a leaf file below everything that uses it.
 */
// Lowest first. A module may import its own layer and the layers before it, never one after.
const LAYERS = [
  ['errors', '^src/errors\\.ts$'],
  ['kernel', '^src/kernel/'],
  ['runtime', '^src/runtime/'],
  ['scheduler', '^src/scheduler/'],
  ['control', '^src/control/'],
  ['async', '^src/async/'],
  ['api', '^src/api/'],
  ['invoke', '^src/invoke/'],
  ['observe, wire', '^src/(observe|wire)/'],
  ['facade', '^src/(simulator|faults|options)\\.ts$'],
  ['testing, scenario, cli', '^src/(testing|scenario|cli)/'],
  ['entry', '^src/index\\.ts$'],
];

const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name.replace(/[^a-z]+/g, '-')}`,
  comment: `${name} is below ${LAYERS.slice(i + 1).map(([n]) => n).join(', ')}: it may not import them`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, p]) => `(${p})`).join('|') },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'import cycles hide a contract inside an implementation: move it to a leaf file', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    ...upward,
    {
      name: 'shim-is-sandbox-code',
      comment: 'src/runtime/shim runs inside the sandbox: it imports only its own files (qs-adapter.cjs requires the sandbox\'s own querystring at run time)',
      severity: 'error',
      from: { path: '^src/runtime/shim/', pathNot: 'qs-adapter\\.cjs$' },
      to: { pathNot: '^src/runtime/shim/' },
    },
    { name: 'no-unresolvable', severity: 'error', from: { path: '^src/' }, to: { couldNotResolve: true } },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
