/**
 * The Lambda REST API (restJson1, as `@aws-sdk/client-lambda`, the AWS CLI and boto3 speak it),
 * independent of any transport: one request in (method, path, query, headers, body bytes), one
 * response out (status, headers, body bytes). The in-process SDK request handler and the HTTP server
 * both call {@link handleRestRequest}, so they answer alike by construction.
 *
 * Errors travel as Lambda sends them: the HTTP status, `x-amzn-errortype: <Name>`, and a JSON body
 * `{ "Type": "User", "message": "…" }` (with `Reason` for throttles), which the SDK turns into its own
 * exception classes where it models them.
 */
import { InvalidParameterValueException, InvalidRequestContentException, LambdaSimError, UnknownOperationException, NotImplementedException, RequestEntityTooLargeException, ServiceException } from '../errors.js';
import type { Caller } from '../control/permissions.js';
import { inProcessCodeSource } from '../control/validate.js';
import { methodOf, OPERATIONS, UNIMPLEMENTED_OPERATIONS, type LambdaApi, type OperationBinding, type OperationName } from '../api/operations.js';

export interface RestOptions {
  /**
   * Who a request comes from, for `permissions: 'enforce'`: given the access key id the client
   * signed with (SigV4 `Credential=`), a principal ARN or a Caller. Default: the account itself.
   */
  caller?: (accessKeyId: string | undefined) => Caller | string | undefined;
}

export interface RestRequest {
  method: string;
  /** The path, percent-encoded as sent (without the query string). */
  path: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  body: Uint8Array;
}

export interface RestResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Largest request body of an Invoke: the 6 MB payload limit plus headroom. */
export const MAX_REQUEST_BYTES = 6_291_456 + 64 * 1024;
/** Code uploads (CreateFunction, UpdateFunctionCode): a 50 MB zip, base64 in JSON. */
const MAX_CODE_UPLOAD_BYTES = Math.ceil((52_428_800 * 4) / 3) + 64 * 1024;
/** Every other control-plane call. */
const MAX_CONTROL_BYTES = 1024 * 1024;

/** The largest body this request may carry, decided from its route before the body is read. */
export function maxBodyBytes(method: string, path: string): number {
  const op = operationName(method, path);
  if (op === 'Invoke') return MAX_REQUEST_BYTES;
  if (op === 'CreateFunction' || op === 'UpdateFunctionCode') return MAX_CODE_UPLOAD_BYTES;
  return MAX_CONTROL_BYTES;
}

/** The Lambda operation a method and path name ('Lambda' when none). */
export function operationName(method: string, path: string, query?: URLSearchParams): string {
  return find(method, path, query ?? new URLSearchParams())?.operation ?? 'Lambda';
}

type Params = Record<string, string>;

interface Route {
  method: string;
  pattern: RegExp;
  /** A query member that selects this route (`List=ALL`): such routes are matched first. */
  marker: [string, string] | undefined;
  names: string[];
  operation: string;
  /** The binding, for implemented operations; undefined: known to the API, not implemented by lambda-sim. */
  binding: OperationBinding | undefined;
}

const routes: Route[] = [];

function route(method: string, template: string, operation: string, binding: OperationBinding | undefined): void {
  const names: string[] = [];
  const [path, query] = template.split('?') as [string, string | undefined];
  const pattern = new RegExp(`^${path.replace(/\{(\w+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'))}$`);
  const marker = query === undefined ? undefined : (query.split('=') as [string, string]);
  const r: Route = { method, pattern, marker, names, operation, binding };
  // Routes selected by a query member go first: `…/provisioned-concurrency?List=ALL` is another operation.
  if (marker !== undefined) routes.unshift(r);
  else routes.push(r);
}

for (const [operation, binding] of Object.entries(OPERATIONS) as [OperationName, OperationBinding][]) route(binding.method, binding.path, operation, binding);
for (const [method, template, operation] of UNIMPLEMENTED_OPERATIONS) route(method, template, operation, undefined);

/** An operation's input from its binding: the body's members, then the path's, then the query's. */
function inputOf(binding: OperationBinding, params: Params, req: RestRequest): Record<string, unknown> {
  const body = binding.body === undefined ? {} : binding.body === 'code' ? decodeZip(jsonBody(req.body)) : jsonBody(req.body);
  const query: Record<string, unknown> = {};
  for (const member of binding.query ?? []) {
    const [name, type] = member.split(':') as [string, string | undefined];
    if (req.query.has(name)) query[name] = type === 'int' ? Number(req.query.get(name)) : req.query.get(name)!;
  }
  return { ...body, ...params, ...query };
}

const opt = (q: URLSearchParams, name: string): Record<string, string> => (q.has(name) ? { [name]: q.get(name)! } : {});

/**
 * `Code.ZipFile` and `ZipFile` travel as base64 in JSON bodies. lambda-sim's in-process code
 * sources (`Path`, `Source`) are refused on the wire: a client must not load files from the
 * server's host. S3 and image code are not simulated.
 */
function decodeZip(body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  const code = (out['Code'] ?? {}) as Record<string, unknown>;
  for (const [where, members] of [['', out], ['Code.', code]] as const) {
    const refused = inProcessCodeSource(members, where, 'over the API');
    if (refused !== undefined) throw refused;
    for (const key of ['S3Bucket', 'S3Key', 'S3ObjectVersion', 'ImageUri']) {
      if (members[key] !== undefined) throw new InvalidParameterValueException(`${where}${key}: lambda-sim takes code as ${where}ZipFile only (S3 and container images are not simulated)`);
    }
  }
  const decode = (v: unknown, field: string): Uint8Array => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new InvalidRequestContentException(`${field} must be base64-encoded bytes`);
    return new Uint8Array(Buffer.from(v, 'base64'));
  };
  if (out['ZipFile'] !== undefined) out['ZipFile'] = decode(out['ZipFile'], 'ZipFile');
  if (code['ZipFile'] !== undefined) out['Code'] = { ...code, ZipFile: decode(code['ZipFile'], 'Code.ZipFile') };
  return out;
}

/** Answers one REST request against the simulator. Never throws: every failure is an error response. */
export async function handleRestRequest(sim: LambdaApi, req: RestRequest, options: RestOptions = {}): Promise<RestResponse> {
  try {
    const limit = maxBodyBytes(req.method, req.path);
    if (req.body.byteLength > limit) {
      throw new RequestEntityTooLargeException(`Request must be smaller than ${limit} bytes for the ${operationName(req.method, req.path, req.query)} operation`);
    }
    const found = match(req);
    if (found === undefined) {
      return errorResponse(new UnknownOperationException(`No Lambda operation matches ${req.method} ${req.path}`), 404, requestIdFor(sim));
    }
    const { route: r, params } = found;
    if (r.binding === undefined) {
      throw new NotImplementedException(`lambda-sim does not implement the Lambda operation ${r.operation} yet`);
    }
    const operation = r.operation as OperationName;
    if (operation === 'Invoke') return await invoke(sim, params, req, options);
    const call = sim[methodOf(operation)] as (input: unknown) => Promise<Record<string, unknown> | undefined>;
    const output = (await call.call(sim, inputOf(r.binding, params, req))) ?? {};
    const { $metadata, ...rest } = output as { $metadata?: { httpStatusCode?: number; requestId?: string } };
    const status = $metadata?.httpStatusCode ?? 200;
    const body = status === 204 ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(rest, wireValue));
    return { statusCode: status, headers: { 'content-type': 'application/json', 'x-amzn-requestid': $metadata?.requestId ?? requestIdFor(sim) }, body };
  } catch (error) {
    return errorResponse(error, undefined, requestIdFor(sim));
  }
}

/** Invoke: headers in, the raw payload as the body, and the function's answer in headers out. */
async function invoke(sim: LambdaApi, params: Params, req: RestRequest, options: RestOptions): Promise<RestResponse> {
  const h = req.headers;
  const accessKeyId = /Credential=([^/,\s]+)\//.exec(h['authorization'] ?? '')?.[1];
  const caller = options.caller?.(accessKeyId);
  const input = {
    FunctionName: params['FunctionName']!,
    ...opt(req.query, 'Qualifier'),
    ...(h['x-amz-invocation-type'] === undefined ? {} : { InvocationType: h['x-amz-invocation-type'] as never }),
    ...(h['x-amz-log-type'] === undefined ? {} : { LogType: h['x-amz-log-type'] as never }),
    ...(h['x-amz-client-context'] === undefined ? {} : { ClientContext: h['x-amz-client-context'] }),
    Payload: req.body,
  };
  const out = await sim.invoke(input, caller === undefined ? {} : { caller });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': out.$metadata.requestId ?? requestIdFor(sim) };
  if (out.FunctionError !== undefined) headers['x-amz-function-error'] = out.FunctionError;
  if (out.LogResult !== undefined) headers['x-amz-log-result'] = out.LogResult;
  if (out.ExecutedVersion !== undefined) headers['x-amz-executed-version'] = out.ExecutedVersion;
  return { statusCode: out.StatusCode ?? 200, headers, body: out.Payload === undefined ? new Uint8Array() : new Uint8Array(out.Payload) };
}

function find(method: string, path: string, query: URLSearchParams): Route | undefined {
  const m = method.toUpperCase();
  return routes.find((r) => r.method === m && r.pattern.test(path) && (r.marker === undefined || query.get(r.marker[0]) === r.marker[1]));
}

function match(req: RestRequest): { route: Route; params: Params } | undefined {
  const r = find(req.method, req.path, req.query);
  if (r !== undefined) {
    const m = r.pattern.exec(req.path)!;
    const params: Params = {};
    try {
      r.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
    } catch {
      throw new InvalidRequestContentException(`The path ${req.path} is not valid percent-encoding`);
    }
    return { route: r, params };
  }
  return undefined;
}

function jsonBody(body: Uint8Array): Record<string, unknown> {
  if (body.byteLength === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    throw new InvalidRequestContentException(`Could not parse request body into json: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestContentException('Could not parse request body into json: expected a JSON object');
  }
  return value as Record<string, unknown>;
}

/** restJson1 timestamps are epoch seconds; bytes are base64. (Dates reach a replacer already turned to strings by their toJSON: read the holder.) */
function wireValue(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Date) return original.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}


/** An error as the service sends it: status, `x-amzn-errortype`, `{ Type, message }` (and `Reason`, `retry-after` for throttles). */
export function errorResponse(error: unknown, status: number | undefined, requestId: string): RestResponse {
  const e = error instanceof LambdaSimError ? error : new ServiceException(`lambda-sim internal error: ${error instanceof Error ? error.message : String(error)}`);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-errortype': e.name, 'x-amzn-requestid': e.$metadata.requestId ?? requestId };
  const retryAfter = (e as { retryAfterSeconds?: string }).retryAfterSeconds;
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  const body = e.toJSON();
  // The service sends `message` in lower case for most errors; the SDK reads either.
  if ('Message' in body && !('message' in body)) {
    body['message'] = body['Message'];
    delete body['Message'];
  }
  return { statusCode: status ?? e.$metadata.httpStatusCode ?? 500, headers, body: new TextEncoder().encode(JSON.stringify(body)) };
}

const counters = new WeakMap<LambdaApi, number>();
/** A request id for answers that carry none of their own (numbered per simulator, so runs replay). */
export function requestIdFor(sim: LambdaApi): string {
  const n = (counters.get(sim) ?? 0) + 1;
  counters.set(sim, n);
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}
