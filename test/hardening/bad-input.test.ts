import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { recordFileName } from '../../src/answers.js';
import { generate, repoRoot, steelThread, templatesDir, tempDir, type Run } from '../support/cli.js';
import { make } from '../support/python.js';
import { treeListing } from '../support/tree.js';

/**
 * The bad-input corpus: whatever a user types, whatever an answers file or a template set holds,
 * the tool gives one clear line, a documented exit code, no stack trace, and changes nothing.
 */
interface Case {
  what: string;
  args: (dir: string) => string[];
  setup?: (dir: string) => void;
  code: number;
  message: RegExp;
  /** Run as an unprivileged user, so file permissions apply (root ignores them). */
  unprivileged?: boolean;
}

const answers = ['--consumer', 'people', '--freshness', 'daily', '--yes', '--no-git'];
const newWith = (...extra: string[]) => () => ['new', 'project', ...answers, ...extra];

const refusedNames: [string, RegExp][] = [
  ['', /empty/],
  ['   ', /empty/],
  ['a/b', /slash/],
  ['../x', /slash/],
  ['..\\x', /slash/],
  ['2fast', /must start with a letter/],
  ['123', /must start with a letter/],
  ['class', /keyword/],
  ['import', /keyword/],
  ['None', /keyword/],
  ['match', /keyword/],
  ['sklearn', /shadow the module "sklearn"/],
  ['pandas', /shadow/],
  ['numpy', /shadow/],
  ['fastapi', /shadow/],
  ['test', /shadow/],
  ['tests', /shadow/],
  ['json', /shadow/],
  ['os', /shadow/],
  ['x'.repeat(101), /longer than 100 characters/],
  ['a'.repeat(41), /longer than 40 characters/],
  ['日本語', /no Python package name can be made/],
  ['!!!', /no Python package name can be made/],
  ['{{ }}', /no Python package name can be made/],
  ['"', /no Python package name can be made/],
  ['tab\tname', /control characters/],
  ['new\nline', /control characters/],
  ['bell\u0007', /control characters/],
  ['del\u007f', /control characters/],
  ['line\u2028separator', /control characters/],
];

/** A copy of the built-in templates, changed by `change`, at DIR/templates. */
const templateSet = (change: (root: string) => void) => (dir: string) => {
  const root = path.join(dir, 'templates');
  fs.cpSync(templatesDir, root, { recursive: true });
  change(root);
};
const withTemplates = (dir: string) => ['new', 'project', ...answers, '--templates', path.join(dir, 'templates')];
const editRegistry = (edit: (registry: Record<string, any>) => void) => (root: string) => {
  const file = path.join(root, 'registry.json');
  const registry = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(registry);
  fs.writeFileSync(file, JSON.stringify(registry));
};
/** Writes a file at a path inside a template set, making its folders (names may hold Handlebars). */
const writeIn = (root: string, rel: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), 'x');
};
const answersFile = (text: string) => (dir: string) => fs.writeFileSync(path.join(dir, 'answers.json'), text);
const withAnswers = (dir: string) => ['new', 'project', '--yes', '--no-git', '--answers', path.join(dir, 'answers.json')];

const cases: Case[] = [
  ...refusedNames.map(([name, message]): Case => ({ what: `--name ${JSON.stringify(name)}`, args: newWith('--name', name), code: 2, message })),
  { what: '--package Bad-Name', args: newWith('--package', 'Bad-Name'), code: 2, message: /not a Python package name/ },
  { what: '--package 1abc', args: newWith('--package', '1abc'), code: 2, message: /must start with a letter/ },
  { what: '--package sqlalchemy', args: newWith('--package', 'sqlalchemy'), code: 2, message: /shadow/ },
  { what: '--package def', args: newWith('--package', 'def'), code: 2, message: /keyword/ },

  // Target paths.
  { what: 'a target that is a file', setup: (d) => fs.writeFileSync(path.join(d, 'project'), 'x'), args: newWith(), code: 3, message: /exists and is not a folder/ },
  { what: 'a target under a file', setup: (d) => fs.writeFileSync(path.join(d, 'file'), 'x'), args: () => ['new', 'file/project', ...answers], code: 2, message: /file is a file, not a folder/ },
  { what: 'a target where the system makes no folder (/proc)', args: () => ['new', '/proc/steel-thread-project', ...answers], code: 2, message: /^error: cannot make the project in \/proc: the system refused \(ENOENT\); choose another folder$/m },
  { what: 'a non-empty target', setup: (d) => { fs.mkdirSync(path.join(d, 'project')); fs.writeFileSync(path.join(d, 'project', 'x'), 'x'); }, args: newWith(), code: 3, message: /not empty.*--force/ },
  { what: 'a target that is a link pointing outside', setup: (d) => fs.symlinkSync(os.tmpdir(), path.join(d, 'project')), args: newWith(), code: 3, message: /symbolic link/ },
  { what: 'an unwritable folder', setup: (d) => { fs.mkdirSync(path.join(d, 'locked'), { mode: 0o555 }); }, args: () => ['new', 'locked/project', ...answers], code: 2, message: /cannot write in .*locked: permission denied/, unprivileged: true },
  { what: 'an unwritable non-empty folder with --force', setup: (d) => { fs.mkdirSync(path.join(d, 'locked')); fs.writeFileSync(path.join(d, 'locked', 'x'), 'x'); fs.chmodSync(path.join(d, 'locked'), 0o555); }, args: () => ['new', 'locked', ...answers, '--force'], code: 2, message: /permission denied/, unprivileged: true },

  { what: 'a file where the project needs a folder, with --force', setup: (d) => { fs.mkdirSync(path.join(d, 'project')); fs.writeFileSync(path.join(d, 'project', 'src'), 'x'); }, args: newWith('--force'), code: 3, message: /src is a file in .*project; the project needs a folder there/ },
  { what: 'a folder where the project needs a file, with --force', setup: (d) => fs.mkdirSync(path.join(d, 'project', 'Makefile'), { recursive: true }), args: newWith('--force'), code: 3, message: /Makefile is a folder in .*a file of the project goes there/ },

  // Answers files.
  { what: 'an answers file with malformed JSON', setup: answersFile('{"consumer": '), args: withAnswers, code: 2, message: /not valid JSON/ },
  { what: 'an empty answers file', setup: answersFile(''), args: withAnswers, code: 2, message: /not valid JSON/ },
  { what: 'an answers file holding an array', setup: answersFile('["people"]'), args: withAnswers, code: 2, message: /JSON object of answers/ },
  { what: 'an answers file holding null', setup: answersFile('null'), args: withAnswers, code: 2, message: /JSON object of answers/ },
  { what: 'an answers file with a number for a string', setup: answersFile('{"consumer": 1}'), args: withAnswers, code: 2, message: /"consumer" must be a string/ },
  { what: 'an answers file with a list for a string', setup: answersFile('{"name": ["a"]}'), args: withAnswers, code: 2, message: /"name" must be a string/ },
  { what: 'an answers file with unknown keys', setup: answersFile('{"colour": "red"}'), args: withAnswers, code: 2, message: /unknown answers: colour/ },
  { what: 'an answers file with an invalid choice', setup: answersFile('{"delivery": "fax"}'), args: withAnswers, code: 2, message: /--delivery must be one of api, csv, table/ },
  { what: 'an answers file with a bad name', setup: answersFile('{"name": "class"}'), args: withAnswers, code: 2, message: /keyword/ },
  { what: 'a huge answers file', setup: answersFile(JSON.stringify({ name: 'x'.repeat(100_000) })), args: withAnswers, code: 2, message: /larger than 64 KiB/ },
  { what: 'a missing answers file', args: withAnswers, code: 2, message: /no such file/ },
  { what: 'a folder as answers file', setup: (d) => fs.mkdirSync(path.join(d, 'answers.json')), args: withAnswers, code: 2, message: /not a file/ },

  // Flags.
  { what: 'an unknown flag', args: newWith('--bogus'), code: 2, message: /Unknown option '--bogus'/ },
  { what: 'an unknown short flag', args: newWith('-z'), code: 2, message: /Unknown option '-z'/ },
  { what: 'a flag without its value', args: () => ['new', 'project', '--yes', '--consumer'], code: 2, message: /argument missing/ },
  { what: 'a value for a switch', args: () => ['new', 'project', '--yes=no'], code: 2, message: /does not take an argument/ },
  { what: '--dry-run with --verify', args: newWith('--dry-run', '--verify'), code: 2, message: /cannot go together/ },
  { what: 'an invalid --consumer', args: () => ['new', 'project', '--consumer', 'robots', '--yes'], code: 2, message: /--consumer must be one of/ },
  { what: 'an invalid --freshness', args: () => ['new', 'project', '--freshness', 'hourly', '--yes'], code: 2, message: /--freshness must be one of/ },
  { what: 'an invalid --intake', args: () => ['new', 'project', '--intake', 'fax', '--yes'], code: 2, message: /--intake must be one of/ },
  { what: 'an invalid --delivery', args: newWith('--delivery', 'fax'), code: 2, message: /--delivery must be one of/ },
  { what: 'an invalid --ci', args: newWith('--ci', 'jenkins'), code: 2, message: /--ci must be one of/ },
  { what: 'two folders', args: () => ['new', 'a', 'b', ...answers], code: 2, message: /too many arguments/ },
  { what: 'a misspelt command without answers', args: () => ['updte'], code: 2, message: /unknown command "updte": did you mean "update"/ },
  { what: 'missing answers without a terminal', args: () => ['new', 'project', '--no-git'], code: 2, message: /missing answers: --consumer, --freshness, --delivery, --ci/ },
  { what: 'update outside a project', args: () => ['update'], code: 2, message: /has no \.steel-thread\.json/ },
  { what: 'check outside a project', args: () => ['check'], code: 2, message: /has no \.steel-thread\.json/ },
  { what: 'update of a missing folder', args: () => ['update', 'nowhere'], code: 2, message: /is not a folder/ },
  { what: 'a new-only flag on check', args: () => ['check', '--delivery', 'csv'], code: 2, message: /Unknown option '--delivery'/ },
  { what: 'update with a record naming a path outside the project', setup: (d) => fs.writeFileSync(path.join(d, recordFileName), JSON.stringify({ format: 1, generator: '0.1.0', templates: { name: 'steel-thread', version: '0.1.0' }, answers: { name: 'x', package: 'x', consumer: 'people', freshness: 'daily', intake: null, delivery: 'csv', ci: 'github' }, files: { '../victim.txt': `100644 ${'a'.repeat(40)}` } })), args: () => ['update'], code: 2, message: /\.steel-thread\.json would write "\.\.\/victim\.txt", which is not a plain path inside the project/ },
  { what: 'update with a broken record', setup: (d) => fs.writeFileSync(path.join(d, recordFileName), '{'), args: () => ['update'], code: 2, message: /not valid JSON.*restore it from git/ },
  { what: 'recommend --json without freshness', args: () => ['recommend', '--consumer', 'people', '--json'], code: 2, message: /missing answer: --freshness/ },

  // Template sets.
  { what: '--templates that does not exist', args: () => ['new', 'project', ...answers, '--templates', 'nowhere'], code: 2, message: /--templates nowhere: not a folder/ },
  { what: 'a template set without a registry', setup: (d) => fs.mkdirSync(path.join(d, 'templates')), args: withTemplates, code: 2, message: /has no registry\.json/ },
  { what: 'a registry that is not JSON', setup: templateSet((r) => fs.writeFileSync(path.join(r, 'registry.json'), '{')), args: withTemplates, code: 2, message: /registry\.json is not valid JSON/ },
  { what: 'a registry of another format', setup: templateSet(editRegistry((r) => { r.format = 2; })), args: withTemplates, code: 2, message: /format 2; this steel-thread reads format 1/ },
  { what: 'a registry without forms', setup: templateSet(editRegistry((r) => { r.delivery = {}; })), args: withTemplates, code: 2, message: /no "delivery" entries/ },
  { what: 'a form folder outside the set', setup: templateSet(editRegistry((r) => { r.delivery.csv.folder = '../outside'; })), args: withTemplates, code: 2, message: /outside the set/ },
  { what: 'an absolute form folder', setup: templateSet(editRegistry((r) => { r.delivery.csv.folder = '/etc'; })), args: withTemplates, code: 2, message: /outside the set/ },
  { what: 'a form folder that is missing', setup: templateSet(editRegistry((r) => { r.delivery.csv.folder = 'delivery/nothing'; })), args: withTemplates, code: 2, message: /does not exist/ },
  { what: 'a symbolic link in a layer', setup: templateSet((r) => fs.symlinkSync('/etc/passwd', path.join(r, 'base', 'passwd'))), args: withTemplates, code: 2, message: /symbolic link; a template set holds plain files only/ },
  { what: 'a layer folder that is a link', setup: templateSet((r) => { fs.rmSync(path.join(r, 'ci', 'github'), { recursive: true }); fs.symlinkSync(os.tmpdir(), path.join(r, 'ci', 'github')); }), args: withTemplates, code: 2, message: /not a folder \(links are not followed\)/ },
  { what: 'a template path that climbs out', setup: templateSet((r) => writeIn(r, 'base/{{replace "a" "a" ".."}}/escaped.txt')), args: withTemplates, code: 2, message: /would write "\.\.\/escaped\.txt", which is not a plain path inside the project/ },
  { what: 'a template path that renders absolute', setup: templateSet((r) => writeIn(r, 'base/{{replace "a" "a" ""}}/tmp/escaped.txt')), args: withTemplates, code: 2, message: /would write "\/tmp\/escaped\.txt", which is not a plain path inside the project/ },
  { what: 'a template path into .git', setup: templateSet((r) => { fs.mkdirSync(path.join(r, 'base', '.git')); fs.writeFileSync(path.join(r, 'base', '.git', 'config'), 'x'); }), args: withTemplates, code: 2, message: /not a plain path inside the project/ },
  { what: 'a set with no templates', setup: templateSet((r) => { for (const layer of ['base', 'delivery/csv', 'ci/github']) { fs.rmSync(path.join(r, layer), { recursive: true }); fs.mkdirSync(path.join(r, layer)); } }), args: withTemplates, code: 2, message: /no templates/ },
  { what: 'a template naming an unknown value', setup: templateSet((r) => fs.writeFileSync(path.join(r, 'base', 'x.md.hbs'), '{{secret}}')), args: withTemplates, code: 2, message: /template base\/x\.md\.hbs: "secret" not defined/ },
  { what: 'a template with broken syntax', setup: templateSet((r) => fs.writeFileSync(path.join(r, 'base', 'x.md.hbs'), '{{#if name}}open')), args: withTemplates, code: 2, message: /template base\/x\.md\.hbs: Parse error|template base\/x\.md\.hbs/ },
  { what: 'a template calling a helper that is not there', setup: templateSet((r) => fs.writeFileSync(path.join(r, 'base', 'x.md.hbs'), '{{exec "rm -rf /"}}')), args: withTemplates, code: 2, message: /template base\/x\.md\.hbs: .*exec/ },
  { what: 'a form without a required partial', setup: templateSet((r) => fs.rmSync(path.join(r, 'delivery', 'csv', '_partials', 'readme-delivery.hbs'))), args: withTemplates, code: 2, message: /The partial readme-delivery could not be found/ },
  { what: 'a partials folder holding something else', setup: templateSet((r) => fs.writeFileSync(path.join(r, 'base', '_partials', 'notes.txt'), 'x')), args: withTemplates, code: 2, message: /partials are plain NAME\.hbs files/ },
];

/**
 * The built CLI copied where any user can read it (the checkout may sit in a home folder that
 * "nobody" cannot enter); the bundle needs nothing from node_modules.
 */
let readableCli: string | undefined;
function cliAnyoneCanRun(): string {
  if (!readableCli) {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'steel-thread-cli-'));
    for (const part of ['bin', 'dist', 'templates', 'package.json']) fs.cpSync(path.join(repoRoot, part), path.join(copy, part), { recursive: true });
    execFileSync('chmod', ['-R', 'a+rX', copy]);
    process.on('exit', () => fs.rmSync(copy, { recursive: true, force: true }));
    readableCli = path.join(copy, 'bin', 'steel-thread.js');
  }
  return readableCli;
}

async function runCase(c: Case, dir: string): Promise<Run> {
  if (!c.unprivileged || process.getuid?.() !== 0) return steelThread(c.args(dir), { cwd: dir });
  // As root, file permissions do not apply: run this case as the unprivileged user "nobody".
  fs.chmodSync(dir, 0o755);
  const result = await execa('runuser', ['-u', 'nobody', '--', 'node', cliAnyoneCanRun(), ...c.args(dir)], { cwd: dir, env: { NO_COLOR: '1' }, reject: false, all: true, stdin: 'ignore' });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, output: result.all ?? '' };
}

describe('the bad-input corpus', () => {
  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
    const dir = tempDir();
    c.setup?.(dir);
    const before = treeListing(dir);
    const run = await runCase(c, dir);
    expect(run.code, run.output).toBe(c.code);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errors, run.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(c.message);
    expect(run.output).not.toMatch(/\n\s+at |Traceback|node:internal|TypeError|ReferenceError/);
    expect(treeListing(dir)).toEqual(before);
  });
});

/** Names that are not package names as typed, which the tool turns into one and says so. */
const madeValid: [string, string][] = [
  ['Churn Propensity', 'churn_propensity'],
  ['  spaced   out  ', 'spaced_out'],
  ['Café Crème', 'cafe_creme'],
  ['Q4 "upsell" {{model}}', 'q4_upsell_model'],
  ["O'Brien's list", 'o_brien_s_list'],
  ['MiXeD-Case.Name', 'mixed_case_name'],
  ['model 😀 v2', 'model_v2'],
  ['ticks: `code` & <tags>?', 'ticks_code_tags'],
];

describe('names made valid', () => {
  it.each(madeValid)('%j becomes %s, said so, and the project passes its tests', async (name, pkg) => {
    const dir = tempDir();
    const run = await steelThread(['new', 'project', ...answers, '--name', name], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain(`Python package: ${pkg} (made from the name`);
    const project = path.join(dir, 'project');
    const tests = await make(project, 'test');
    expect(tests.code, tests.output).toBe(0);
    expect(fs.readFileSync(path.join(project, 'src', pkg, '__init__.py'), 'utf8')).toContain('PROJECT_NAME = ');
  });

  it('keeps a name that is already a package name as it is', async () => {
    const project = await generate(tempDir(), 'churn', ['--consumer', 'people', '--freshness', 'daily']);
    expect(fs.existsSync(path.join(project, 'src', 'churn'))).toBe(true);
  });
});
