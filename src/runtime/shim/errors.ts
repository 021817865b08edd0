/**
 * Error formatting as Lambda's Node.js runtime does it, and source-mapped stack traces: V8 calls
 * `Error.prepareStackTrace` when a stack is first read; frames in the handler bundle are mapped to
 * the user's files and lines by one host call per stack.
 */
import { host } from './host.js';
import { MAX_MAPPED_FRAMES } from './limits.js';

export const BUNDLE_FILE = 'file:///var/task/__bundle.mjs';

interface CallSite {
  getFileName(): string | undefined | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  toString(): string;
}

const SHIM_FILE = 'file:///var/runtime/index.mjs';

/**
 * Frames of this shim are shown as the frames Lambda's runtime shows there (stable whatever the
 * shim's own line numbers), and the shim's internal helpers are left out.
 */
function runtimeFrames(cs: CallSite): string[] {
  const fn = (cs as CallSite & { getFunctionName(): string | null }).getFunctionName();
  if (fn === 'invoke') return ['Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)'];
  if (fn === 'fire') return ['listOnTimeout (node:internal/timers:581:17)', 'process.processTimers (node:internal/timers:519:7)'];
  return [];
}

export function prepareStackTrace(error: unknown, callsites: CallSite[]): string {
  let header: string;
  try {
    header = errorHeader(error);
  } catch {
    header = '<error>';
  }
  const wanted: Array<[string, number, number]> = [];
  const lines = callsites.flatMap((cs) => {
    const file = cs.getFileName();
    if (file === SHIM_FILE) return runtimeFrames(cs).map((text) => ({ text, key: '', index: -1 }));
    const line = cs.getLineNumber();
    const col = cs.getColumnNumber();
    const text = cs.toString();
    if (file === BUNDLE_FILE && line !== null && col !== null) {
      wanted.push([file, line, col]);
      return [{ text, key: `${file}:${line}:${col}`, index: wanted.length - 1 }];
    }
    return [{ text, key: '', index: -1 }];
  });
  let mapped: Array<[string, number, number, string | null] | null> = [];
  if (wanted.length > 0) {
    try {
      // The host maps the first MAX_MAPPED_FRAMES frames of a stack (its bound); the rest stay as they are.
      mapped = JSON.parse(host.map(JSON.stringify(wanted.length > MAX_MAPPED_FRAMES ? wanted.slice(0, MAX_MAPPED_FRAMES) : wanted))) as typeof mapped;
    } catch {
      mapped = [];
    }
  }
  let out = header;
  for (const l of lines) {
    let text = l.text;
    const m = l.index >= 0 ? mapped[l.index] : null;
    if (m) text = text.replace(l.key, `${m[0]}:${m[1]}:${m[2]}`);
    out += `\n    at ${text}`;
  }
  return out;
}

function errorHeader(error: unknown): string {
  if (error === null || typeof error !== 'object') return String(error);
  const e = error as { name?: unknown; message?: unknown };
  const name = e.name === undefined ? 'Error' : String(e.name);
  const message = e.message === undefined ? '' : String(e.message);
  if (name === '') return message;
  if (message === '') return name;
  return `${name}: ${message}`;
}

export interface ErrorPayload {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

/** The runtime interface client's `errorToPayload`: what the response body of a failed invoke is. */
export function toPayload(error: unknown): ErrorPayload {
  if (error instanceof Error) {
    let stack: string;
    try {
      stack = typeof error.stack === 'string' ? error.stack : String(error);
    } catch {
      stack = '';
    }
    let name: string;
    let message: string;
    try {
      name = String(error.name);
      message = String(error.message);
    } catch {
      name = 'Error';
      message = '';
    }
    return { errorType: name, errorMessage: message, trace: stack === '' ? [] : stack.split('\n') };
  }
  if (error === null || error === undefined) return { errorType: 'string', errorMessage: 'handled', trace: [] };
  let message: string;
  try {
    message = String(error);
  } catch {
    message = Object.prototype.toString.call(error);
  }
  return { errorType: typeof error, errorMessage: message, trace: [] };
}

/** A runtime error the platform reports (`Runtime.*`), with a stack like the runtime client's. */
export function runtimeError(type: string, message: string, cause?: unknown): ErrorPayload {
  const e = new Error(message);
  e.name = type;
  const trace = (e.stack ?? '').split('\n');
  if (cause instanceof Error && typeof cause.stack === 'string') trace.splice(1, 0, ...cause.stack.split('\n').slice(1));
  return { errorType: type, errorMessage: message, trace: trace.filter((l) => !l.includes('/var/runtime/')) };
}
