/**
 * `Payload` of an InvokeCommandOutput: a Uint8Array with `transformToString()`, like the AWS SDK's
 * `Uint8ArrayBlobAdapter`, so code written against the SDK reads it unchanged.
 */
export class PayloadBlob extends Uint8Array {
  static fromString(text: string): PayloadBlob {
    const bytes = Buffer.from(text, 'utf8');
    const blob = new PayloadBlob(bytes.length);
    blob.set(bytes);
    return blob;
  }

  transformToString(encoding: BufferEncoding = 'utf-8'): string {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString(encoding);
  }

  /** Convenience: the payload parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.transformToString()) as T;
  }
}
