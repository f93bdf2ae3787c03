#!/usr/bin/env node
// Holds a generated project's Python to ruff (lint and format) with ruff's WebAssembly build,
// using the project's own [tool.ruff] settings from pyproject.toml.
//
//   node scripts/ruff-check.mjs PROJECT_DIR     prints each problem; exits 1 if there are any
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'smol-toml';

const require = createRequire(import.meta.url);
const { Workspace, PositionEncoding } = require('@astral-sh/ruff-wasm-nodejs');

function pythonFiles(dir, rel = '') {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((entry) => {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : pythonFiles(dir, child);
    return entry.name.endsWith('.py') ? [child] : [];
  });
}

/** Problems in the project's Python files: "path:row:col CODE message", and files ruff would reformat. */
export function ruffProblems(projectDir) {
  const pyproject = parse(fs.readFileSync(path.join(projectDir, 'pyproject.toml'), 'utf8'));
  const { src: _src, ...ruff } = pyproject.tool?.ruff ?? {};
  const firstParty = fs.readdirSync(path.join(projectDir, 'src'));
  // The project's own isort settings (its known-local-folder, say) stay; first party is what src/ holds.
  const settings = { ...ruff, lint: { ...ruff.lint, isort: { ...ruff.lint?.isort, 'known-first-party': firstParty } } };
  const workspace = new Workspace(settings, PositionEncoding.Utf16);
  const problems = [];
  for (const file of pythonFiles(projectDir)) {
    const text = fs.readFileSync(path.join(projectDir, file), 'utf8');
    for (const d of workspace.check(text)) {
      problems.push(`${file}:${d.start_location.row}:${d.start_location.column} ${d.code ?? 'syntax'} ${d.message}`);
    }
    if (workspace.format(text) !== text) problems.push(`${file}: not formatted as ruff format would`);
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = ruffProblems(path.resolve(process.argv[2] ?? '.'));
  for (const problem of problems) console.log(problem);
  console.log(problems.length === 0 ? 'ruff: clean' : `ruff: ${problems.length} problem(s)`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
