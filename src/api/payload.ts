/**
 * `Payload` of an InvokeCommandOutput: a Uint8Array with `transformToString()`, like the AWS SDK's
 * `Uint8ArrayBlobAdapter`, so code written against the SDK reads it unchanged.
 */
const encoder = new TextEncoder();

export class PayloadBlob extends Uint8Array {
  static fromString(text: string): PayloadBlob {
    // One copy: encode, then give the bytes this class's prototype.
    return Object.setPrototypeOf(encoder.encode(text), PayloadBlob.prototype) as PayloadBlob;
  }

  transformToString(encoding: BufferEncoding = 'utf-8'): string {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString(encoding);
  }

  /** Convenience: the payload parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.transformToString()) as T;
  }
}
