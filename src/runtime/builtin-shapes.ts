/**
 * Shapes of the host's Node built-ins (export names and kinds, see shim/builtin-shape.ts), for
 * bundles: every built-in a handler imports resolves in the sandbox with the host's export names.
 * Computed once per process and module, on first import; requiring a built-in on the host has no
 * effect a handler could use (it is Node's own code), and nothing of it but its shape crosses.
 */
import { createRequire } from 'node:module';
import type { ExportShape, ModuleShape } from './shim/builtin-shape.js';

const require = createRequire(import.meta.url);
const shapes = new Map<string, ModuleShape>();
/** Plain data larger than this (as JSON) is described member by member instead of copied. */
const MAX_COPIED_CHARS = 65_536;
const MAX_DEPTH = 2;

function isClass(fn: Function): boolean {
  const proto = (fn as { prototype?: unknown }).prototype;
  if (proto === null || typeof proto !== 'object') return false;
  if (/^class\b/.test(Function.prototype.toString.call(fn))) return true;
  return Object.getOwnPropertyNames(proto).some((k) => k !== 'constructor') || /^[A-Z]/.test(fn.name);
}

/** Method names of a class's prototype chain (up to Object.prototype). */
function methods(fn: Function): string[] {
  const out = new Set<string>();
  for (let p = (fn as { prototype?: object }).prototype ?? null; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const k of Object.getOwnPropertyNames(p)) {
      if (k === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (d !== undefined && typeof d.value === 'function') out.add(k);
    }
  }
  return [...out].sort();
}

function emits(fn: Function): boolean {
  const { EventEmitter } = require('node:events') as typeof import('node:events');
  const proto = (fn as { prototype?: unknown }).prototype;
  return proto !== null && typeof proto === 'object' && EventEmitter.prototype.isPrototypeOf(proto);
}

function plain(v: unknown): string | undefined {
  try {
    const text = JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'function' || typeof x === 'symbol' || typeof x === 'bigint') throw new Error('not plain');
      return x;
    });
    return text !== undefined && text.length <= MAX_COPIED_CHARS ? text : undefined;
  } catch {
    return undefined;
  }
}

function describe(v: unknown, depth: number): ExportShape {
  if (typeof v === 'function') {
    if (!isClass(v)) return { k: 'f' };
    return emits(v) ? { k: 'f', p: methods(v), e: 1 } : { k: 'f', p: methods(v) };
  }
  if (v === null || typeof v !== 'object') return typeof v === 'symbol' || typeof v === 'bigint' ? { k: 'u' } : { k: 'v', v };
  const text = plain(v);
  if (text !== undefined) return { k: 'v', v: JSON.parse(text) as unknown };
  if (depth >= MAX_DEPTH) return { k: 'u' };
  const m: Record<string, ExportShape> = {};
  for (const key of Object.keys(v)) {
    let x: unknown;
    try {
      x = (v as Record<string, unknown>)[key];
    } catch {
      continue; // a getter that throws on the host (experimental, removed): left out
    }
    m[key] = describe(x, depth + 1);
  }
  return { k: 'o', m };
}

/** The host's shape of built-in `name` (bare: `fs`, `fs/promises`), or undefined when the host has none. */
export function builtinShape(name: string): ModuleShape | undefined {
  let shape = shapes.get(name);
  if (shape !== undefined) return shape;
  let mod: unknown;
  try {
    mod = require(`node:${name}`);
  } catch {
    return undefined;
  }
  shape = {};
  // A module that is itself a function (events, assert, module): its own shape under ''.
  if (typeof mod === 'function') shape[''] = describe(mod, 0);
  if (mod !== null && (typeof mod === 'object' || typeof mod === 'function')) {
    for (const key of Object.keys(mod)) {
      let x: unknown;
      try {
        x = (mod as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      shape[key] = describe(x, 0);
    }
  }
  shapes.set(name, shape);
  return shape;
}
