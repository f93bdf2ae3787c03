#!/usr/bin/env node
// Formats the Python in templates/ with ruff's formatter (the WebAssembly build), so generated
// projects pass `ruff format --check`. Handlebars expressions are swapped for placeholder names
// while formatting and put back after.
//
//   node scripts/format-templates.mjs [--check]
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { Workspace, PositionEncoding } = require('@astral-sh/ruff-wasm-nodejs');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'templates');
const workspace = new Workspace({ 'line-length': 100, 'target-version': 'py311' }, PositionEncoding.Utf16);
const check = process.argv.includes('--check');

function* pythonTemplates(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* pythonTemplates(file);
    else if (/\.py(\.hbs)?$/.test(entry.name)) yield file;
  }
}

let unformatted = 0;
for (const file of pythonTemplates(root)) {
  const source = fs.readFileSync(file, 'utf8');
  // A partial on its own line at the end (a slot a form may fill with more code) is set aside:
  // the formatter would pad it like a statement, but an empty partial must leave nothing behind.
  const [, text, slots = ''] = /^([\s\S]*?\n)((?:\{\{> [\w-]+\}\}\n?)*)$/.exec(source) ?? [, source];
  const expressions = [];
  // Six-character placeholders keep line lengths close to a short package name's.
  const masked = text.replace(/\{\{[^}]*\}\}/g, (expression) => {
    expressions.push(expression);
    return `hbs${String(expressions.length - 1).padStart(3, "0")}`;
  });
  const formatted = workspace.format(masked).replace(/hbs(\d{3})/g, (_, n) => expressions[Number(n)]) + slots;
  if (formatted === source) continue;
  unformatted++;
  console.log(`${check ? 'would format' : 'formatted'} ${path.relative(root, file)}`);
  if (!check) fs.writeFileSync(file, formatted);
}
process.exitCode = check && unformatted > 0 ? 1 : 0;
