// The legacy `url` module's query parsing, for the 'legacy-url' chunk (shim-source.ts aliases the
// `qs` package the npm `url` port uses to this file): Node's url.parse uses querystring, whose
// semantics differ from qs (no nesting: 'a[b]=1' is the key 'a[b]'), so the sandbox's own
// querystring answers, through the chunk's require.
const querystring = require('querystring');
module.exports = {
  parse: (text) => querystring.parse(text),
  stringify: (value) => querystring.stringify(value),
};
