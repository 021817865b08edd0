/**
 * Splitting a `Handler` string the way Lambda's Node.js runtime interface client does:
 * `dir/sub/module.export.path` → module root `dir/sub`, module `module`, export path `export.path`.
 */
export type HandlerName =
  | { ok: true; moduleRoot: string; module: string; exportPath: string }
  | { ok: false; errorType: 'Runtime.MalformedHandlerName'; errorMessage: string };

export function parseHandlerName(handler: string): HandlerName {
  if (handler.includes('..')) {
    return {
      ok: false,
      errorType: 'Runtime.MalformedHandlerName',
      errorMessage: `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    };
  }
  const slash = handler.lastIndexOf('/');
  const moduleRoot = slash < 0 ? '' : handler.slice(0, slash);
  const rest = handler.slice(slash + 1);
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1) {
    return { ok: false, errorType: 'Runtime.MalformedHandlerName', errorMessage: 'Bad handler' };
  }
  return { ok: true, moduleRoot, module: rest.slice(0, dot), exportPath: rest.slice(dot + 1) };
}
