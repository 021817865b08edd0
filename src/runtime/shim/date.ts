/**
 * `Date` on simulated time and in UTC (Lambda runs with TZ=:UTC), whatever the host's TZ: V8's
 * local-time methods read the host process's time zone, so they are redirected to their UTC twins
 * (the Annex B `getYear`/`setYear` too), and date-time strings without an offset (which ECMAScript
 * parses as local time) are read as UTC, whether they come as strings or as objects that convert
 * to one. `Intl` and the `toLocale*` methods (fixed locale, UTC, simulated now) are in ./intl.ts;
 * deterministic weak references in ./weakref.ts: both are installed from here.
 *
 * Every intrinsic used after install is captured first: handler code that later replaces a
 * global or a prototype method (RegExp.prototype.exec, the array iterator) cannot make a local
 * parse slip through.
 */
import { host } from './host.js';
import { installIntl } from './intl.js';
import { installWeakRef } from './weakref.js';

type Fn = (...args: unknown[]) => unknown;

const RealDate = Date;
const realParse = RealDate.parse;
const realUTC = RealDate.UTC as Fn;
const dateProto = RealDate.prototype as unknown as Record<string, Fn>;
const getTime = dateProto['getTime']!;
const realTimezoneOffset = dateProto['getTimezoneOffset']!;
const setTime = dateProto['setTime']!;
const getUTCFullYear = dateProto['getUTCFullYear']!;
const setUTCFullYear = dateProto['setUTCFullYear']!;
const getUTCMonth = dateProto['getUTCMonth']!;
const getUTCDate = dateProto['getUTCDate']!;
const getUTCDay = dateProto['getUTCDay']!;
const getUTCHours = dateProto['getUTCHours']!;
const getUTCMinutes = dateProto['getUTCMinutes']!;
const getUTCSeconds = dateProto['getUTCSeconds']!;
const apply = Reflect.apply;
const construct = Reflect.construct;
const defineProperty = Object.defineProperty;
const exec = RegExp.prototype.exec;
const padStart = String.prototype.padStart;
const trunc = Math.trunc;
const toStr = String;
const toPrimitiveKey = Symbol.toPrimitive;
const NAN = Number.NaN;

/** ECMA-262's date-time string format without an offset (which it reads as local time): `YYYY[-MM[-DD]]THH:mm[:ss[.sss]]`. */
const LOCAL_ISO = /^(\d{4}|[+-]\d{6})(-\d\d(-\d\d)?)?[Tt]\d\d:\d\d(:\d\d(\.\d+)?)?$/;
const DATE_ONLY_ISO = /^\d{4}(-\d\d(-\d\d)?)?$/;
/**
 * An explicit zone: an offset (`+01:00`, `-0500`, or a short one after the time, `10:00 +1`), or a
 * name V8's legacy parser knows (`GMT`, `UTC`, `UT`, `Z`, the US ones). Tested on the string
 * without its parenthesized comments, which V8 ignores (`10:00 (UTC)` is local time).
 */
const HAS_ZONE = /(Z|[+-]\d\d:?\d\d|\b(GMT|UTC|UT|Z|[ECMP][SD]T)\b|\d:\d\d(:\d\d(\.\d+)?)?\s*[+-]\d{1,4}\b)/i;
const test = (re: RegExp, s: string): boolean => apply(exec, re, [s]) !== null;

function withoutComments(s: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

function parseUtc(s: string): number {
  if (test(LOCAL_ISO, s)) return realParse(`${s}Z`);
  const t = realParse(s);
  if (t !== t || test(DATE_ONLY_ISO, s) || test(HAS_ZONE, withoutComments(s))) return t;
  // A non-ISO local form ("Jan 1 2025 10:00"): read it in UTC.
  const u = realParse(`${s} GMT`);
  if (u === u) return u;
  // A local form that takes no zone after it: undo the host's offset (no known input gets here).
  return t - (apply(realTimezoneOffset, new RealDate(t), []) as number) * 60_000;
}

const isObject = (v: unknown): v is object => (typeof v === 'object' && v !== null) || typeof v === 'function';

/** ECMA-262 ToPrimitive(value, default), without the global lookups a handler could replace. */
function toPrimitive(v: object): unknown {
  const exotic = (v as Record<symbol, unknown>)[toPrimitiveKey];
  if (exotic !== undefined && exotic !== null) {
    if (typeof exotic !== 'function') throw new TypeError('Cannot convert object to primitive value');
    const r = apply(exotic as Fn, v, ['default']);
    if (isObject(r)) throw new TypeError('Cannot convert object to primitive value');
    return r;
  }
  // OrdinaryToPrimitive with hint number: valueOf, then toString (no array to iterate here).
  const valueOf = (v as Record<string, unknown>)['valueOf'];
  if (typeof valueOf === 'function') {
    const r = apply(valueOf as Fn, v, []);
    if (!isObject(r)) return r;
  }
  const toString = (v as Record<string, unknown>)['toString'];
  if (typeof toString === 'function') {
    const r = apply(toString as Fn, v, []);
    if (!isObject(r)) return r;
  }
  throw new TypeError('Cannot convert object to primitive value');
}

/** The time value of a real Date, or undefined for anything else (a brand check, not `instanceof`). */
function timeOf(v: object): number | undefined {
  try {
    return apply(getTime, v, []) as number;
  } catch {
    return undefined;
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: unknown, width: number): string => apply(padStart, toStr(n), [width, '0']) as string;
const utc = (d: Date, getter: Fn): number => apply(getter, d, []) as number;
const stamp = (d: Date): { date: string; time: string } => ({
  date: `${DAYS[utc(d, getUTCDay)]} ${MONTHS[utc(d, getUTCMonth)]} ${pad(utc(d, getUTCDate), 2)} ${pad(utc(d, getUTCFullYear), 4)}`,
  time: `${pad(utc(d, getUTCHours), 2)}:${pad(utc(d, getUTCMinutes), 2)}:${pad(utc(d, getUTCSeconds), 2)} GMT+0000 (Coordinated Universal Time)`,
});
/** Throws the real TypeError for a receiver that is not a Date. */
const invalid = (d: Date): boolean => {
  const t = apply(getTime, d, []) as number;
  return t !== t;
};
const dateString = (d: Date): string => {
  if (invalid(d)) return 'Invalid Date';
  const s = stamp(d);
  return `${s.date} ${s.time}`;
};

export function installDate(g: Record<string, unknown>): void {
  function SimDate(this: unknown, ...args: unknown[]): unknown {
    if (!new.target) return dateString(new RealDate(host.now()));
    let t: unknown;
    if (args.length === 0) t = host.now();
    else if (args.length === 1) {
      const a = args[0];
      const v = isObject(a) ? (timeOf(a) ?? toPrimitive(a)) : a;
      t = typeof v === 'string' ? parseUtc(v) : v;
    } else t = apply(realUTC, undefined, args);
    // new.target's prototype, as for a subclass (`class D extends Date`).
    return construct(RealDate, [t], new.target);
  }
  const proto = dateProto as Record<string, unknown>;
  defineProperty(SimDate, 'prototype', { value: proto, writable: false, enumerable: false, configurable: false });
  defineProperty(proto, 'constructor', { value: SimDate, writable: true, configurable: true });
  const statics = {
    now(): number {
      return host.now();
    },
    parse(s: unknown): number {
      if (typeof s === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
      return parseUtc(toStr(s));
    },
  };
  Object.defineProperties(SimDate, {
    now: { value: statics.now, writable: true, configurable: true },
    parse: { value: statics.parse, writable: true, configurable: true },
    UTC: { value: RealDate.UTC, writable: true, configurable: true },
    length: { value: 7 },
    name: { value: 'Date' },
  });
  for (const name of ['FullYear', 'Month', 'Date', 'Day', 'Hours', 'Minutes', 'Seconds', 'Milliseconds']) {
    proto[`get${name}`] = proto[`getUTC${name}`];
    if (name !== 'Day') proto[`set${name}`] = proto[`setUTC${name}`];
  }
  // Method shorthand: like the built-ins, these are not constructors.
  const methods = {
    getTimezoneOffset(this: Date): number {
      return invalid(this) ? NAN : 0;
    },
    toString(this: Date): string {
      return dateString(this);
    },
    toDateString(this: Date): string {
      return invalid(this) ? 'Invalid Date' : stamp(this).date;
    },
    toTimeString(this: Date): string {
      return invalid(this) ? 'Invalid Date' : stamp(this).time;
    },
    /** Annex B: the year minus 1900, here of the UTC year. */
    getYear(this: Date): number {
      return (apply(getUTCFullYear, this, []) as number) - 1900;
    },
    /** Annex B: two-digit years are 19xx; month, day and time of day are kept (here in UTC). */
    setYear(this: Date, year: unknown): number {
      const t = apply(getTime, this, []) as number;
      const y = +(year as number);
      if (y !== y) {
        apply(setTime, this, [NAN]);
        return NAN;
      }
      const yi = trunc(y);
      apply(setTime, this, [t !== t ? 0 : t]);
      return apply(setUTCFullYear, this, [yi >= 0 && yi <= 99 ? 1900 + yi : y]) as number;
    },
  };
  // Assigned, not defined: the properties exist (V8 has the Annex B ones too), so they keep their
  // attributes, and assignment is the cheaper of the two in a fresh context.
  proto['getTimezoneOffset'] = methods.getTimezoneOffset;
  proto['toString'] = methods.toString;
  proto['toDateString'] = methods.toDateString;
  proto['toTimeString'] = methods.toTimeString;
  proto['getYear'] = methods.getYear;
  proto['setYear'] = methods.setYear;
  g['Date'] = SimDate;
  installIntl(g);
  installWeakRef(g);
}
