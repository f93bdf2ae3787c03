import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { checkPackageName } from '../../src/names.js';
import { dependencyModules, projectFolders } from '../../src/shadowed-names.js';
import { repoRoot, steelThread, tempDir } from '../support/cli.js';
import { treeListing } from '../support/tree.js';

/**
 * The names a package must not take come from the templates through a script, never by hand:
 * this is the CI check that the checked-in list is what the script makes of today's templates.
 */
describe('names that would shadow what a project imports', () => {
  it('the checked-in list is what scripts/shadowed-names.mjs makes of the templates (rerun it after changing them)', async () => {
    const out = path.join(tempDir(), 'shadowed-names.ts');
    const run = await execa('node', [path.join(repoRoot, 'scripts', 'shadowed-names.mjs'), '--out', out], { reject: false, all: true });
    expect(run.exitCode, run.all).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(path.join(repoRoot, 'src', 'shadowed-names.ts'), 'utf8'));
  });

  it('holds the import names of the dependencies, their own dependencies and the test tools', () => {
    for (const module of ['sklearn', 'pandas', 'numpy', 'dateutil', 'pytest', '_pytest', 'conftest', 'iniconfig', 'pluggy', 'mypy', 'ruff']) {
      expect(Object.keys(dependencyModules)).toContain(module);
    }
    expect(dependencyModules.dateutil).toMatch(/python-dateutil, which pandas needs/);
    for (const folder of ['src', 'tests', 'data', 'docs', 'records', 'outbox', 'models']) expect(projectFolders).toContain(folder);
  });

  it('refuses every name on the list that would otherwise be a valid package name', () => {
    const names = [...Object.keys(dependencyModules), ...projectFolders].filter((name) => /^[a-z][a-z0-9_]*$/.test(name));
    expect(names.length).toBeGreaterThan(40);
    for (const name of names) expect(() => checkPackageName(name), name).toThrow(/would shadow/);
  });

  const clashing: [string, RegExp][] = [
    ['conftest', /shadow the module "conftest" of pytest/],
    ['dateutil', /shadow the module "dateutil" of python-dateutil, which pandas needs/],
    ['iniconfig', /shadow the module "iniconfig" of iniconfig, which pytest needs/],
    ['pluggy', /shadow the module "pluggy"/],
    ['pytz', /shadow the module "pytz"/],
    ['scipy', /shadow the module "scipy"/],
    ['records', /shadow the project's own folder records\//],
    ['build', /shadow the project's own folder build\//],
  ];
  it.each(clashing)('new --package %s is refused with exit 2 and nothing written', async (name, message) => {
    const dir = tempDir();
    const before = treeListing(dir);
    const run = await steelThread(['new', 'project', '--consumer', 'people', '--freshness', 'daily', '--yes', '--no-git', '--package', name], { cwd: dir });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(treeListing(dir)).toEqual(before);
  });

  it.each(clashing.slice(0, 3))('a name that becomes the package %s is refused too', async (name) => {
    const dir = tempDir();
    const run = await steelThread(['new', 'project', '--consumer', 'people', '--freshness', 'daily', '--yes', '--no-git', '--name', name.toUpperCase()], { cwd: dir });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/would shadow/);
  });
});
