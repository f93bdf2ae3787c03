import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, steelThread, tempDir } from './support/cli.js';

/** What a new user meets first: the README's first command, and the next steps `new` prints. */
describe('a first run', () => {
  it('starts from a README whose first command generates outside the checkout', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const first = /```sh\n(.*)\n/.exec(readme)?.[1] ?? '';
    const target = /steel-thread\.js new (\S+)/.exec(first)?.[1];
    expect(target, first).toBeDefined();
    const relative = path.relative(repoRoot, path.resolve(repoRoot, target as string));
    expect(relative.startsWith('..'), `${target} is inside the checkout`).toBe(true);
  });

  it.each([
    ['csv', 'calls', 'calls', false],
    ['api', 'my scoring api', "'my scoring api'", true],
    ['table', "bob's table", "'bob'\\''s table'", false],
  ])('prints, for the %s form, the next steps as a shell takes them', async (form, folder, quoted, serve) => {
    const dir = tempDir();
    const run = await steelThread(['new', folder, '--delivery', form, '--yes', '--no-git'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const next = run.stdout.slice(run.stdout.indexOf('Next:'));
    const commands = next.split('\n').slice(1).filter(Boolean).map((line) => line.replace(/\s+#.*$/, '').trim());
    expect(commands).toEqual([`cd ${quoted}`, 'make setup', 'make test', 'make thread', ...(serve ? ['make serve'] : [])]);
    // The targets it names are the project's own.
    const makefile = fs.readFileSync(path.join(dir, folder, 'Makefile'), 'utf8');
    for (const command of commands.filter((c) => c.startsWith('make '))) expect(makefile).toMatch(new RegExp(`^${command.slice(5)}:`, 'm'));
  });

  it('prints plain progress lines for the slow steps when the output is not a terminal', async () => {
    const dir = tempDir();
    const run = await steelThread(['new', 'plain', '--yes'], { cwd: dir, env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('\nMaking the git repository and the first commit …\n');
    expect(run.stdout).not.toMatch(/\r|\u001b/);
  });
});
