// Syntax colouring for protobuf text format (prototxt). Only colours: validation is the server's real parser.
import { StreamLanguage, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';

const prototxtParser = {
  name: 'prototxt',
  startState: () => ({ afterColon: false }),
  token(stream, state) {
    if (stream.eatSpace()) return null;
    if (stream.match('#')) { stream.skipToEnd(); return 'comment'; }
    const ch = stream.peek();
    if (ch === '"' || ch === "'") {
      stream.next();
      let escaped = false, c;
      while ((c = stream.next()) != null) {
        if (c === ch && !escaped) break;
        escaped = !escaped && c === '\\';
      }
      state.afterColon = false;
      return 'string';
    }
    if (stream.match(/^-?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[fF]?|inf|nan)\b/)) {
      state.afterColon = false;
      return 'number';
    }
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      const word = stream.current();
      if (state.afterColon) {
        state.afterColon = false;
        return word === 'true' || word === 'false' ? 'bool' : 'atom';
      }
      return 'propertyName';
    }
    if (ch === ':') { stream.next(); state.afterColon = true; return 'punctuation'; }
    if ('{}<>[]'.includes(ch)) { stream.next(); state.afterColon = false; return 'bracket'; }
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: '#' } },
};

export const prototxt = StreamLanguage.define(prototxtParser);

export const prototxtHighlight = syntaxHighlighting(HighlightStyle.define([
  { tag: tags.comment, color: '#6a737d', fontStyle: 'italic' },
  { tag: tags.string, color: '#0a7d32' },
  { tag: tags.number, color: '#b45309' },
  { tag: tags.bool, color: '#7c3aed' },
  { tag: tags.atom, color: '#7c3aed' },
  { tag: tags.propertyName, color: '#1d4ed8' },
  { tag: tags.bracket, color: '#444' },
]));
