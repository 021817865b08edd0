/**
 * The shim's own modules that lazily loaded shim chunks share with it (one `host`, one chunk table,
 * one timer table): a chunk built from a shim source keeps its `./x.js` imports as `require` calls
 * (see runtime/shim-source.ts), answered here. A `./x.js` that is not listed is itself a chunk, and
 * loads on first use. Only chunks get this `require`; handler code never sees it.
 */
import * as codec from './codec.js';
import * as fs from './fs.js';
import * as host from './host.js';
import * as hostcall from './hostcall.js';
import * as lazyModule from './lazy.js';
import * as limits from './limits.js';
import * as text from './text.js';
import * as timers from './timers.js';
import * as url from './url.js';
import { lazy } from './lazy.js';
import { SHARED_SHIM_MODULES } from './chunk-names.js';

const table: Record<string, unknown> = { codec, fs, host, hostcall, lazy: lazyModule, limits, text, timers, url };

/** `require('./x.js')` inside a shim chunk. */
export function internalModule(id: string): unknown {
  const name = id.replace(/^\.\//, '').replace(/\.js$/, '');
  if (SHARED_SHIM_MODULES.includes(name as (typeof SHARED_SHIM_MODULES)[number])) return table[name];
  return lazy(name);
}
