import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { recordFileName, type Answers } from '../../src/answers.js';
import { consumers, freshnesses, intakes } from '../../src/interview/rules.js';
import { projectNames } from '../../src/names.js';
import { md } from '../../src/render/helpers.js';
import { render } from '../../src/render/index.js';
import { loadTemplateSet } from '../../src/render/templates.js';
import { steelThread, tempDir } from '../support/cli.js';
import { python, requirePython } from '../support/python.js';
import { treeListing } from '../support/tree.js';

/**
 * Random answer sets, with names full of the characters that break out of strings: every
 * accepted set renders deterministically into files that parse and compile, with the typed name
 * intact in each; every rejected set writes nothing.
 */
const hostileName = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('"', "'", '\\', '{', '}', '$', '#', '`', '<', '>', '&', '|', '*', '_', '[', ']', '%', ':', 'é', '😀', ' ', 'a', 'b', '1', '-', '.', '\u2028', '\n'), minLength: 1, maxLength: 30 }),
  fc.constantFrom('Churn Propensity', 'class', 'sklearn', '"""', "'''", '{{name}}', '${{ github.token }}', '</script>', 'a\\"b', '# heading', '[link](x)'),
);
const answerSet = fc.record({
  name: hostileName,
  consumer: fc.constantFrom(...consumers),
  freshness: fc.constantFrom(...freshnesses),
  intake: fc.constantFrom(...intakes, null),
  delivery: fc.constantFrom('api', 'csv', 'table'),
  ci: fc.constantFrom('github', 'gitlab'),
});

const accepts = (name: string) => {
  try {
    return projectNames(name);
  } catch {
    return undefined;
  }
};

describe('random answer sets', () => {
  const samples = fc.sample(answerSet, { numRuns: 60, seed: 20261130 });
  const accepted = samples.flatMap((s) => {
    const names = accepts(s.name);
    return names ? [{ ...s, name: names.name, package: names.package } satisfies Answers] : [];
  });
  const rejected = samples.filter((s) => !accepts(s.name));

  it('include both accepted and rejected sets', () => {
    expect(accepted.length).toBeGreaterThan(20);
    expect(rejected.length).toBeGreaterThan(5);
  });

  it('render deterministically into files that parse, with the typed name intact', async () => {
    await requirePython();
    const set = loadTemplateSet();
    const rendered: { dir: string; answers: Answers }[] = [];
    for (const answers of accepted) {
      const [a, b] = [tempDir(), tempDir()];
      await render(set, answers, a);
      await render(set, answers, b);
      expect(treeListing(b)).toEqual(treeListing(a));
      for (const file of treeListing(a).map((line) => line.split(' ')[0] ?? '')) {
        const text = () => fs.readFileSync(path.join(a, file), 'utf8');
        if (file.endsWith('.toml')) expect(() => parseToml(text()), file).not.toThrow();
        if (file.endsWith('.yml') || file.endsWith('.yaml')) expect(() => parseYaml(text()), file).not.toThrow();
        if (file.endsWith('.json')) expect(() => JSON.parse(text()), file).not.toThrow();
      }
      const pyproject = parseToml(fs.readFileSync(path.join(a, 'pyproject.toml'), 'utf8')) as { project: { description: string } };
      expect(pyproject.project.description).toBe(answers.name);
      expect(fs.readFileSync(path.join(a, 'README.md'), 'utf8').split('\n')[0]).toBe(`# ${md(answers.name)}`);
      rendered.push({ dir: a, answers });
    }
    // One interpreter compiles every generated Python file and reads back each PROJECT_NAME.
    const program = `
import ast, json, pathlib, sys
out = []
for root, package in json.loads(sys.stdin.read()):
    for file in sorted(pathlib.Path(root).rglob("*.py")):
        compile(file.read_bytes(), str(file), "exec")
    tree = ast.parse(pathlib.Path(root, "src", package, "__init__.py").read_text("utf-8"))
    out.append(next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "PROJECT_NAME"))
print(json.dumps(out))`;
    const result = await execa(python, ['-c', program], { input: JSON.stringify(rendered.map((r) => [r.dir, r.answers.package])) });
    expect(JSON.parse(result.stdout)).toEqual(rendered.map((r) => r.answers.name));
  });

  it('when rejected, write nothing', async () => {
    for (const answers of rejected.slice(0, 12)) {
      const dir = tempDir();
      const flags = Object.entries(answers).flatMap(([key, value]) => (value === null ? [] : [`--${key}`, value]));
      const run = await steelThread(['new', 'project', ...flags, '--yes', '--no-git'], { cwd: dir });
      expect(run.code, `${JSON.stringify(answers)}: ${run.output}`).toBe(2);
      expect(treeListing(dir)).toEqual([]);
    }
  });

  it('with invalid choices, are rejected and write nothing', async () => {
    const invalid = fc.sample(
      fc.record({ flag: fc.constantFrom('--consumer', '--freshness', '--intake', '--delivery', '--ci'), value: fc.string({ minLength: 1, maxLength: 12 }).filter((v) => !v.startsWith('-')) }),
      { numRuns: 8, seed: 7 },
    );
    for (const { flag, value } of invalid) {
      const dir = tempDir();
      const run = await steelThread(['new', 'project', flag, value, '--yes', '--no-git'], { cwd: dir });
      expect(run.code, run.output).toBe(2);
      expect(run.stderr).toContain(`${flag} must be one of`);
      expect(treeListing(dir)).toEqual([]);
    }
  });
});

describe('the record of a random project', () => {
  it('holds the answers exactly', async () => {
    const dir = tempDir();
    const name = 'Ünïcode "quotes" {{braces}} $(shell) `ticks`';
    const run = await steelThread(['new', 'p', '--name', name, '--consumer', 'service', '--freshness', 'weekly', '--yes', '--no-git'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'p', recordFileName), 'utf8')).answers.name).toBe(name);
  });
});
