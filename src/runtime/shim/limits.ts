/**
 * Bounds both sides of the sandbox boundary use: the shim sends no more than these, and the host
 * refuses more (handler code cannot change what the shim does, but the host does not rely on it).
 * A leaf file: the shim's bundle and the host import it alike.
 */

/** Bytes one hash call carries to the host; the shim sends larger inputs in chunks. */
export const MAX_HASH_CHUNK = 8 * 1048576;

/** Frames of one stack the host source-maps (V8's default stackTraceLimit is 10). */
export const MAX_MAPPED_FRAMES = 1024;

/**
 * Digits a BigInt may have to cross the boundary. Parsing a decimal string into a BigInt is
 * quadratic: 16 million digits took the host 6–8 s (in the host's callback, past the invocation's
 * CPU budget). 4300 is CPython's limit for the same reason; a DynamoDB number has 38 digits.
 */
export const MAX_BIGINT_DIGITS = 4300;

/**
 * Bytes of one request or response body on the sandbox's network (both sides check): bodies cross
 * the boundary whole, as base64, so this bounds what one request makes the host hold.
 */
export const MAX_NETWORK_BODY_BYTES = 32 * 1048576;

/** Bytes of input one zlib call carries to the host (a stream's whole input: it runs at the stream's end). */
export const MAX_ZLIB_INPUT = 32 * 1048576;

/**
 * Bytes the runtime-provided AWS SDK reads from a streamed input (a Readable, ReadableStream or
 * Blob `Body` of PutObject, UploadPart, lib-storage's Upload…) before sending it: inputs cross to
 * the host whole, as base64 in one host call, which carries at most 64 Mi characters.
 */
export const MAX_SDK_STREAM_BYTES = 32 * 1048576;
