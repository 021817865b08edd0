/**
 * The shape of a Node built-in module as the host has it: its export names and what each is, so
 * the sandbox can offer every built-in with the host's export names, whether it simulates it or
 * not (see unsupported.ts). The host computes shapes (runtime/builtin-shapes.ts) and the bundle
 * carries the shape of each built-in it imports. A leaf file: both sides import it.
 */
export type ExportShape =
  /** A function; `p`: method names of its prototype chain when it is a class; `e`: its instances are EventEmitters. */
  | { k: 'f'; p?: string[]; e?: 1 }
  /** Plain data, copied (constants, tables such as http.STATUS_CODES). */
  | { k: 'v'; v: unknown }
  /** An object with functions in it (crypto.webcrypto, fs.promises…): its members' shapes. */
  | { k: 'o'; m: Record<string, ExportShape> }
  /** Something that cannot be described (a symbol, a bigint): present as undefined. */
  | { k: 'u' };

/** Export name → shape; the key '' describes the module itself when it is a function. */
export type ModuleShape = Record<string, ExportShape>;
