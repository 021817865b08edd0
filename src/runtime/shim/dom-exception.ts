/**
 * `DOMException` (a shim chunk, loaded when code first reaches the global): the error web APIs
 * throw (AbortError, TimeoutError, DataCloneError…), with the legacy numeric codes.
 */
const CODES: Record<string, number> = {
  IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5, NoModificationAllowedError: 7,
  NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
  InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
  QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
};

export class DOMException extends Error {
  readonly #name: string;
  constructor(message = '', options: string | { name?: string; cause?: unknown } = 'Error') {
    const o = typeof options === 'object' && options !== null ? options : { name: options };
    super(String(message), 'cause' in o ? { cause: o.cause } : undefined);
    this.#name = o.name === undefined ? 'Error' : String(o.name);
  }
  override get name(): string {
    return this.#name;
  }
  get code(): number {
    return CODES[this.#name] ?? 0;
  }
  get [Symbol.toStringTag](): string {
    return 'DOMException';
  }
}
/** The legacy constants, as the class and its instances carry them (Node's names). */
const CONSTANTS = [
  'INDEX_SIZE_ERR', 'DOMSTRING_SIZE_ERR', 'HIERARCHY_REQUEST_ERR', 'WRONG_DOCUMENT_ERR', 'INVALID_CHARACTER_ERR', 'NO_DATA_ALLOWED_ERR',
  'NO_MODIFICATION_ALLOWED_ERR', 'NOT_FOUND_ERR', 'NOT_SUPPORTED_ERR', 'INUSE_ATTRIBUTE_ERR', 'INVALID_STATE_ERR', 'SYNTAX_ERR',
  'INVALID_MODIFICATION_ERR', 'NAMESPACE_ERR', 'INVALID_ACCESS_ERR', 'VALIDATION_ERR', 'TYPE_MISMATCH_ERR', 'SECURITY_ERR',
  'NETWORK_ERR', 'ABORT_ERR', 'URL_MISMATCH_ERR', 'QUOTA_EXCEEDED_ERR', 'TIMEOUT_ERR', 'INVALID_NODE_TYPE_ERR', 'DATA_CLONE_ERR',
];
CONSTANTS.forEach((constant, i) => {
  Object.defineProperty(DOMException, constant, { value: i + 1, enumerable: true });
  Object.defineProperty(DOMException.prototype, constant, { value: i + 1, enumerable: true });
});
