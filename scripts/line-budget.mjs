#!/usr/bin/env node
// Prints how many lines of Python a generated project of each delivery form has, under src/ and
// under tests/ (every line of every .py file, blank lines included), beside its budget: a team
// owns every file, so the skeleton has to stay small enough to read in an afternoon. The budgets
// are not all met yet: until they are, it exits 1 when a form grows past its ceiling (its size
// when the ceiling was last lowered), so that nothing grows while the cuts go on; lower a ceiling
// whenever a form shrinks, and drop it once the budget holds. Generates with the built CLI (npm
// run build first), offline, into a temp folder.
//
//   node scripts/line-budget.mjs
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const budgets = { src: { api: 700, csv: 600, table: 600 }, tests: { api: 450, csv: 450, table: 450 } };
const ceilings = { src: { api: 988, csv: 823, table: 887 }, tests: { api: 488, csv: 413, table: 500 } };

/** Lines of every .py file under `dir`, as `wc -l` counts them (a last line without a newline counts too). */
function pythonLines(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.py')) continue;
    const text = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
    total += text.split('\n').length - (text.endsWith('\n') || text === '' ? 1 : 0);
  }
  return total;
}

const forms = Object.keys(JSON.parse(fs.readFileSync(path.join(root, 'templates', 'registry.json'), 'utf8')).delivery);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steel-thread-lines-'));
const over = [];
try {
  console.log(`${'form'.padEnd(8)}${'src/'.padStart(12)}     ${'tests/'.padStart(12)}`);
  for (const form of forms) {
    if (budgets.src[form] === undefined) throw new Error(`scripts/line-budget.mjs has no budget for the ${form} form`);
    // A project's name becomes its package, so never a form's bare name: "csv" would shadow a module.
    const project = `budget-${form}`;
    execFileSync(process.execPath, [path.join(root, 'bin', 'steel-thread.js'), 'new', project, '--delivery', form, '--yes', '--no-git'], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    const counts = { src: pythonLines(path.join(work, project, 'src')), tests: pythonLines(path.join(work, project, 'tests')) };
    const cell = (count, budget) => `${count}/${budget}`.padStart(12) + (count > budget ? ' OVER' : '     ');
    console.log(`${form.padEnd(8)}${cell(counts.src, budgets.src[form])}${cell(counts.tests, budgets.tests[form])}`);
    for (const part of ['src', 'tests']) {
      const limit = Math.max(ceilings[part][form] ?? 0, budgets[part][form]);
      if (counts[part] > limit) over.push(`${form} ${part}/ has ${counts[part]} lines, over ${limit}`);
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
if (over.length > 0) {
  console.error(`over budget:\n  ${over.join('\n  ')}`);
  process.exit(1);
}
