/**
 * The `url` module: WHATWG `URL` (the shim's, parsed by the host's implementation) and its helpers,
 * and Node's legacy API (`parse`, `format`, `resolve`, `resolveObject`, `Url`), which many
 * libraries still use (pg parses its connection string with it). The legacy parser is the npm
 * `url` package (a maintained port of Node's own), loaded lazily as a chunk, with Node's
 * querystring for `parse(…, true)`.
 */
import { lazy } from './lazy.js';
import { URL, URLSearchParams } from './url.js';

interface Legacy {
  parse(url: string, parseQueryString?: boolean, slashesDenoteHost?: boolean): unknown;
  format(url: unknown): string;
  resolve(from: string, to: string): string;
  resolveObject(from: unknown, to: string): unknown;
  Url: new () => unknown;
}
const legacy = (): Legacy => lazy<Legacy>('legacy-url');

function invalidArg(name: string, expected: string, got: unknown): TypeError {
  return Object.assign(new TypeError(`The "${name}" argument must be ${expected}. Received ${got === null ? 'null' : typeof got}`), { code: 'ERR_INVALID_ARG_TYPE' });
}

/** url.format of a WHATWG URL, with Node's options (auth, fragment, search: default true; unicode: false). */
function formatWhatwg(url: URL, options: { auth?: boolean; fragment?: boolean; search?: boolean; unicode?: boolean } = {}): string {
  const { auth = true, fragment = true, search = true } = options;
  let out = `${url.protocol}${url.host !== '' || url.protocol === 'file:' ? '//' : ''}`;
  if (auth && (url.username !== '' || url.password !== '')) out += `${url.username}${url.password !== '' ? `:${url.password}` : ''}@`;
  out += url.host + url.pathname;
  if (search) out += url.search;
  if (fragment) out += url.hash;
  return out;
}

export function urlModule(): Record<string, unknown> {
  const fileURLToPath = (u: unknown): string => {
    const url = typeof u === 'string' ? new URL(u) : (u as URL);
    if (!(url instanceof URL) && typeof u !== 'string') throw invalidArg('path', 'of type string or an instance of URL', u);
    if (url.protocol !== 'file:') throw Object.assign(new TypeError('The URL must be of scheme file'), { code: 'ERR_INVALID_URL_SCHEME' });
    if (url.hostname !== '') throw Object.assign(new TypeError(`File URL host must be "localhost" or empty on linux`), { code: 'ERR_INVALID_FILE_URL_HOST' });
    if (/%2f/i.test(url.pathname)) throw Object.assign(new TypeError('File URL path must not include encoded / characters'), { code: 'ERR_INVALID_FILE_URL_PATH' });
    return decodeURIComponent(url.pathname);
  };
  const pathToFileURL = (p: string): URL => {
    const absolute = String(p).startsWith('/') ? String(p) : `/var/task/${String(p)}`;
    const encoded = absolute.replace(/%/g, '%25').replace(/\\/g, '%5C').replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/\t/g, '%09').replace(/#/g, '%23').replace(/\?/g, '%3F');
    return new URL(`file://${encoded}`);
  };
  const domain = (d: unknown, unicode: boolean): string => {
    try {
      const host = new URL(`ws://${String(d)}`).hostname;
      return unicode ? (lazy<{ toUnicode(s: string): string }>('punycode')).toUnicode(host) : host;
    } catch {
      return '';
    }
  };
  return {
    URL,
    URLSearchParams,
    fileURLToPath,
    pathToFileURL,
    domainToASCII: (d: unknown): string => domain(d, false),
    domainToUnicode: (d: unknown): string => domain(d, true),
    urlToHttpOptions: (url: URL): Record<string, unknown> => {
      const out: Record<string, unknown> = {
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        hash: url.hash,
        search: url.search,
        pathname: url.pathname,
        path: `${url.pathname}${url.search}`,
        href: url.href,
      };
      if (url.port !== '') out['port'] = Number(url.port);
      if (url.username !== '' || url.password !== '') out['auth'] = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      return out;
    },
    parse: (url: unknown, parseQueryString?: boolean, slashesDenoteHost?: boolean): unknown => {
      if (typeof url !== 'string') throw invalidArg('url', 'of type string', url);
      const parsed = legacy().parse(url, parseQueryString === true, slashesDenoteHost === true) as { search: string | null };
      // Node leaves `search` null when there is no query at all; the port says ''.
      if (parseQueryString === true && parsed.search === '') parsed.search = null;
      return parsed;
    },
    format: (url: unknown, options?: object): string => {
      if (url instanceof URL) return formatWhatwg(url, options);
      if (typeof url === 'string') return legacy().format(legacy().parse(url));
      if (url === null || typeof url !== 'object') throw invalidArg('urlObject', 'one of type object or string', url);
      return legacy().format(url);
    },
    resolve: (from: string, to: string): string => legacy().resolve(from, to),
    resolveObject: (from: unknown, to: string): unknown => legacy().resolveObject(from, to),
    get Url(): unknown {
      return legacy().Url;
    },
  };
}
