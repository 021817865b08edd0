/** A `process` global with what handlers read: env, versions, hrtime on simulated time, nextTick. */
import { host } from './host.js';

type Listener = (...args: unknown[]) => void;
const listeners = new Map<string, Listener[]>();
let startedAt = 0;
let exitHook: (code: number) => never = () => {
  throw new Error('process.exit');
};

export function setProcessStart(at: number, onExit: (code: number) => never): void {
  startedAt = at;
  exitHook = onExit;
}

export const process: Record<string, any> & { env: Record<string, string>; version: string; versions: Record<string, string>; exitCode: number | undefined; uptime(): number; off(e: string, fn: Listener): unknown; removeListener(e: string, fn: Listener): unknown } = {
  env: {} as Record<string, string>,
  argv: ['/var/lang/bin/node', '/var/runtime/index.mjs'],
  execArgv: [] as string[],
  argv0: 'node',
  execPath: '/var/lang/bin/node',
  title: 'node',
  version: 'v20.0.0',
  versions: {} as Record<string, string>,
  release: { name: 'node' },
  platform: 'linux',
  arch: 'x64',
  pid: 8,
  ppid: 1,
  exitCode: undefined as number | undefined,
  config: { variables: {} },
  features: {},
  cwd: (): string => '/var/task',
  chdir: (): void => {
    throw new Error('process.chdir() is not supported by lambda-sim');
  },
  umask: (): number => 0o22,
  getuid: (): number => 993,
  getgid: (): number => 990,
  geteuid: (): number => 993,
  getegid: (): number => 990,
  uptime: (): number => (host.now() - startedAt) / 1000,
  hrtime: Object.assign(
    (prev?: [number, number]): [number, number] => {
      const ns = (host.now() - startedAt) * 1e6;
      let s = Math.floor(ns / 1e9);
      let n = Math.round(ns - s * 1e9);
      if (prev !== undefined) {
        s -= prev[0];
        n -= prev[1];
        if (n < 0) {
          s--;
          n += 1e9;
        }
      }
      return [s, n];
    },
    { bigint: (): bigint => BigInt(Math.round((host.now() - startedAt) * 1e6)) },
  ),
  memoryUsage: Object.assign(() => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }), { rss: () => 0 }),
  cpuUsage: () => ({ user: 0, system: 0 }),
  nextTick(fn: (...a: unknown[]) => void, ...args: unknown[]): void {
    queueMicrotask(() => fn(...args));
  },
  emitWarning(warning: unknown): void {
    host.log('WARN', String(warning instanceof Error ? `${warning.name}: ${warning.message}` : warning));
  },
  exit(code?: number): never {
    return exitHook(code ?? process.exitCode ?? 0);
  },
  abort(): never {
    return exitHook(134);
  },
  on(event: string, fn: Listener): unknown {
    listeners.set(event, [...(listeners.get(event) ?? []), fn]);
    return process;
  },
  once(event: string, fn: Listener): unknown {
    return process.on(event, fn);
  },
  off(event: string, fn: Listener): unknown {
    listeners.set(event, (listeners.get(event) ?? []).filter((l) => l !== fn));
    return process;
  },
  removeListener(event: string, fn: Listener): unknown {
    return process.off(event, fn);
  },
  removeAllListeners(event?: string): unknown {
    if (event === undefined) listeners.clear();
    else listeners.delete(event);
    return process;
  },
  listeners: (event: string): Listener[] => [...(listeners.get(event) ?? [])],
  listenerCount: (event: string): number => listeners.get(event)?.length ?? 0,
  emit(event: string, ...args: unknown[]): boolean {
    const ls = listeners.get(event) ?? [];
    for (const l of ls) l(...args);
    return ls.length > 0;
  },
  stdout: { write: (s: unknown): boolean => (host.log('RAW', String(s)), true), isTTY: false, fd: 1 },
  stderr: { write: (s: unknown): boolean => (host.log('RAW', String(s)), true), isTTY: false, fd: 2 },
};
process.removeListener = process.off;
