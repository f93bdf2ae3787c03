import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordFileName } from '../../src/answers.js';
import { gitIdentity, steelThread, tempDir } from '../support/cli.js';
import { treeListing } from '../support/tree.js';

/**
 * The project record is input: a hand edit, a bad merge or a hostile commit can put anything in
 * it. Every value read from it is checked as its flag would be; a refusal exits 2, names the
 * record, and changes nothing (the git folder included).
 */
let made: string;

beforeAll(async () => {
  const dir = tempDir();
  const run = await steelThread(['new', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes'], { cwd: dir, env: gitIdentity });
  expect(run.code, run.output).toBe(0);
  made = path.join(dir, 'demo');
});

type Record = { [key: string]: any };

/** A copy of the project whose record `edit` changed (as an object, or as raw bytes). */
function projectWith(edit: (record: Record) => void | Buffer | string): string {
  const project = path.join(tempDir(), 'demo');
  fs.cpSync(made, project, { recursive: true });
  const file = path.join(project, recordFileName);
  const record = JSON.parse(fs.readFileSync(file, 'utf8')) as Record;
  const raw = edit(record);
  fs.writeFileSync(file, raw ?? JSON.stringify(record, null, 2));
  return project;
}

const injection = '$(PYTHON) -m demo; touch PWNED # thread';
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const refused: [string, (record: Record) => void | Buffer | string, RegExp][] = [
  ['a package that injects a shell command into the Makefile', (r) => { r.answers.package = injection; }, /answers\.package is refused \(.*not a Python package name/],
  ['a package with a line break', (r) => { r.answers.package = 'demo\nimport os'; }, /answers\.package is refused/],
  ['a package with a quote for Python', (r) => { r.answers.package = 'demo"; import os; "'; }, /answers\.package is refused/],
  ['a package over 40 characters', (r) => { r.answers.package = 'a'.repeat(41); }, /answers\.package is refused \(.*longer than 40/],
  ['a package that is a keyword', (r) => { r.answers.package = 'class'; }, /answers\.package is refused \(.*keyword/],
  ['a package that shadows pytest\'s conftest', (r) => { r.answers.package = 'conftest'; }, /answers\.package is refused \(.*shadow/],
  ['a package that shadows the standard library', (r) => { r.answers.package = 'json'; }, /answers\.package is refused \(.*shadow/],
  ['an empty package', (r) => { r.answers.package = ''; }, /answers\.package is refused/],
  ['a name with a line break', (r) => { r.answers.name = 'Demo\n[tool.evil]'; }, /answers\.name is refused \(.*control characters or line breaks/],
  ['a name over 100 characters', (r) => { r.answers.name = 'x'.repeat(101); }, /answers\.name is refused \(.*longer than 100/],
  ['a name with spaces around it', (r) => { r.answers.name = ' demo '; }, /answers\.name is refused \(spaces around it\)/],
  ['a name with a slash', (r) => { r.answers.name = 'a/b'; }, /answers\.name is refused \(.*slash/],
  ['an unknown consumer', (r) => { r.answers.consumer = 'robots'; }, /"answers" is refused \(--consumer must be one of/],
  ['an unknown delivery form', (r) => { r.answers.delivery = 'fax'; }, /answers\.delivery is refused \(--delivery must be one of api, csv, table/],
  ['a delivery form that is a path', (r) => { r.answers.delivery = '../../etc'; }, /answers\.delivery is refused/],
  ['a delivery form from Object.prototype', (r) => { r.answers.delivery = 'constructor'; }, /answers\.delivery is refused \(--delivery must be one of/],
  ['an unknown CI', (r) => { r.answers.ci = 'jenkins'; }, /answers\.ci is refused \(--ci must be one of github, gitlab/],
  ['a missing package', (r) => { delete r.answers.package; }, /answers\.package is refused \(missing\)/],
  ['an answer that is a number', (r) => { r.answers.freshness = 1; }, /"answers" is refused \(.*"freshness" must be a string/],
  ['an unknown answer', (r) => { r.answers.shell = 'rm -rf /'; }, /"answers" is refused \(.*unknown answers: shell/],
  ['answers that are not an object', (r) => { r.answers = ['people']; }, /"answers" is refused/],
  ['a generator that is not a version', (r) => { r.generator = '0.1.0; rm -rf /'; }, /"generator" is not a version/],
  ['a format that is not a number', (r) => { r.format = 'one'; }, /"format" is not a record format/],
  ['a template set name with a line break', (r) => { r.templates.name = 'steel-thread\nsecond line'; }, /"templates" does not name its template set/],
  ['a template set version that is an object', (r) => { r.templates.version = {}; }, /"templates\.version" is not a version/],
  ['a file path with a line break', (r) => { r.files['README.md\nx'] = r.files['README.md']; }, /"files" names a path with a control character or line break/],
  ['a file path naming the record itself', (r) => { r.files[recordFileName] = r.files['README.md']; }, /"files" names the record itself/],
  ['a file path into .git', (r) => { r.files['.git/config'] = r.files['README.md']; }, /would write "\.git\/config", which is not a plain path/],
  ['a fingerprint with a link\'s mode', (r) => { r.files['README.md'] = r.files['README.md'].replace('100644', '120000'); }, /"files" holds "README\.md" with a malformed fingerprint/],
  ['files that are a list', (r) => { r.files = ['README.md']; }, /"files" is not a table/],
  ['a record nested 30,000 deep', (r) => JSON.stringify({ ...r, answers: JSON.parse('{}'), deep: 'x' }).replace('"x"', deep(30_000)), /nested deeper than 16 levels/],
  ['a record that is not UTF-8', () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not UTF-8 text/],
  ['a record holding null', () => 'null', /not a JSON object/],
  ['a record larger than 4 MiB', (r) => JSON.stringify({ ...r, padding: 'x'.repeat(5 * 1024 * 1024) }), /larger than 4 MiB/],
];

describe('a hand-edited project record', () => {
  it.each(refused.map(([what, edit, message]) => [what, edit, message] as const))('%s: update and check refuse it with exit 2, naming the record', async (_what, edit, message) => {
    const project = projectWith(edit);
    const before = treeListing(project);
    for (const command of ['update', 'check']) {
      const run = await steelThread([command], { cwd: project, env: gitIdentity });
      expect(run.code, run.output).toBe(2);
      const errors = run.stderr.split('\n').filter((line) => line.startsWith('error:'));
      expect(errors, run.stderr).toHaveLength(1);
      expect(errors[0]).toContain(recordFileName);
      expect(errors[0]).toMatch(message);
      expect(run.output).not.toMatch(/\n\s+at |node:internal|TypeError|RangeError/);
    }
    expect(treeListing(project)).toEqual(before);
    expect(fs.existsSync(path.join(project, 'PWNED'))).toBe(false);
  });

  it('a record linked to a file outside the project is refused, not read', async () => {
    const project = projectWith(() => undefined);
    const outside = path.join(path.dirname(project), 'outside.json');
    fs.renameSync(path.join(project, recordFileName), outside);
    fs.symlinkSync(outside, path.join(project, recordFileName));
    const run = await steelThread(['update'], { cwd: project, env: gitIdentity });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/\.steel-thread\.json: not a plain file \(links are not followed\)/);
  });

  it('a record saved with a byte-order mark is read as the same record', async () => {
    const project = projectWith((r) => `\ufeff${JSON.stringify(r, null, 2)}\n`);
    const run = await steelThread(['check'], { cwd: project, env: gitIdentity });
    expect(run.code, run.output).toBe(0);
  });

  it('update from a subfolder finds the project root; outside any project it says so', async () => {
    const project = projectWith(() => undefined);
    await execa('git', ['commit', '-qam', 'record'], { cwd: project, env: gitIdentity });
    const sub = path.join(project, 'src', 'demo');
    const run = await steelThread(['update'], { cwd: sub, env: gitIdentity });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain(`in ${project}`);
    const check = await steelThread(['check'], { cwd: sub, env: gitIdentity });
    expect(check.code, check.output).toBe(0);
    const outside = await steelThread(['update'], { cwd: tempDir(), env: gitIdentity });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/has no \.steel-thread\.json: it was not made by steel-thread/);
  });
});
