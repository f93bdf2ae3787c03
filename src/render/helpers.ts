/**
 * Helpers that put typed text safely into the file it lands in. Templates never print a typed
 * value raw: `name = {{toml name}}`, `title: {{yaml name}}`, `TITLE = {{py name}}`, `# {{md name}}`.
 * Each returns a complete literal (quotes included) or, for Markdown, inline text that cannot
 * open a construct.
 */

const hex = (code: number, width: number) => code.toString(16).toUpperCase().padStart(width, '0');

/** Escapes each character `escape` returns a replacement for; leaves the rest. */
function escapeEach(text: string, escape: (char: string, code: number) => string | undefined): string {
  let out = '';
  for (const char of text) {
    out += escape(char, char.codePointAt(0) ?? 0) ?? char;
  }
  return out;
}

const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f);
const isLineSeparator = (code: number) => code === 0x2028 || code === 0x2029;
const shortEscapes: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

/** A TOML basic string. */
export function toml(value: unknown): string {
  const body = escapeEach(String(value), (char, code) => {
    if (char === '\\' || char === '"') return `\\${char}`;
    if (shortEscapes[char]) return shortEscapes[char];
    if (isControl(code) || isLineSeparator(code)) return `\\u${hex(code, 4)}`;
    return undefined;
  });
  return `"${body}"`;
}

/** A YAML double-quoted scalar. */
export function yaml(value: unknown): string {
  const body = escapeEach(String(value), (char, code) => {
    if (char === '\\' || char === '"') return `\\${char}`;
    if (shortEscapes[char]) return shortEscapes[char];
    if (isControl(code) || isLineSeparator(code) || code === 0xfeff) return `\\u${hex(code, 4)}`;
    return undefined;
  });
  return `"${body}"`;
}

/** A Python string literal. */
export function py(value: unknown): string {
  const body = escapeEach(String(value), (char, code) => {
    if (char === '\\' || char === '"') return `\\${char}`;
    if (shortEscapes[char] && char !== '\b' && char !== '\f') return shortEscapes[char];
    if (isControl(code) || isLineSeparator(code)) return `\\u${hex(code, 4)}`;
    return undefined;
  });
  return `"${body}"`;
}

/** A JSON string. */
export function json(value: unknown): string {
  return JSON.stringify(String(value));
}

/** Inline Markdown text: punctuation that could open a construct is backslash-escaped; no line breaks. */
export function md(value: unknown): string {
  return escapeEach(String(value), (char, code) => {
    if ('\\`*_[]<>|&~#!{}'.includes(char)) return `\\${char}`;
    if (isControl(code) || isLineSeparator(code)) return ' ';
    return undefined;
  });
}

/** Plain text substitution, for data with a placeholder: `{{replace url "HOST" "localhost"}}`. */
export function replace(text: unknown, search: unknown, replacement: unknown): string {
  return String(text).split(String(search)).join(String(replacement));
}

export const helpers = { toml, yaml, py, json, md, replace };
