/**
 * `console` as Lambda's Node.js runtime patches it: each call becomes one log record at a level
 * (log/info INFO, warn WARN, error ERROR, debug DEBUG, trace TRACE without a stack, fatal FATAL),
 * its message formatted by Node's `util.format` rules. The host frames the record (timestamp,
 * request id, text or JSON format). Node's own `util.inspect` (node-inspect-extracted) is loaded
 * into the sandbox only the first time a call needs more than plain strings joined by spaces.
 */
import { host } from './host.js';
import { inspectModule } from './lazy.js';

const LEVELS: Record<string, number> = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
let minLevel = 0;

export function setMinLevel(level: string | undefined): void {
  minLevel = level === undefined ? 0 : (LEVELS[level.toUpperCase()] ?? 0);
}

export function format(args: unknown[]): string {
  let plain = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a !== 'string' || (i === 0 && a.includes('%'))) {
      plain = false;
      break;
    }
  }
  if (plain) return args.join(' ');
  return inspectModule().format(...args);
}

function emit(level: string, args: unknown[]): void {
  if ((LEVELS[level] ?? 3) < minLevel) return;
  host.log(level, format(args));
}

const timers = new Map<string, number>();
const counts = new Map<string, number>();

export const console = {
  log: (...a: unknown[]): void => emit('INFO', a),
  info: (...a: unknown[]): void => emit('INFO', a),
  warn: (...a: unknown[]): void => emit('WARN', a),
  error: (...a: unknown[]): void => emit('ERROR', a),
  debug: (...a: unknown[]): void => emit('DEBUG', a),
  trace: (...a: unknown[]): void => emit('TRACE', a),
  fatal: (...a: unknown[]): void => emit('FATAL', a),
  dir: (obj: unknown, options?: object): void => emit('INFO', [inspectModule().inspect(obj, { customInspect: false, ...options })]),
  table: (...a: unknown[]): void => emit('INFO', a),
  group: (...a: unknown[]): void => {
    if (a.length > 0) emit('INFO', a);
  },
  groupCollapsed: (...a: unknown[]): void => {
    if (a.length > 0) emit('INFO', a);
  },
  groupEnd: (): void => {},
  assert: (value: unknown, ...a: unknown[]): void => {
    if (value) return;
    if (typeof a[0] === 'string') a[0] = `Assertion failed: ${a[0]}`;
    else a.unshift('Assertion failed');
    emit('WARN', a);
  },
  count: (label = 'default'): void => {
    const n = (counts.get(String(label)) ?? 0) + 1;
    counts.set(String(label), n);
    emit('INFO', [`${String(label)}: ${n}`]);
  },
  countReset: (label = 'default'): void => {
    counts.delete(String(label));
  },
  time: (label = 'default'): void => {
    timers.set(String(label), host.now());
  },
  timeLog: (label = 'default', ...a: unknown[]): void => {
    const t = timers.get(String(label));
    if (t === undefined) return;
    emit('INFO', [`${String(label)}: ${formatMs(host.now() - t)}`, ...a]);
  },
  timeEnd: (label = 'default'): void => {
    const t = timers.get(String(label));
    if (t === undefined) return;
    timers.delete(String(label));
    emit('INFO', [`${String(label)}: ${formatMs(host.now() - t)}`]);
  },
};

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(3)}s` : `${ms.toFixed(3)}ms`;
}
