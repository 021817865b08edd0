/**
 * Determinism leaks (issue 16, found by an outside review): sandbox paths that read the host's
 * wall clock, default locale (LANG, LC_ALL), time zone (TZ) or garbage collector, and so broke "same
 * seed + same inputs ⇒ byte-identical output in a fresh process, whatever the host".
 *
 * The corpus is a list of probes (sandbox expressions, each with the answer it must give). One
 * workload evaluates them all inside a handler, in fresh processes started with hostile hosts (time
 * zones far from UTC, one with a :45 offset; locales that change digits, case mapping, collation
 * and calendar; LANG alone and LC_ALL over LANG); every host must give byte-identical output, and
 * every probe its answer. Expected answers that depend on the ICU version are computed here, on
 * the test process's own Intl, with the locale and time zone given explicitly (which no host
 * setting changes).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, deploy, newSim } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = pathToFileURL(`${ROOT}src/index.ts`).href;
/** The virtual clock's default epoch, 2025-01-01T00:00:00Z. */
const EPOCH = Date.UTC(2025, 0, 1);
/** How far the second probe run moves simulated time: 1 h 30 min 1.234 s. */
const LATER = 5_401_234;

/** How the sandbox reports a value (PROBE_HANDLER has the same function): strings as they are, the rest as JSON, errors as `threw Name: message`. */
function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint' || typeof v === 'symbol') return String(v);
  return JSON.stringify(v) ?? String(v);
}

const en = (options: Intl.DateTimeFormatOptions = {}): Intl.DateTimeFormat => new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', ...options });
const THREW_TYPE_ERROR = /^threw TypeError: /;

type Expected = string | RegExp;
interface Probe {
  readonly expr: string;
  readonly expected: Expected;
}
const p = (expr: string, expected: unknown): Probe => ({ expr, expected: expected instanceof RegExp ? expected : show(expected) });

/** Formatting "now" with no date: the simulated time, never the real one. `at` is the simulated time of the run. */
const nowProbes = (at: number): Probe[] => [
  p(`new Intl.DateTimeFormat().format()`, en().format(at)),
  p(`Intl.DateTimeFormat().format()`, en().format(at)),
  p(`new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' }).format(undefined)`, en().format(at)),
  p(`new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'long', timeZone: 'UTC' }).format()`, new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'long', timeZone: 'UTC' }).format(at)),
  p(
    `new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: 'numeric', second: 'numeric', fractionalSecondDigits: 3, hourCycle: 'h23' }).format()`,
    en({ hour: 'numeric', minute: 'numeric', second: 'numeric', fractionalSecondDigits: 3, hourCycle: 'h23' }).format(at),
  ),
  p(`new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', timeStyle: 'short' }).format()`, new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', timeStyle: 'short' }).format(at)),
  p(`new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' }).formatToParts().map((part) => part.value).join('')`, en().format(at)),
  p(`new Intl.DateTimeFormat('en-US', { year: 'numeric', timeZone: 'UTC' }).formatToParts(undefined)`, en({ year: 'numeric' }).formatToParts(at)),
  p(`[undefined].map(new Intl.DateTimeFormat('en-US', { minute: 'numeric', second: 'numeric' }).format).join()`, en({ minute: 'numeric', second: 'numeric' }).format(at)),
  p(`new (class extends Intl.DateTimeFormat {})('en-US', { timeStyle: 'medium' }).format()`, en({ timeStyle: 'medium' }).format(at)),
  p(
    // The legacy receiver (ChainDateTimeFormat: the constructor called on an object that inherits from its prototype).
    `(() => { const o = Intl.DateTimeFormat.call(Object.create(Intl.DateTimeFormat.prototype), 'en-US', { timeStyle: 'medium' }); return Object.getOwnPropertyDescriptor(Intl.DateTimeFormat.prototype, 'format').get.call(o)(); })()`,
    en({ timeStyle: 'medium' }).format(at),
  ),
  p(`new Date().toLocaleString()`, en({ year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).format(at)),
  p(`Date.now()`, at),
  // Unchanged: the bound format is one function per formatter, and formatRange still wants both dates.
  p(`(() => { const f = new Intl.DateTimeFormat(); return [f.format === f.format, f.format.length, f.format.name]; })()`, [true, 1, '']),
  p(`new Intl.DateTimeFormat().formatRange()`, THREW_TYPE_ERROR),
];

const GROUPS: Record<string, Probe[]> = {
  'every locale-sensitive default is en-US, whatever LANG or LC_ALL say': [
    p(`(1234.5).toLocaleString()`, '1,234.5'),
    p(`(1234.5).toLocaleString(undefined, { style: 'currency', currency: 'EUR' })`, (1234.5).toLocaleString('en-US', { style: 'currency', currency: 'EUR' })),
    p(`(-0.25).toLocaleString(undefined, { style: 'percent' })`, '-25%'),
    p(`(1234.5).toLocaleString([])`, '1,234.5'),
    p(`(1234.5).toLocaleString('xx')`, '1,234.5'),
    p(`12345678901234567890n.toLocaleString()`, '12,345,678,901,234,567,890'),
    p(`new Date(0).toLocaleString()`, new Date(0).toLocaleString('en-US', { timeZone: 'UTC' })),
    p(`new Date(0).toLocaleDateString()`, '1/1/1970'),
    p(`new Date(0).toLocaleTimeString()`, new Date(0).toLocaleTimeString('en-US', { timeZone: 'UTC' })),
    p(`new Date(0).toLocaleDateString(undefined, { weekday: 'long', month: 'long', day: 'numeric' })`, en({ weekday: 'long', month: 'long', day: 'numeric' }).format(0)),
    p(`new Date(0).toLocaleString([], { timeZone: 'UTC' })`, new Date(0).toLocaleString('en-US', { timeZone: 'UTC' })),
    p(`new Date(0).toLocaleDateString('xx')`, '1/1/1970'),
    p(`[1234.5, new Date(0), 7n, null].toLocaleString()`, [1234.5, new Date(0), 7n, null].toLocaleString('en-US', { timeZone: 'UTC' })),
    p(`new Float64Array([1234.5, -0.5]).toLocaleString()`, '1,234.5,-0.5'),
    p(`'i'.toLocaleUpperCase()`, 'I'),
    p(`'I'.toLocaleLowerCase()`, 'i'),
    p(`'i'.toLocaleUpperCase([])`, 'I'),
    p(`'İ'.toLocaleLowerCase(undefined)`, 'İ'.toLocaleLowerCase('en-US')),
    p(`'ä'.localeCompare('z')`, -1),
    p(`['ä', 'z', 'a', 'ı', 'i', 'j', 'ö', 'o'].sort((a, b) => a.localeCompare(b)).join('')`, ['ä', 'z', 'a', 'ı', 'i', 'j', 'ö', 'o'].sort(new Intl.Collator('en-US').compare).join('')),
    p(`['ä', 'z', 'a'].sort(new Intl.Collator().compare).join('')`, 'aäz'),
    p(`['ä', 'z', 'a'].sort(Intl.Collator().compare).join('')`, 'aäz'),
    p(`'a'.localeCompare('B', undefined, { sensitivity: 'base' })`, -1),
    p(`new Intl.NumberFormat().format(1234.5)`, '1,234.5'),
    p(`Intl.NumberFormat().format(1234.5)`, '1,234.5'),
    p(`new Intl.NumberFormat('xx').format(1234.5)`, '1,234.5'),
    p(`new Intl.NumberFormat([]).format(1234.5)`, '1,234.5'),
    p(`new Intl.NumberFormat(['xx', 'qq-ZZ']).resolvedOptions().locale`, 'en-US'),
    p(`new Intl.NumberFormat().resolvedOptions().numberingSystem`, 'latn'),
    p(
      // What en-US given explicitly resolves to: V8 resolves PluralRules' 'en-US' to 'en'.
      `[Intl.Collator, Intl.DateTimeFormat, Intl.NumberFormat, Intl.PluralRules, Intl.RelativeTimeFormat, Intl.ListFormat, Intl.Segmenter].map((C) => new C().resolvedOptions().locale)`,
      ([Intl.Collator, Intl.DateTimeFormat, Intl.NumberFormat, Intl.PluralRules, Intl.RelativeTimeFormat, Intl.ListFormat, Intl.Segmenter] as unknown as Array<new (l: string) => { resolvedOptions(): { locale: string } }>).map(
        (C) => new C('en-US').resolvedOptions().locale,
      ),
    ),
    p(`[Intl.Collator, Intl.DateTimeFormat, Intl.NumberFormat].map((C) => C().resolvedOptions().locale)`, Array(3).fill('en-US')),
    p(`new Intl.DisplayNames(undefined, { type: 'region' }).resolvedOptions().locale`, 'en-US'),
    p(`new Intl.DisplayNames(undefined, { type: 'region' }).of('DE')`, 'Germany'),
    p(`new Intl.DateTimeFormat().resolvedOptions().calendar`, 'gregory'),
    p(`new Intl.DateTimeFormat().resolvedOptions().numberingSystem`, 'latn'),
    p(`new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions().hourCycle`, 'h12'),
    p(`new Intl.PluralRules().select(2)`, 'other'),
    p(`new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(-1, 'day')`, 'yesterday'),
    p(`new Intl.ListFormat().format(['a', 'b', 'c'])`, 'a, b, and c'),
    p(`[...new Intl.Segmenter(undefined, { granularity: 'word' }).segment('hello world')].length`, 3),
    p(`new Intl.NumberFormat.prototype.constructor().resolvedOptions().locale`, 'en-US'),
    p(`new (new Intl.Collator().constructor)().resolvedOptions().locale`, 'en-US'),
    p(`new (class extends Intl.NumberFormat {})().format(1234.5)`, '1,234.5'),
    p(
      `[Intl.Collator, Intl.DateTimeFormat, Intl.NumberFormat, Intl.PluralRules, Intl.RelativeTimeFormat, Intl.ListFormat, Intl.DisplayNames, Intl.Segmenter].every((C) => C.prototype.constructor === C)`,
      true,
    ),
  ],

  'the host time zone leaks through no path: every default is UTC': [
    p(`new Intl.DateTimeFormat('en-US', { timeZone: undefined }).resolvedOptions().timeZone`, 'UTC'),
    p(`new Intl.DateTimeFormat('en-US', { timeZone: undefined, timeStyle: 'long' }).format(0)`, en({ timeStyle: 'long' }).format(0)),
    p(`Intl.DateTimeFormat('en-US', { timeZone: undefined }).resolvedOptions().timeZone`, 'UTC'),
    p(`Intl.DateTimeFormat().resolvedOptions().timeZone`, 'UTC'),
    p(`new Intl.DateTimeFormat('en-US', Object.create({ timeZone: undefined })).resolvedOptions().timeZone`, 'UTC'),
    p(`new Intl.DateTimeFormat('en-US', 5).resolvedOptions().timeZone`, 'UTC'),
    p(`(() => { let n = 0; return new Intl.DateTimeFormat('en-US', { get timeZone() { return n++ === 0 ? 'UTC' : undefined; } }).resolvedOptions().timeZone; })()`, 'UTC'),
    p(`(() => { let n = 0; return new Intl.DateTimeFormat('en-US', { get timeZone() { return n++ === 0 ? undefined : 'UTC'; } }).resolvedOptions().timeZone; })()`, 'UTC'),
    p(`new Intl.DateTimeFormat.prototype.constructor('en-US').resolvedOptions().timeZone`, 'UTC'),
    p(`new (new Intl.DateTimeFormat().constructor)('en-US', { timeZone: undefined }).resolvedOptions().timeZone`, 'UTC'),
    p(`Intl.DateTimeFormat.prototype.constructor === Intl.DateTimeFormat`, true),
    p(`new (class extends Intl.DateTimeFormat {})('en-US', { timeZone: undefined }).resolvedOptions().timeZone`, 'UTC'),
    p(`Reflect.construct(Intl.DateTimeFormat, ['en-US', { timeZone: undefined }]).resolvedOptions().timeZone`, 'UTC'),
    p(`new Date(0).toLocaleString('en-US', { timeZone: undefined })`, new Date(0).toLocaleString('en-US', { timeZone: 'UTC' })),
    p(`new Date(0).toLocaleTimeString('en-US', { timeZone: undefined, timeZoneName: 'short' })`, new Date(0).toLocaleTimeString('en-US', { timeZone: 'UTC', timeZoneName: 'short' })),
    p(`new Date(0).toLocaleDateString('en-US', { timeZone: undefined })`, '1/1/1970'),
    p(`new Date(0).toLocaleString(undefined, { hour: 'numeric' })`, en({ hour: 'numeric' }).format(0)),
    p(`new Date(0).toLocaleString('en-US', Object.create({ timeZone: undefined, hour: 'numeric' }))`, en({ hour: 'numeric' }).format(0)),
    p(`new Date(0).getYear()`, 70),
    p(`new Date(Date.UTC(2000, 0, 1, 0, 30)).getYear()`, 100),
    p(`new Date(Date.UTC(1999, 11, 31, 23, 30)).getYear()`, 99),
    p(`(() => { const d = new Date(Date.UTC(2020, 0, 1, 0, 30)); d.setYear(99); return d.toISOString(); })()`, '1999-01-01T00:30:00.000Z'),
    p(`(() => { const d = new Date(Date.UTC(2020, 11, 31, 23, 30)); return [d.setYear(2021), d.toISOString()]; })()`, [Date.UTC(2021, 11, 31, 23, 30), '2021-12-31T23:30:00.000Z']),
    p(`(() => { const d = new Date(NaN); d.setYear(2001); return d.toISOString(); })()`, '2001-01-01T00:00:00.000Z'),
    p(`String(new Date(0).setYear(NaN))`, 'NaN'),
    p(`\`\${new Date(0)}\``, 'Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)'),
    p(`new Date(0)[Symbol.toPrimitive]('default')`, 'Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)'),
    p(`new Date(0) + ''`, 'Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)'),
    p(`Date()`, 'Wed Jan 01 2025 00:00:00 GMT+0000 (Coordinated Universal Time)'),
    p(`Date(0, 1, 2)`, 'Wed Jan 01 2025 00:00:00 GMT+0000 (Coordinated Universal Time)'),
    p(`new Date(new String('2025-01-01T10:00')).toISOString()`, '2025-01-01T10:00:00.000Z'),
    p(`new Date({ [Symbol.toPrimitive]: () => '2025-01-01T10:00' }).toISOString()`, '2025-01-01T10:00:00.000Z'),
    p(`new Date({ valueOf: undefined, toString: () => 'Jan 2 2025 10:00' }).toISOString()`, '2025-01-02T10:00:00.000Z'),
    p(`new Date({ valueOf: () => 86400000 }).toISOString()`, '1970-01-02T00:00:00.000Z'),
    p(`new Date(new Date(5)).getTime()`, 5),
    p(`Date.parse('2025-01-01T10:00')`, Date.UTC(2025, 0, 1, 10)),
    p(`Date.parse(new String('2025-01-01T10:00'))`, Date.UTC(2025, 0, 1, 10)),
    p(`Date.parse('Jan 1 2025 10:00')`, Date.UTC(2025, 0, 1, 10)),
    p(`Date.parse('2025-01-01 10:00')`, Date.UTC(2025, 0, 1, 10)),
    p(`Date.parse('2025/01/01 10:00')`, Date.UTC(2025, 0, 1, 10)),
    p(`Date.parse('2025-01-01t10:00')`, Date.UTC(2025, 0, 1, 10)),
    p(`[Date.parse('2025-01T10:00'), Date.parse('2025T10:00')]`, [Date.UTC(2025, 0, 1, 10), Date.UTC(2025, 0, 1, 10)]),
    p(`Date.parse('2025-01-01 10:00 (UTC)')`, Date.UTC(2025, 0, 1, 10)),
    p(`[Date.parse('10:00 Jan 1 2025'), Date.parse('2025 Jan 1 10:00'), Date.parse('January 1 2025 10:00:00.123')]`, [Date.UTC(2025, 0, 1, 10), Date.UTC(2025, 0, 1, 10), Date.UTC(2025, 0, 1, 10, 0, 0, 123)]),
    p(`new Date(2025, 0, 1, 10).toISOString()`, '2025-01-01T10:00:00.000Z'),
    p(`[new Date(0).getTimezoneOffset(), new Date(0).getHours(), new Date(Date.UTC(2025, 5, 1)).getTimezoneOffset()]`, [0, 0, 0]),
  ],

  'WeakRef and FinalizationRegistry keep their API and argument checks': [
    p(`[typeof WeakRef, typeof FinalizationRegistry, WeakRef.name, FinalizationRegistry.name]`, ['function', 'function', 'WeakRef', 'FinalizationRegistry']),
    p(`new WeakRef({}) instanceof WeakRef && new FinalizationRegistry(() => {}) instanceof FinalizationRegistry`, true),
    p(`[Object.prototype.toString.call(new WeakRef({})), Object.prototype.toString.call(new FinalizationRegistry(() => {}))]`, ['[object WeakRef]', '[object FinalizationRegistry]']),
    p(`(() => { const o = {}; return new WeakRef(o).deref() === o; })()`, true),
    p(`new (class extends WeakRef {})({ a: 1 }).deref().a`, 1),
    p(`String(new WeakRef(Symbol('unique')).deref())`, 'Symbol(unique)'),
    p(`new WeakRef(1)`, 'threw TypeError: WeakRef: invalid target'),
    p(`new WeakRef()`, 'threw TypeError: WeakRef: invalid target'),
    p(`new WeakRef(Symbol.for('registered'))`, 'threw TypeError: WeakRef: invalid target'),
    p(`WeakRef({})`, THREW_TYPE_ERROR),
    p(`WeakRef.prototype.deref.call({})`, THREW_TYPE_ERROR),
    p(`[WeakRef.length, FinalizationRegistry.length, FinalizationRegistry.prototype.register.length, FinalizationRegistry.prototype.unregister.length, WeakRef.prototype.deref.length]`, [1, 1, 2, 1, 0]),
    p(`[Object.getOwnPropertyNames(WeakRef.prototype), Object.getOwnPropertyNames(FinalizationRegistry.prototype)]`, [['constructor', 'deref'], ['constructor', 'register', 'unregister']]),
    p(`[WeakRef.prototype.constructor === WeakRef, FinalizationRegistry.prototype.constructor === FinalizationRegistry, Object.keys(new WeakRef({})).length]`, [true, true, 0]),
    p(
      `(() => { const r = new FinalizationRegistry(() => {}); const t = {}; return [r.register({}, 1), r.register({}, 2, t), r.register({}, 3, t), r.unregister(t), r.unregister(t), r.unregister({})]; })()`,
      [null, null, null, true, false, false],
    ),
    p(`(() => { const r = new FinalizationRegistry(() => {}); const s = Symbol('t'); r.register({}, 1, s); return [r.unregister(s), r.unregister(Symbol('t'))]; })()`, [true, false]),
    p(`(() => { const a = new FinalizationRegistry(() => {}); const b = new FinalizationRegistry(() => {}); const t = {}; a.register({}, 1, t); return [b.unregister(t), a.unregister(t)]; })()`, [false, true]),
    p(`(() => { const t = {}; new FinalizationRegistry(() => {}).register(t, 1, t); return 'ok'; })()`, 'ok'),
    p(`new FinalizationRegistry(() => {}).register({}, 1, undefined)`, 'undefined'),
    p(`new FinalizationRegistry(() => {}).register(1)`, 'threw TypeError: FinalizationRegistry.prototype.register: invalid target'),
    p(`new FinalizationRegistry(() => {}).register(Symbol.for('x'), 1)`, 'threw TypeError: FinalizationRegistry.prototype.register: invalid target'),
    p(`((o) => new FinalizationRegistry(() => {}).register(o, o))({})`, 'threw TypeError: FinalizationRegistry.prototype.register: target and holdings must not be same'),
    p(`new FinalizationRegistry(() => {}).register({}, 1, 'token')`, "threw TypeError: Invalid unregisterToken ('token')"),
    p(`new FinalizationRegistry(() => {}).register({}, 1, null)`, "threw TypeError: Invalid unregisterToken ('null')"),
    p(`new FinalizationRegistry(() => {}).unregister(1)`, "threw TypeError: Invalid unregisterToken ('1')"),
    p(`new FinalizationRegistry(() => {}).unregister(Symbol.for('x'))`, "threw TypeError: Invalid unregisterToken ('Symbol(x)')"),
    p(`new FinalizationRegistry(1)`, 'threw TypeError: FinalizationRegistry: cleanup must be callable'),
    p(`FinalizationRegistry(() => {})`, THREW_TYPE_ERROR),
    p(`FinalizationRegistry.prototype.register.call({}, {})`, THREW_TYPE_ERROR),
    p(`FinalizationRegistry.prototype.unregister.call(new WeakRef({}), {})`, THREW_TYPE_ERROR),
  ],

  'explicit dates, locales and time zones keep their real answers': [
    p(`new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin' }).format(new Date(0))`, '1.1.1970'),
    p(`new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', timeStyle: 'long' }).format(new Date(0))`, new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', timeStyle: 'long' }).format(0)),
    p(`new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', timeStyle: 'short' }).format(0)`, '01:00'),
    p(
      `new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'full', timeStyle: 'full' }).format(Date.UTC(2025, 6, 1, 12))`,
      new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'full', timeStyle: 'full' }).format(Date.UTC(2025, 6, 1, 12)),
    ),
    p(`new Date(0).toLocaleString('en-US', { timeZone: 'America/New_York' })`, new Date(0).toLocaleString('en-US', { timeZone: 'America/New_York' })),
    p(`new Date(Date.UTC(2025, 6, 1, 12)).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo' })`, '2025/7/1 21:00:00'),
    p(`new Date(0).toLocaleDateString('th-TH')`, '1/1/2513'),
    p(`[new Date(0).toLocaleDateString('de-DE'), new Date(0).toLocaleTimeString('de-DE'), new Date(0).toLocaleString('de-DE')]`, ['1.1.1970', '00:00:00', '1.1.1970, 00:00:00']),
    p(`new Date(0).toLocaleString('ar-EG')`, new Date(0).toLocaleString('ar-EG', { timeZone: 'UTC' })),
    p(`new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Kolkata' }).resolvedOptions().timeZone`, new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Kolkata' }).resolvedOptions().timeZone),
    p(`new Intl.DateTimeFormat('en-US', { timeZone: 'utc' }).resolvedOptions().timeZone`, 'UTC'),
    p(`new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', timeZoneName: 'short' }).format(0)`, new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', timeZoneName: 'short' }).format(0)),
    p(`new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' }).formatRange(0, 86400000)`, en().formatRange(0, 86400000)),
    p(`(1234.5).toLocaleString('de-DE')`, '1.234,5'),
    p(`new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(1234.5)`, new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(1234.5)),
    p(`new Intl.NumberFormat('ar-EG').format(123)`, '١٢٣'),
    p(`new Intl.NumberFormat('de-DE-u-nu-arab').format(1)`, '١'),
    p(`new Intl.NumberFormat(['xx', 'de']).resolvedOptions().locale`, 'de'),
    p(`new Intl.NumberFormat('de-XX').resolvedOptions().locale`, 'de'),
    p(`new Intl.NumberFormat(new Intl.Locale('fr-CA')).resolvedOptions().locale`, 'fr-CA'),
    p(`12345n.toLocaleString('de-DE')`, '12.345'),
    p(`['i'.toLocaleUpperCase('tr-TR'), 'I'.toLocaleLowerCase(['tr', 'en'])]`, ['İ', 'ı']),
    p(`['ä', 'z', 'a'].sort(new Intl.Collator('sv').compare).join('')`, 'azä'),
    p(`['ä'.localeCompare('z', 'sv'), 'ä'.localeCompare('z', 'de')]`, [1, -1]),
    p(`['a10', 'a9'].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).join()`, 'a9,a10'),
    p(`new Intl.PluralRules('ar').select(2)`, 'two'),
    p(`new Intl.RelativeTimeFormat('fr', { numeric: 'auto' }).format(-1, 'day')`, 'hier'),
    p(`new Intl.ListFormat('de').format(['a', 'b', 'c'])`, 'a, b und c'),
    p(`new Intl.DisplayNames('de', { type: 'region' }).of('US')`, new Intl.DisplayNames('de', { type: 'region' }).of('US')),
    p(`new Intl.Locale('de').maximize().toString()`, 'de-Latn-DE'),
    p(`[Intl.DateTimeFormat.supportedLocalesOf(['de-DE', 'xx']), Intl.NumberFormat.supportedLocalesOf('fr'), Intl.getCanonicalLocales('EN-us')]`, [['de-DE'], ['fr'], ['en-US']]),
    p(`new Intl.NumberFormat('en_US')`, 'threw RangeError: Incorrect locale information provided'),
    p(`(1).toLocaleString('en_US')`, 'threw RangeError: Incorrect locale information provided'),
    p(`new Intl.DateTimeFormat('en', { timeZone: 'Nowhere/Land' })`, 'threw RangeError: Invalid time zone specified: Nowhere/Land'),
    p(`new Intl.DateTimeFormat('en', null)`, THREW_TYPE_ERROR),
    p(`Intl.PluralRules()`, "threw TypeError: Constructor Intl.PluralRules requires 'new'"),
    p(`Intl.Segmenter('bad_locale')`, "threw TypeError: Constructor Intl.Segmenter requires 'new'"),
    p(`new Intl.DisplayNames()`, THREW_TYPE_ERROR),
    p(`[Intl.DateTimeFormat.name, Intl.DateTimeFormat.length, Intl.DisplayNames.length, Object.getOwnPropertyNames(Intl.DateTimeFormat).sort()]`, [
      'DateTimeFormat', 0, 2, ['length', 'name', 'prototype', 'supportedLocalesOf'],
    ]),
    p(`[new Intl.DateTimeFormat() instanceof Intl.DateTimeFormat, Object.prototype.toString.call(new Intl.DateTimeFormat()), Object.keys(Intl).length]`, [true, '[object Intl.DateTimeFormat]', 0]),
    p(`Date.prototype.toLocaleString.call({})`, THREW_TYPE_ERROR),
    p(`Number.prototype.toLocaleString.call('x')`, THREW_TYPE_ERROR),
    p(`[new Date(NaN).toLocaleString(), new Date(NaN).toLocaleDateString('de-DE', { timeZone: 'Europe/Berlin' })]`, ['Invalid Date', 'Invalid Date']),
    p(`new Date('Jan 1 2025 10:00 EST').toISOString()`, '2025-01-01T15:00:00.000Z'),
    p(`new Date('Wed Jan 01 2025 10:00:00 GMT-0800 (Pacific Standard Time)').toISOString()`, '2025-01-01T18:00:00.000Z'),
    p(`new Date('2025-01-01T10:00:00+02:00').toISOString()`, '2025-01-01T08:00:00.000Z'),
    p(
      `[Date.parse('2025-01-01 10:00 +01'), Date.parse('Jan 1 2025 10:00 -5'), Date.parse('2025-01-01 10:00 pst'), Date.parse('Jan 1 2025 10:00 EDT'), Date.parse('2025-01-01T24:00')]`,
      [Date.UTC(2025, 0, 1, 9), Date.UTC(2025, 0, 1, 15), Date.UTC(2025, 0, 1, 18), Date.UTC(2025, 0, 1, 14), Date.UTC(2025, 0, 2)],
    ),
    p(`Date.parse(Symbol())`, THREW_TYPE_ERROR),
    p(`new Date(Symbol())`, THREW_TYPE_ERROR),
    p(`new Date(1n)`, THREW_TYPE_ERROR),
    p(`[new Date(true).getTime(), new Date(null).getTime(), String(new Date(undefined).getTime()), new Date('garbage').getTime()]`, [1, 0, 'NaN', null]),
    p(`(() => { class D extends Date { twice() { return this.getTime() * 2; } } const d = new D(21); return [d.twice(), d instanceof Date, new D().getTime(), new D(2025, 0).toISOString()]; })()`, [42, true, EPOCH, '2025-01-01T00:00:00.000Z']),

    p(
      // Formatters reused for the common no-options call give what the full call gives.
      `['en-US', 'de-DE', 'ja-JP', 'ar-EG', 'th-TH', 'fr', undefined].every((l) => [0, 1e12, -1].every((t) => { const d = new Date(t); return ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString'].every((m) => d[m](l) === d[m](l ?? 'en-US', { timeZone: 'UTC' })); }))`,
      true,
    ),
  ],
};

/** The handler that evaluates probes (indirect eval: global scope, as handler code would write them). */
const PROBE_HANDLER = `
  const show = (v) => typeof v === 'string' ? v : v === undefined ? 'undefined' : typeof v === 'bigint' || typeof v === 'symbol' ? String(v) : JSON.stringify(v) ?? String(v);
  export const handler = async (event) => {
    if (event.wait) await new Promise((r) => setTimeout(r, event.wait));
    console.log('now', new Date().toLocaleString(), new Intl.DateTimeFormat().format(), (1234.5).toLocaleString(), 'iı'.toLocaleUpperCase());
    return event.probes.map((x) => { try { return show((0, eval)(x)); } catch (e) { return 'threw ' + e.name + ': ' + e.message; } });
  };`;

/**
 * Weak references under GC pressure: each call makes `n` WeakRefs and registrations, ends the job
 * (a timer: targets are kept alive to the end of the job that made them), churns `rounds` × 10,000
 * objects, and counts the targets still there and the finalizers run. Before the fix, one seed gave
 * different counts from run to run.
 */
const WEAK_HANDLER = `
  const refs = [];
  let finalized = 0;
  const registry = new FinalizationRegistry(() => { finalized++; });
  export const handler = async ({ n, rounds }) => {
    for (let i = 0; i < n; i++) { const o = { i, pad: [i, i, i, i] }; refs.push(new WeakRef(o)); registry.register(o, i, o); }
    await new Promise((r) => setTimeout(r, 1));
    let junk = 0;
    for (let round = 0; round < rounds; round++) { const a = []; for (let j = 0; j < 10000; j++) a.push({ j, s: 'x'.repeat(j % 64) + j }); junk += a.length; }
    await new Promise((r) => setTimeout(r, 1));
    let live = 0;
    for (const r of refs) if (r.deref() !== undefined) live++;
    return { made: refs.length, live, finalized, junk };
  };`;
const WEAK_CALLS = [0, 1, 2, 3, 8, 1].map((rounds) => ({ n: 10_000, rounds }));
const WEAK_EXPECTED = WEAK_CALLS.map((c, i) => ({ made: (i + 1) * c.n, live: (i + 1) * c.n, finalized: 0, junk: c.rounds * 10_000 }));

const ALL_GROUPS: Array<[string, Probe[]]> = Object.entries(GROUPS);
const FIRST: Probe[] = [...nowProbes(EPOCH), ...ALL_GROUPS.flatMap(([, probes]) => probes)];

/** The workload one fresh process runs: every probe at the epoch, the "now" probes again later, the weak-reference calls. */
const WORKLOAD = `
import { readFileSync } from 'node:fs';
import { LambdaSimulator } from ${JSON.stringify(ENTRY)};
const plan = JSON.parse(readFileSync(0, 'utf8'));
const sim = new LambdaSimulator({ seed: 16 });
await sim.createFunction({ FunctionName: 'probe', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: plan.probeHandler } });
await sim.createFunction({ FunctionName: 'weak', Handler: 'index.handler', Runtime: 'nodejs20.x', MemorySize: 512, Code: { Source: plan.weakHandler } });
const invoke = async (name, event) => {
  const out = await sim.invoke({ FunctionName: name, Payload: JSON.stringify(event), LogType: 'Tail' });
  const log = Buffer.from(out.LogResult ?? '', 'base64').toString().replace(/Max Memory Used: \\d+ MB/g, 'Max Memory Used: <measured> MB');
  return { error: out.FunctionError ?? null, payload: JSON.parse(out.Payload.transformToString()), log, at: sim.now() };
};
const first = await invoke('probe', { probes: plan.first });
await sim.advance(${LATER - 1234});
const later = await invoke('probe', { probes: plan.later, wait: 1234 });
const weak = [];
for (const event of plan.weak) weak.push(await invoke('weak', event));
process.stdout.write(JSON.stringify({ first, later, weak }));
await sim.close();
`;

interface Run {
  readonly error: string | null;
  readonly payload: unknown;
  readonly log: string;
  readonly at: number;
}
interface Output {
  readonly first: Run;
  readonly later: Run;
  readonly weak: Run[];
}

/** Hostile hosts. LC_ALL overrides LANG for ICU's default locale, so each is set (or removed) explicitly. */
const HOSTS: Array<Record<string, string | undefined>> = [
  { TZ: 'America/Los_Angeles', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' },
  { TZ: 'Asia/Kolkata', LANG: 'sv_SE.UTF-8', LC_ALL: undefined },
  { TZ: 'Asia/Kathmandu', LANG: 'ar_EG.UTF-8', LC_ALL: undefined },
  { TZ: 'Pacific/Chatham', LANG: 'C', LC_ALL: 'th_TH.UTF-8' },
];

function runIn(host: Record<string, string | undefined>): string {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(LC_|LANG|LANGUAGE$|TZ$)/.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(host)) if (v !== undefined) env[k] = v;
  const plan = { probeHandler: PROBE_HANDLER, weakHandler: WEAK_HANDLER, first: FIRST.map((x) => x.expr), later: nowProbes(EPOCH + LATER).map((x) => x.expr), weak: WEAK_CALLS };
  return execFileSync(process.execPath, ['--no-node-snapshot', '--import', 'tsx', '--input-type=module', '-e', WORKLOAD], {
    cwd: ROOT,
    env,
    input: JSON.stringify(plan),
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

const describeHost = (h: Record<string, string | undefined>): string => `TZ=${h['TZ']} LANG=${h['LANG']} LC_ALL=${h['LC_ALL'] ?? '(unset)'}`;

/** Every probe's answer, per host: `[host, expr, got, expected]` rows that disagree. */
function mismatches(outputs: Output[], probes: Probe[], results: (o: Output) => unknown, offset = 0): string[] {
  const rows: string[] = [];
  outputs.forEach((o, h) => {
    const got = results(o) as string[];
    probes.forEach((probe, i) => {
      const value = got[offset + i];
      const ok = probe.expected instanceof RegExp ? typeof value === 'string' && probe.expected.test(value) : value === probe.expected;
      if (!ok) rows.push(`${describeHost(HOSTS[h]!)}: ${probe.expr}\n    got      ${JSON.stringify(value)}\n    expected ${String(probe.expected instanceof RegExp ? probe.expected : JSON.stringify(probe.expected))}`);
    });
  });
  return rows;
}

describe('determinism leaks in the sandbox (issue 16)', () => {
  const raw: string[] = [];
  const outputs: Output[] = [];
  beforeAll(() => {
    for (const host of HOSTS) {
      const text = runIn(host);
      raw.push(text);
      outputs.push(JSON.parse(text) as Output);
    }
  }, 300_000);

  it('gives byte-identical payloads and logs in fresh processes whatever the host TZ, LANG and LC_ALL', () => {
    for (const o of outputs) expect(o.first.error).toBeNull();
    for (let h = 1; h < raw.length; h++) expect(raw[h], describeHost(HOSTS[h]!)).toBe(raw[0]);
  });

  it('formats the simulated now, not the real one, when Intl.DateTimeFormat gets no date', () => {
    expect(outputs[0]!.first.at).toBe(EPOCH);
    expect(outputs[0]!.later.at).toBe(EPOCH + LATER);
    expect(mismatches(outputs, nowProbes(EPOCH), (o) => o.first.payload)).toEqual([]);
    expect(mismatches(outputs, nowProbes(EPOCH + LATER), (o) => o.later.payload)).toEqual([]);
    const line = `now ${new Date(EPOCH).toLocaleString('en-US', { timeZone: 'UTC' })} ${en().format(EPOCH)} 1,234.5 II`;
    for (const o of outputs) expect(o.first.log).toContain(line);
  });

  let offset = nowProbes(EPOCH).length;
  for (const [name, probes] of ALL_GROUPS) {
    const start = offset;
    it(name, () => {
      expect(mismatches(outputs, probes, (o) => o.first.payload, start)).toEqual([]);
    });
    offset += probes.length;
  }

  it('keeps every WeakRef target and runs no finalizer under GC pressure, the same on every host', () => {
    for (const o of outputs) expect(o.weak.map((w) => w.payload)).toEqual(WEAK_EXPECTED);
  });
});

describe('determinism leaks, in this process', () => {
  it('keeps WeakRef counts the same from run to run with the same seed', async () => {
    const counts: unknown[] = [];
    for (let run = 0; run < 2; run++) {
      const sim = newSim({ seed: 16 });
      try {
        const fn = await deploy(sim, WEAK_HANDLER, { MemorySize: 512 });
        const payloads: unknown[] = [];
        for (const event of WEAK_CALLS) payloads.push((await call(sim, fn, event)).payload);
        counts.push(payloads);
      } finally {
        await sim.close();
      }
    }
    expect(counts[0]).toEqual(WEAK_EXPECTED);
    expect(counts[1]).toEqual(counts[0]);
  });

  it('wraps Intl when handler code first reads it, and fixes the locale methods of the prototypes before that', async () => {
    const sim = newSim();
    try {
      const reader = await deploy(
        sim,
        `export const handler = async () => {
          const before = Object.getOwnPropertyDescriptor(globalThis, 'Intl');
          const early = [(1234.5).toLocaleString('xx'), new Date(0).toLocaleDateString(), ['b', 'a'].sort((x, y) => x.localeCompare(y)).join(''), 'i'.toLocaleUpperCase([])];
          const stillLazy = typeof Object.getOwnPropertyDescriptor(globalThis, 'Intl').get;
          const got = before.get.call(undefined);
          const after = Object.getOwnPropertyDescriptor(globalThis, 'Intl');
          return [typeof before.get, early, stillLazy, got === Intl, got.DateTimeFormat.prototype.constructor === Intl.DateTimeFormat,
            [after.value === got, after.writable, after.enumerable, after.configurable], new got.DateTimeFormat().resolvedOptions().timeZone];
        };`,
      );
      expect((await call(sim, reader)).payload).toEqual(['function', ['1,234.5', '1/1/1970', 'ab', 'I'], 'function', true, true, [true, true, false, true], 'UTC']);
      const writer = await deploy(sim, `Intl = 5; export const handler = async () => [Intl, (12345).toLocaleString()];`);
      expect((await call(sim, writer)).payload).toEqual([5, '12,345']);
    } finally {
      await sim.close();
    }
  });

  it('formats the simulated time after a ten-minute sleep, as sim.now() says', async () => {
    const sim = newSim();
    try {
      const fn = await deploy(
        sim,
        `export const handler = async () => { await new Promise((r) => setTimeout(r, 601_234)); const f = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'medium' });
          return [f.format(), f.formatToParts().map((x) => x.value).join(''), new Date().toLocaleTimeString(), Date.now()]; };`,
        { Timeout: 900 },
      );
      const r = await call(sim, fn);
      const at = EPOCH + 601_234;
      expect(sim.now()).toBe(at);
      const f = en({ dateStyle: 'medium', timeStyle: 'medium' });
      const parts = f.formatToParts(at).map((x) => x.value).join(''); // V8's format() turns U+202F into a space; formatToParts keeps it
      expect(r.payload).toEqual([f.format(at), parts, new Date(at).toLocaleTimeString('en-US', { timeZone: 'UTC' }), at]);
    } finally {
      await sim.close();
    }
  });
});
