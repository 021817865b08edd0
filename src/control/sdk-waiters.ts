/**
 * Waiters of the runtime-provided AWS SDK (`waitUntilTableExists`, `waitUntilObjectExists`…): the
 * client package's own waiter modules (`dist-es/waiters`, with `@smithy/core`'s createWaiter and
 * checkExceptions) are bundled here, on the host, from the installed package, and run in the
 * sandbox: their polling delays are the sandbox's timers (simulated time), their jitter its seeded
 * `Math.random`, and each poll is the shimmed client's `send`, so it takes the service's route.
 * The commands the waiters import (`../commands/DescribeTableCommand`) are the sandbox's own.
 */
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Resolves as `import(pkg)` from this directory does (aws-sdk.ts loads the packages from here). */
const requireHere = createRequire(import.meta.url);

/** Bundled waiter code by package directory: built once per process. */
const built = new Map<string, Promise<string | undefined>>();

/** The name of the free variable the bundled code reads the sandbox's command classes from. */
export const WAITER_COMMANDS = '__lambdaSimCommands';

/** The directory of the installed package `pkg`, or undefined. */
function packageDir(pkg: string): string | undefined {
  let main: string;
  try {
    main = requireHere.resolve(pkg);
  } catch {
    return undefined;
  }
  for (let dir = dirname(main); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === pkg) return dir;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The package's waiters as CommonJS text that sets `module.exports` (`waitUntil…`, `waitFor…`),
 * reading command classes from {@link WAITER_COMMANDS}; undefined when the installed package has
 * no `dist-es/waiters` or they do not bundle without the rest of the client.
 */
export function waiterCode(pkg: string): Promise<string | undefined> {
  const dir = packageDir(pkg);
  const entry = dir === undefined ? undefined : join(dir, 'dist-es', 'waiters', 'index.js');
  if (entry === undefined || !existsSync(entry)) return Promise.resolve(undefined);
  let code = built.get(entry);
  if (code === undefined) {
    code = build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      target: 'es2022',
      // No comments: they would name the host's paths.
      minifyWhitespace: true,
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [
        {
          name: 'lambda-sim-waiter-commands',
          setup(b) {
            b.onResolve({ filter: /^\.\.\/commands\/[A-Za-z0-9]+Command$/ }, (args) => ({ path: args.path.slice('../commands/'.length), namespace: 'sandbox-command' }));
            b.onLoad({ filter: /.*/, namespace: 'sandbox-command' }, (args) => ({
              contents: `module.exports = { ${args.path}: ${WAITER_COMMANDS}[${JSON.stringify(args.path)}] };`,
              loader: 'js',
            }));
          },
        },
      ],
    }).then(
      (r) => r.outputFiles[0]?.text,
      () => undefined,
    );
    built.set(entry, code);
  }
  return code;
}
