import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './support/cli.js';

const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

/**
 * What users install: the packed tarballs of `steel-thread` and of the `create-steel-thread`
 * wrapper that `npm create steel-thread` runs, installed into an empty folder without dev
 * dependencies.
 */
describe('the published packages', () => {
  it('install from their tarballs and generate through npx steel-thread and npm create steel-thread', async () => {
    const dir = tempDir();
    for (const pkg of [repoRoot, path.join(repoRoot, 'packages', 'create-steel-thread')]) {
      await execa('npm', ['pack', '--pack-destination', dir, '--ignore-scripts'], { cwd: pkg });
    }
    const tarballs = fs.readdirSync(dir).filter((f) => f.endsWith('.tgz')).sort();
    expect(tarballs).toEqual([`create-steel-thread-${version}.tgz`, `steel-thread-${version}.tgz`]);
    const listing = await execa('tar', ['-tzf', path.join(dir, `steel-thread-${version}.tgz`)]);
    expect(listing.stdout).toContain('package/dist/cli.js');
    expect(listing.stdout).toContain('package/templates/registry.json');
    expect(listing.stdout).not.toMatch(/package\/(src|test)\//);
    // The licence, and the notices of the libraries bundled into dist/, travel with the code.
    expect(listing.stdout.split('\n')).toEqual(expect.arrayContaining(['package/LICENSE', 'package/dist/THIRD-PARTY-NOTICES']));
    const notices = fs.readFileSync(path.join(repoRoot, 'dist', 'THIRD-PARTY-NOTICES'), 'utf8');
    for (const bundled of ['handlebars', 'node-plop', 'prompts', 'kleur', 'execa', 'semver']) expect(notices).toMatch(new RegExp(`^${bundled} \\d+\\.\\d+\\.\\d+ \\(`, 'm'));
    expect((await execa('tar', ['-tzf', path.join(dir, `create-steel-thread-${version}.tgz`)])).stdout.split('\n')).toContain('package/LICENSE');

    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    await execa('npm', ['init', '-y'], { cwd: app });
    await execa('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', ...tarballs.map((t) => path.join(dir, t))], { cwd: app });

    const answers = ['--consumer', 'people', '--freshness', 'daily', '--yes', '--no-git'];
    const viaNpx = await execa('npx', ['--no-install', 'steel-thread', 'new', 'packed', ...answers], { cwd: app, reject: false, all: true });
    expect(viaNpx.exitCode, viaNpx.all).toBe(0);
    expect(fs.existsSync(path.join(app, 'packed', 'pyproject.toml'))).toBe(true);

    // As the README says: npm takes the flags before `--` as its own, and passes on those after it.
    const viaCreate = await execa('npm', ['create', 'steel-thread', 'created', '--', '--delivery', 'table', ...answers], { cwd: app, reject: false, all: true });
    expect(viaCreate.exitCode, viaCreate.all).toBe(0);
    expect(fs.existsSync(path.join(app, 'created', 'pyproject.toml'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(app, 'created', '.steel-thread.json'), 'utf8')).answers.delivery).toBe('table');
    expect(viaCreate.stdout).toMatch(/Next:\n {2}cd created\n {2}make setup/);
  });
});
