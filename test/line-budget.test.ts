import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot, templatesDir } from './support/cli.js';

const forms = Object.keys((JSON.parse(fs.readFileSync(path.join(templatesDir, 'registry.json'), 'utf8')) as { delivery: object }).delivery);

describe('generated projects stay small enough to own', () => {
  it('every form is within its line budget (scripts/line-budget.mjs)', async () => {
    const run = await execa('node', [path.join(repoRoot, 'scripts', 'line-budget.mjs')], { cwd: repoRoot, reject: false, all: true });
    // Every form is counted, so a form left out of the script's budgets fails too.
    for (const form of forms) expect(run.stdout).toMatch(new RegExp(`^${form} +\\d+/\\d+`, 'm'));
    expect(run.exitCode, run.all).toBe(0);
  });
});
