/**
 * Intl (and every locale-sensitive built-in method) on a fixed locale, in UTC, on simulated time.
 *
 * V8 takes three things from the host process that a replayed run must not see: the default locale
 * (ICU reads LC_ALL, LC_MESSAGES, LANG), the default time zone (TZ), and the wall clock
 * (`format()` with no date means "now", read from the real clock, not from `Date.now`). So:
 * - No locale given (undefined, `[]`), or only locales this build does not have (`'xx'`, which
 *   would fall back to the host's default): `en-US`, the locale Lambda's Node.js runtime runs with.
 *   A requested locale that exists resolves as before. Every constructor (called, `new`-ed,
 *   subclassed or reached as `Intl.X.prototype.constructor`) and every `toLocale*` method,
 *   `localeCompare` and `toLocale{Upper,Lower}Case` go through this.
 * - No time zone given (absent, or `timeZone: undefined`): `UTC`, read once from the options
 *   (so a getter cannot say one thing to the check and another to the constructor).
 * - `format()` and `formatToParts()` with no date: the simulated now, `host.now()`.
 *
 * Cost: the built-in prototypes' methods (Number, BigInt, String, Date) are replaced when the shim
 * starts; the `Intl` namespace is wrapped the first time handler code reads the global `Intl`
 * (writing to Intl's prototypes costs about 0.1 ms in a fresh context, a cold start that never
 * uses Intl should not pay it). The real constructors are reachable only through that global.
 *
 * Gotchas: every intrinsic used here is captured when the shim starts, so handler code that
 * replaces globals or prototype methods later cannot make the fix miss. `en-US` given explicitly is
 * what a default resolves to, so `new Intl.PluralRules().resolvedOptions().locale` is `'en'` (V8
 * resolves PluralRules' `en-US` so), where Lambda's own default gives `'en-US'`; the rules are the same.
 */
import { host } from './host.js';

/** The locale every default resolves to: Lambda's Node.js runtime sets LANG=en_US.UTF-8. */
export const DEFAULT_LOCALE = 'en-US';

type Fn = (...args: unknown[]) => unknown;
type Ctor = (new (...args: unknown[]) => object) & { readonly prototype: object; readonly name: string; readonly length: number };

const apply = Reflect.apply;
const construct = Reflect.construct;
const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const create = Object.create;
const toObject = Object;
const RealWeakMap = WeakMap;
const weakGet = WeakMap.prototype.get as Fn;
const weakSet = WeakMap.prototype.set as Fn;

/** At most this many locale strings are remembered per service (a handler may make up thousands). */
const CACHE_LIMIT = 64;
const SERVICES = ['Collator', 'DateTimeFormat', 'NumberFormat', 'PluralRules', 'RelativeTimeFormat', 'ListFormat', 'DisplayNames', 'Segmenter', 'DurationFormat'];
/** Constructors that may be called without `new` (the others throw their own TypeError). */
const CALLABLE = ['Collator', 'DateTimeFormat', 'NumberFormat'];

interface Service {
  readonly name: string;
  readonly Real: Ctor;
  readonly supportedLocalesOf: Fn;
  /** Locale strings already checked: the string itself (the build has it) or `[it, DEFAULT_LOCALE]`. */
  cache: Record<string, unknown>;
  size: number;
}

const hiddenValue = (target: object, key: PropertyKey, value: unknown): void => {
  defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true });
};

export function installIntl(g: Record<string, unknown>): void {
  const Intl = g['Intl'] as Record<string, unknown> | undefined;
  if (Intl === undefined || Intl === null) return;
  const getCanonicalLocales = Intl['getCanonicalLocales'] as Fn;

  const services: Service[] = [];
  const byName: Record<string, Service> = create(null) as Record<string, Service>;
  for (const name of SERVICES) {
    const Real = Intl[name] as Ctor | undefined;
    if (typeof Real !== 'function') continue;
    const supportedLocalesOf = (Real as unknown as Record<string, Fn>)['supportedLocalesOf']!;
    const s: Service = { name, Real, supportedLocalesOf, cache: create(null) as Record<string, unknown>, size: 0 };
    services[services.length] = s;
    byName[name] = s;
  }

  /**
   * The locales argument to hand the real constructor so that nothing falls back to the host's
   * default: `DEFAULT_LOCALE` for undefined, the canonical list with `DEFAULT_LOCALE` appended
   * otherwise (V8's lookup matcher takes the first requested locale it has, so the appended one
   * only decides when none of the others would). A string the build has passes unchanged, which
   * keeps V8's own formatter caches working for `toLocaleString(locale)`. Invalid tags throw the
   * real RangeError from the real canonicalization.
   */
  const localesFor = (s: Service, locales: unknown): unknown => {
    if (locales === undefined) return DEFAULT_LOCALE;
    if (typeof locales === 'string') {
      const known = s.cache[locales];
      if (known !== undefined) return known;
      const supported = apply(s.supportedLocalesOf, s.Real, [locales]) as unknown[];
      const fixed = supported.length > 0 ? locales : [locales, DEFAULT_LOCALE];
      if (s.size >= CACHE_LIMIT) {
        s.cache = create(null) as Record<string, unknown>;
        s.size = 0;
      }
      s.cache[locales] = fixed;
      s.size++;
      return fixed;
    }
    const list = apply(getCanonicalLocales, Intl, [locales]) as unknown[];
    defineProperty(list, list.length, { value: DEFAULT_LOCALE, writable: true, enumerable: true, configurable: true });
    return list;
  };

  /**
   * Options whose time zone is UTC unless one is given: an object inheriting from the caller's
   * options (so inherited and getter-defined options still count) with its own `timeZone`.
   * `null` stays `null` (the real constructor throws its TypeError); primitives are boxed, as the
   * real ToObject would. The caller's `timeZone` is read here, once, before the other options.
   */
  const utcOptions = (options: unknown): unknown => {
    if (options === null) return options;
    const base = options === undefined ? null : (toObject(options) as object);
    const timeZone = base === null ? undefined : (base as { timeZone?: unknown }).timeZone;
    return create(base, { timeZone: { value: timeZone === undefined ? 'UTC' : timeZone, writable: true, enumerable: true, configurable: true } });
  };

  const DTF = byName['DateTimeFormat'];
  const NF = byName['NumberFormat'];
  const Collator = byName['Collator'];
  const numberProto = (g['Number'] as { prototype: Record<string, unknown> }).prototype;
  const bigintProto = (g['BigInt'] as { prototype: Record<string, unknown> } | undefined)?.prototype;
  const stringProto = (g['String'] as { prototype: Record<string, unknown> }).prototype;
  const dateProto = (g['Date'] as { prototype: Record<string, unknown> }).prototype;

  // The replacements are method shorthands (not constructors, like the built-ins) whose optional
  // parameters have defaults, so their `length` is the built-in's; they are assigned, which keeps
  // the properties' attributes.
  if (NF !== undefined) {
    const realNumber = numberProto['toLocaleString'] as Fn;
    numberProto['toLocaleString'] = {
      toLocaleString(this: unknown, locales: unknown = undefined, options: unknown = undefined): unknown {
        return apply(realNumber, this, [localesFor(NF, locales), options]);
      },
    }.toLocaleString;
    const realBigInt = bigintProto?.['toLocaleString'] as Fn | undefined;
    if (bigintProto !== undefined && realBigInt !== undefined) {
      bigintProto['toLocaleString'] = {
        toLocaleString(this: unknown, locales: unknown = undefined, options: unknown = undefined): unknown {
          return apply(realBigInt, this, [localesFor(NF, locales), options]);
        },
      }.toLocaleString;
    }
  }
  if (Collator !== undefined) {
    const realCompare = stringProto['localeCompare'] as Fn;
    stringProto['localeCompare'] = {
      localeCompare(this: unknown, that: unknown, locales: unknown = undefined, options: unknown = undefined): unknown {
        return apply(realCompare, this, [that, localesFor(Collator, locales), options]);
      },
    }.localeCompare;
  }
  // Case mapping looks only at the first requested locale and does not fall back (an unknown one
  // means no language-specific rules): only "no locale at all" reads the host's default.
  const caseLocales = (locales: unknown): unknown => {
    if (locales === undefined) return DEFAULT_LOCALE;
    if (typeof locales === 'string') return locales;
    const list = apply(getCanonicalLocales, Intl, [locales]) as unknown[];
    return list.length === 0 ? DEFAULT_LOCALE : list;
  };
  const realUpper = stringProto['toLocaleUpperCase'] as Fn;
  const realLower = stringProto['toLocaleLowerCase'] as Fn;
  stringProto['toLocaleUpperCase'] = {
    toLocaleUpperCase(this: unknown, locales: unknown = undefined): unknown {
      return apply(realUpper, this, [caseLocales(locales)]);
    },
  }.toLocaleUpperCase;
  stringProto['toLocaleLowerCase'] = {
    toLocaleLowerCase(this: unknown, locales: unknown = undefined): unknown {
      return apply(realLower, this, [caseLocales(locales)]);
    },
  }.toLocaleLowerCase;
  if (DTF !== undefined) installDateToLocale(dateProto, DTF, localesFor, utcOptions);
  // Array.prototype.toLocaleString and %TypedArray%.prototype.toLocaleString call their elements'
  // toLocaleString (the ones above) with the same arguments: nothing to do for them.

  let wrapped = false;
  const wrap = (): void => {
    if (wrapped) return;
    wrapped = true;
    for (let i = 0; i < services.length; i++) wrapConstructor(Intl, services[i]!, localesFor, services[i]!.name === 'DateTimeFormat' ? utcOptions : undefined);
    if (DTF !== undefined) installDateTimeFormat(DTF);
  };
  const settle = (value: unknown): void => {
    defineProperty(g, 'Intl', { value, writable: true, enumerable: false, configurable: true });
  };
  defineProperty(g, 'Intl', {
    get(): unknown {
      wrap();
      settle(Intl);
      return Intl;
    },
    set(value: unknown): void {
      wrap();
      settle(value);
    },
    enumerable: false,
    configurable: true,
  });
}

type LocalesFor = (s: Service, locales: unknown) => unknown;
type Options = ((o: unknown) => unknown) | undefined;

/**
 * Replaces `Intl[name]` with a constructor that fixes its arguments and builds the real object:
 * same name, length, prototype (whose `constructor` now points at the wrapper) and
 * `supportedLocalesOf`; `new.target` is passed on, so subclasses work.
 */
function wrapConstructor(Intl: Record<string, unknown>, s: Service, localesFor: LocalesFor, fixOptions: Options): void {
  const { Real } = s;
  let callable = false;
  for (let i = 0; i < CALLABLE.length; i++) if (CALLABLE[i] === s.name) callable = true;
  const Wrapper = function (this: unknown, locales?: unknown, options?: unknown): object {
    // Without `new`, the ones that require it throw before looking at their arguments.
    if (new.target === undefined && !callable) return apply(Real, this, []) as object;
    const args = [localesFor(s, locales), fixOptions === undefined ? options : fixOptions(options)];
    // Called as a function, `this` matters: the legacy "chained" DateTimeFormat/NumberFormat.
    return new.target === undefined ? (apply(Real, this, args) as object) : construct(Real, args, new.target);
  };
  defineProperty(Wrapper, 'name', { value: Real.name });
  defineProperty(Wrapper, 'length', { value: Real.length });
  defineProperty(Wrapper, 'prototype', { value: Real.prototype, writable: false, enumerable: false, configurable: false });
  hiddenValue(Wrapper, 'supportedLocalesOf', s.supportedLocalesOf);
  hiddenValue(Real.prototype, 'constructor', Wrapper);
  hiddenValue(Intl, s.name, Wrapper);
}

/** `format` and `formatToParts` with no date format the simulated now. */
function installDateTimeFormat(DTF: Service): void {
  const proto = DTF.Real.prototype as Record<string, unknown>;
  const formatGetter = getOwnPropertyDescriptor(proto, 'format')?.get;
  if (formatGetter !== undefined) {
    // One function per formatter, as the spec's [[BoundFormat]]: keyed by the real bound format.
    const bound = new RealWeakMap<object, Fn>();
    const getter = getOwnPropertyDescriptor(
      {
        get format(): Fn {
          const real = apply(formatGetter, this, []) as Fn;
          let fn = apply(weakGet, bound, [real]) as Fn | undefined;
          if (fn === undefined) {
            const f = (date?: unknown): unknown => apply(real, undefined, [date === undefined ? host.now() : date]);
            defineProperty(f, 'name', { value: '' });
            fn = f;
            apply(weakSet, bound, [real, fn]);
          }
          return fn;
        },
      },
      'format',
    )!.get!;
    defineProperty(proto, 'format', { get: getter, enumerable: false, configurable: true });
  }
  const formatToParts = proto['formatToParts'];
  if (typeof formatToParts === 'function') {
    proto['formatToParts'] = {
      formatToParts(this: unknown, date?: unknown): unknown {
        return apply(formatToParts as Fn, this, [date === undefined ? host.now() : date]);
      },
    }.formatToParts;
  }
}

/**
 * `Date.prototype.toLocale{,Date,Time}String`: the fixed locale and UTC by default. The common call
 * (no options, a locale string or none) reuses one formatter per method and locale, made with the
 * component defaults the spec gives these methods (V8 caches its own formatter for that call, but
 * only when the options are undefined, which the time zone here never is; measured: 10,000 calls
 * took 650 ms without the cache, 35 ms with it).
 */
function installDateToLocale(proto: Record<string, unknown>, DTF: Service, localesFor: LocalesFor, utcOptions: (o: unknown) => unknown): void {
  const getTime = proto['getTime'] as Fn;
  const formatGetter = getOwnPropertyDescriptor(DTF.Real.prototype, 'format')?.get;
  const DATE = ['year', 'month', 'day'];
  const TIME = ['hour', 'minute', 'second'];
  const make = (name: string, keys: string[]): Fn => {
    const real = proto[name] as Fn;
    let cache = create(null) as Record<string, Fn>;
    let size = 0;
    /** The real bound format of the formatter for (this method, locale). */
    const formatterFor = (locales: string | undefined): Fn => {
      const key = locales === undefined ? '' : `=${locales}`;
      let f = cache[key];
      if (f === undefined) {
        // A null-prototype object, as the spec's ToDateTimeOptions makes (Object.prototype cannot add options).
        const options = create(null) as Record<string, unknown>;
        for (let i = 0; i < keys.length; i++) options[keys[i]!] = 'numeric';
        options['timeZone'] = 'UTC';
        f = apply(formatGetter!, construct(DTF.Real, [localesFor(DTF, locales), options]), []) as Fn;
        if (size >= CACHE_LIMIT) {
          cache = create(null) as Record<string, Fn>;
          size = 0;
        }
        cache[key] = f;
        size++;
      }
      return f;
    };
    // A computed method name: named like the built-in, not a constructor, `length` 0.
    return {
      [name](this: unknown, locales: unknown = undefined, options: unknown = undefined): unknown {
        if (formatGetter !== undefined && options === undefined && (locales === undefined || typeof locales === 'string')) {
          const t = apply(getTime, this, []) as number; // throws the real TypeError for a non-Date
          if (t !== t) return 'Invalid Date';
          return apply(formatterFor(locales), undefined, [t]);
        }
        return apply(real, this, [localesFor(DTF, locales), utcOptions(options)]);
      },
    }[name]!;
  };
  proto['toLocaleString'] = make('toLocaleString', [...DATE, ...TIME]);
  proto['toLocaleDateString'] = make('toLocaleDateString', DATE);
  proto['toLocaleTimeString'] = make('toLocaleTimeString', TIME);
}
