/**
 * `createRequestHandler(sim)`: a request handler for `new LambdaClient({ requestHandler })` that
 * answers the SDK's HTTP requests in-process, with no socket. The SDK's whole middleware stack runs
 * for real (serialisation, signing, its retry strategy, error parsing): only the transport is
 * replaced, by the same REST layer the HTTP server uses.
 */
import type { LambdaApi } from '../api/operations.js';
import { handleRestRequest, type RestOptions } from './rest.js';

/** The parts of `@smithy/protocol-http`'s HttpRequest the handler reads. */
export interface SdkHttpRequest {
  method: string;
  path: string;
  query?: Record<string, string | Array<string | null> | null | undefined>;
  headers: Record<string, string>;
  body?: unknown;
}

export interface SdkHttpResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Structurally a smithy `HttpHandler`: what `LambdaClient`'s `requestHandler` option takes. */
export interface InProcessRequestHandler {
  readonly metadata: { handlerProtocol: string };
  handle(request: SdkHttpRequest, options?: { abortSignal?: unknown }): Promise<{ response: SdkHttpResponse }>;
  updateHttpClientConfig(key: string, value: unknown): void;
  httpHandlerConfigs(): Record<string, unknown>;
  destroy(): void;
}

export function createRequestHandler(sim: LambdaApi, rest: RestOptions = {}): InProcessRequestHandler {
  if (sim === null || typeof sim !== 'object' || typeof (sim as { invoke?: unknown }).invoke !== 'function') {
    throw new TypeError(`createRequestHandler expects a LambdaSimulator, got ${sim === null ? 'null' : typeof sim}`);
  }
  return {
    metadata: { handlerProtocol: 'lambda-sim/in-process' },
    async handle(request, options) {
      const signal = options?.abortSignal as (AbortSignalLike & { aborted: boolean }) | undefined;
      if (signal?.aborted === true) throw abortError();
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(request.query ?? {})) {
        if (v === undefined || v === null) continue;
        for (const item of Array.isArray(v) ? v : [v]) if (item !== null) query.append(k, item);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
      const answer = handleRestRequest(sim, { method: request.method, path: request.path, query, headers, body: await bodyBytes(request.body) }, rest);
      // An abort mid-request rejects at once, as the SDK's HTTP handlers do; the invocation goes on.
      const response = signal === undefined ? await answer : await Promise.race([answer, aborted(signal)]);
      return { response: { statusCode: response.statusCode, headers: response.headers, body: response.body } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };
}

interface AbortSignalLike {
  aborted: boolean;
  addEventListener?: (type: 'abort', listener: () => void, options?: { once: boolean }) => void;
  onabort?: (() => void) | null;
}

function abortError(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}

function aborted(signal: AbortSignalLike): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(abortError());
    else if (typeof signal.addEventListener === 'function') signal.addEventListener('abort', () => reject(abortError()), { once: true });
    else signal.onabort = () => reject(abortError());
  });
}

async function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array));
    return new Uint8Array(Buffer.concat(chunks));
  }
  throw new TypeError(`lambda-sim request handler: unsupported request body of type ${typeof body}`);
}
