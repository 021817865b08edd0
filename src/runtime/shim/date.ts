/**
 * `Date` on simulated time and in UTC (Lambda runs with TZ=:UTC), whatever the host's TZ: V8's
 * local-time methods read the host process's time zone, so they are redirected to their UTC twins,
 * and date-time strings without an offset (which ECMAScript parses as local time) are read as UTC.
 * `Intl.DateTimeFormat` and `toLocale*String` default to `timeZone: 'UTC'`.
 */
import { host } from './host.js';

const RealDate = Date;
const realParse = RealDate.parse;
const LOCAL_ISO = /^(\d{4}|[+-]\d{6})-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/;
const HAS_ZONE = /(Z|[+-]\d\d:?\d\d|\b(GMT|UTC|UT|Z)\b)/i;

function parseUtc(s: string): number {
  if (LOCAL_ISO.test(s)) return realParse(`${s}Z`);
  const t = realParse(s);
  if (Number.isNaN(t) || HAS_ZONE.test(s) || /^\d{4}(-\d\d(-\d\d)?)?$/.test(s)) return t;
  // A non-ISO local form ("Jan 1 2025 10:00"): read it in UTC.
  const u = realParse(`${s} GMT`);
  return Number.isNaN(u) ? t : u;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

export function installDate(g: Record<string, unknown>): void {
  function SimDate(this: unknown, ...args: unknown[]): unknown {
    if (!new.target) return new (SimDate as unknown as DateConstructor)().toString();
    let d: Date;
    if (args.length === 0) d = new RealDate(host.now());
    else if (args.length === 1) {
      const a = args[0];
      d = typeof a === 'string' ? new RealDate(parseUtc(a)) : new RealDate(a instanceof RealDate ? a.getTime() : (a as number));
    } else d = new RealDate(RealDate.UTC(...(args as [number, number])));
    Object.setPrototypeOf(d, new.target.prototype);
    return d;
  }
  const proto = RealDate.prototype as unknown as Record<string, unknown>;
  SimDate.prototype = proto;
  Object.defineProperty(proto, 'constructor', { value: SimDate, writable: true, configurable: true });
  Object.defineProperties(SimDate, {
    now: { value: () => host.now(), writable: true, configurable: true },
    parse: { value: (s: unknown) => parseUtc(String(s)), writable: true, configurable: true },
    UTC: { value: RealDate.UTC, writable: true, configurable: true },
    length: { value: 7 },
    name: { value: 'Date' },
  });
  for (const name of ['FullYear', 'Month', 'Date', 'Day', 'Hours', 'Minutes', 'Seconds', 'Milliseconds']) {
    proto[`get${name}`] = proto[`getUTC${name}`];
    if (name !== 'Day') proto[`set${name}`] = proto[`setUTC${name}`];
  }
  proto['getTimezoneOffset'] = function getTimezoneOffset(this: Date): number {
    return Number.isNaN(this.getTime()) ? Number.NaN : 0;
  };
  const stamp = (d: Date): { date: string; time: string } => ({
    date: `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p2(d.getUTCDate())} ${String(d.getUTCFullYear()).padStart(4, '0')}`,
    time: `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT+0000 (Coordinated Universal Time)`,
  });
  const invalid = (d: Date): boolean => Number.isNaN(d.getTime());
  proto['toString'] = function toString(this: Date): string {
    if (invalid(this)) return 'Invalid Date';
    const s = stamp(this);
    return `${s.date} ${s.time}`;
  };
  proto['toDateString'] = function toDateString(this: Date): string {
    return invalid(this) ? 'Invalid Date' : stamp(this).date;
  };
  proto['toTimeString'] = function toTimeString(this: Date): string {
    return invalid(this) ? 'Invalid Date' : stamp(this).time;
  };
  for (const name of ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']) {
    const original = proto[name] as (this: Date, l?: unknown, o?: Record<string, unknown>) => string;
    proto[name] = function (this: Date, locales?: unknown, options?: Record<string, unknown>): string {
      return original.call(this, locales, { timeZone: 'UTC', ...(options ?? {}) });
    };
  }
  g['Date'] = SimDate;

  const Intl = g['Intl'] as { DateTimeFormat: new (l?: unknown, o?: Record<string, unknown>) => unknown } | undefined;
  if (Intl !== undefined) {
    const RealDTF = Intl.DateTimeFormat;
    const DTF = function DateTimeFormat(locales?: unknown, options?: Record<string, unknown>): unknown {
      return new RealDTF(locales, { timeZone: 'UTC', ...(options ?? {}) });
    };
    Object.assign(DTF, RealDTF);
    DTF.prototype = RealDTF.prototype;
    Intl.DateTimeFormat = DTF as unknown as typeof RealDTF;
  }
}
