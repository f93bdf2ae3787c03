import { execa } from 'execa';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { json, md, py, toml, yaml } from '../../src/render/helpers.js';
import { python, requirePython } from '../support/python.js';

// Text users could type, with the characters that break out of strings weighted in.
const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('"', "'", '\\', '\n', '\r', '\t', '{', '}', '$', '#', '`', '\u2028', '\u0085', '\u0000', '\u007f', 'é', '😀', ' ', 'a') }),
);

describe('escaping typed text for the file it lands in', () => {
  it('TOML basic strings round-trip', () => {
    fc.assert(fc.property(hostile, (text) => {
          expect(parseToml(`v = ${toml(text)}`).v).toBe(text);
        }), { numRuns: 500 });
  });

  it('YAML double-quoted scalars round-trip', () => {
    fc.assert(fc.property(hostile, (text) => {
          expect(parseYaml(`v: ${yaml(text)}`).v).toBe(text);
        }), { numRuns: 500 });
  });

  it('JSON strings round-trip', () => {
    fc.assert(fc.property(hostile, (text) => {
          expect(JSON.parse(json(text))).toBe(text);
        }), { numRuns: 200 });
  });

  it('Python string literals round-trip through the real interpreter', async () => {
    await requirePython();
    const samples = fc.sample(hostile, 300);
    const program = `import ast, json, sys\nprint(json.dumps([${samples.map(py).join(', ')}]))`;
    const result = await execa(python, ['-c', program]);
    // Lone surrogates cannot be written as UTF-8 source: compare what survives the encoding.
    const expected = samples.map((s) => Buffer.from(s, 'utf8').toString('utf8'));
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });

  it('Markdown text cannot open a construct or break a line', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const out = md(text);
        expect(out).not.toMatch(/[\n\r\u2028\u2029]/);
        expect(out).not.toMatch(/(^|[^\\])(\\\\)*[`*_[\]<>|]/);
      }),
      { numRuns: 500 },
    );
  });
});
