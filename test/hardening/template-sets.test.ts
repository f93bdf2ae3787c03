import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitIdentity, steelThread, templatesDir, tempDir } from '../support/cli.js';
import { treeListing } from '../support/tree.js';

/** Every entry below `dir` with its type and size: enough to see that nothing was written, without reading a pipe or hashing 600 MB. */
function entries(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((rel) => {
      const stat = fs.lstatSync(path.join(dir, rel));
      return `${rel} ${stat.isFile() ? stat.size : stat.isDirectory() ? 'folder' : 'other'}`;
    });
}

/**
 * A template set is data. No link anywhere in it is followed (the registry, a layer's folder or
 * any folder above it, a folder or file inside a layer, the partials), whatever it points at; its
 * paths, text and sizes are checked before anything is written. Each case runs `new` with a copy
 * of the built-in set changed one way, outside which lie a secret and a set of the same shape.
 */
interface Case {
  what: string;
  change: (set: string, outside: string) => void;
  message: RegExp;
}

const secret = 'BEGIN OPENSSH PRIVATE KEY (a test secret)';

/** Replaces `rel` inside the set by a link to a copy of it outside. */
const linkOut = (rel: string) => (set: string, outside: string) => {
  const moved = path.join(outside, 'moved', rel);
  fs.mkdirSync(path.dirname(moved), { recursive: true });
  fs.renameSync(path.join(set, rel), moved);
  fs.symlinkSync(moved, path.join(set, rel));
};
const write = (set: string, rel: string, content: string | Buffer) => {
  fs.mkdirSync(path.dirname(path.join(set, rel)), { recursive: true });
  fs.writeFileSync(path.join(set, rel), content);
};

const links: Case[] = [
  { what: 'registry.json is a link', change: linkOut('registry.json'), message: /registry\.json is a symbolic link/ },
  { what: 'the base layer is a link', change: linkOut('base'), message: /"base" names "base", which is not a folder \(links are not followed\)/ },
  { what: 'a delivery layer is a link', change: linkOut('delivery/csv'), message: /"delivery\.csv" names "delivery\/csv", which is not a folder \(links are not followed\)/ },
  { what: 'the folder above the delivery layers is a link', change: linkOut('delivery'), message: /"delivery\.\w+" names "delivery\/\w+", which is not a folder \(links are not followed\)/ },
  { what: 'a CI layer is a link', change: linkOut('ci/github'), message: /"ci\.github" names "ci\/github", which is not a folder/ },
  { what: 'a folder inside a layer is a link', change: linkOut('base/tests'), message: /base\/tests is a symbolic link/ },
  { what: 'a template file is a link', change: linkOut('base/Makefile.hbs'), message: /base\/Makefile\.hbs is a symbolic link/ },
  { what: 'a copied file is a link', change: linkOut('base/.gitignore'), message: /base\/\.gitignore is a symbolic link/ },
  { what: 'the partials folder is a link', change: linkOut('base/_partials'), message: /base\/_partials is a symbolic link/ },
  { what: 'a partial is a link', change: linkOut('base/_partials/makefile-targets.hbs'), message: /partials are plain NAME\.hbs files/ },
  {
    what: 'a link to a secret deep inside a layer',
    change: (set, outside) => {
      fs.writeFileSync(path.join(outside, 'id_rsa'), secret);
      fs.mkdirSync(path.join(set, 'base', 'deep', 'er'), { recursive: true });
      fs.symlinkSync(path.join(outside, 'id_rsa'), path.join(set, 'base', 'deep', 'er', 'id_rsa'));
    },
    message: /base\/deep\/er\/id_rsa is a symbolic link/,
  },
];

const data: Case[] = [
  { what: 'a template that writes the record', change: (set) => write(set, 'base/.steel-thread.json', '{}'), message: /would write \.steel-thread\.json, the project's record/ },
  { what: 'a template that renders the record\'s name', change: (set) => write(set, 'base/{{replace "x" "x" ".steel-thread.json"}}', '{}'), message: /would write \.steel-thread\.json/ },
  { what: 'a file name with a line break', change: (set) => write(set, 'base/notes\nsecond.md', 'x'), message: /base\/notes\\nsecond\.md has a control character or line break in its name/ },
  { what: 'a file name with an escape character', change: (set) => write(set, 'base/\u001b[31mred.md', 'x'), message: /has a control character or line break in its name/ },
  { what: 'a template that is not UTF-8', change: (set) => write(set, 'base/notes.md.hbs', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])), message: /base\/notes\.md\.hbs is not UTF-8 text/ },
  { what: 'a partial that is not UTF-8', change: (set) => write(set, 'base/_partials/extra.hbs', Buffer.from([0xff, 0xfe, 0x41])), message: /base\/_partials\/extra\.hbs is not UTF-8 text/ },
  { what: 'a registry that is not UTF-8', change: (set) => fs.appendFileSync(path.join(set, 'registry.json'), Buffer.from([0xc3, 0x28])), message: /registry\.json is not UTF-8 text/ },
  { what: 'a registry named with a line break', change: (set) => editRegistry(set, (r) => { r.name = 'team\nset'; }), message: /registry\.json has a "name" with control characters/ },
  { what: 'a 600 MB template', change: (set) => fs.truncateSync(sparse(set, 'base/big.md.hbs'), 600 * 1024 * 1024), message: /base\/big\.md\.hbs is larger than 16 MiB/ },
  { what: 'a 600 MB copied file', change: (set) => fs.truncateSync(sparse(set, 'base/data/big.bin'), 600 * 1024 * 1024), message: /base\/data\/big\.bin is larger than 16 MiB/ },
  { what: 'folders nested 30 deep', change: (set) => write(set, `base/${Array.from({ length: 30 }, () => 'd').join('/')}/x.txt`, 'x'), message: /nested deeper than 24 folders/ },
  { what: 'a named pipe in a layer', change: (set) => execFileSync('mkfifo', [path.join(set, 'base', 'pipe')]), message: /base\/pipe is not a regular file/ },
  { what: 'a file and a folder at one path', change: (set) => { write(set, 'base/notes', 'x'); write(set, 'delivery/csv/notes/inside.md', 'x'); }, message: /render a file and a folder at the same path, notes/ },
  { what: '{{toString}} under strict mode', change: (set) => write(set, 'base/x.md.hbs', '{{toString}}'), message: /template base\/x\.md\.hbs: "toString" not defined/ },
  { what: '{{constructor}} under strict mode', change: (set) => write(set, 'base/x.md.hbs', '{{constructor}}'), message: /template base\/x\.md\.hbs: "constructor" not defined/ },
  { what: '{{constructor.name}} under strict mode', change: (set) => write(set, 'base/x.md.hbs', '{{constructor.name}}'), message: /template base\/x\.md\.hbs: "name" not defined/ },
  { what: '{{form.__proto__}} under strict mode', change: (set) => write(set, 'base/x.md.hbs', '{{form.__proto__}}'), message: /"__proto__" not defined/ },
  { what: '{{#each}} over a prototype name', change: (set) => write(set, 'base/x.md.hbs', '{{#with form}}{{hasOwnProperty}}{{/with}}'), message: /"hasOwnProperty" not defined/ },
];

function editRegistry(set: string, edit: (registry: Record<string, any>) => void): void {
  const file = path.join(set, 'registry.json');
  const registry = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(registry);
  fs.writeFileSync(file, JSON.stringify(registry));
}

function sparse(set: string, rel: string): string {
  write(set, rel, '');
  return path.join(set, rel);
}

describe('template sets are data', () => {
  it.each([...links, ...data].map((c) => [c.what, c] as const))('%s: refused with exit 2, nothing written', async (_what, c) => {
    const dir = tempDir();
    const set = path.join(dir, 'set');
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    fs.cpSync(templatesDir, set, { recursive: true });
    c.change(set, outside);
    const before = entries(dir);
    const run = await steelThread(['new', 'project', '--consumer', 'people', '--freshness', 'daily', '--yes', '--no-git', '--templates', set], { cwd: dir });
    expect(run.code, run.output).toBe(2);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errors, run.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(c.message);
    expect(run.output).not.toMatch(/\n\s+at |node:internal|TypeError|RangeError|steel-thread-staging|Access has been denied/);
    expect(entries(dir)).toEqual(before);
  });

  it('update with a set holding a link refuses it too, and leaves the project as it was', async () => {
    const dir = tempDir();
    const set = path.join(dir, 'set');
    fs.cpSync(templatesDir, set, { recursive: true });
    const made = await steelThread(['new', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes', '--templates', set], { cwd: dir, env: gitIdentity });
    expect(made.code, made.output).toBe(0);
    fs.mkdirSync(path.join(dir, 'outside'));
    linkOut('delivery/csv')(set, path.join(dir, 'outside'));
    const project = path.join(dir, 'demo');
    const before = treeListing(project);
    const run = await steelThread(['update', '--templates', set], { cwd: project, env: gitIdentity });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toMatch(/not a folder \(links are not followed\)/);
    expect(treeListing(project)).toEqual(before);
  });

  it('a copy of the built-in set, as a team would keep one, renders like the built-in set', async () => {
    const dir = tempDir();
    const set = path.join(dir, 'set');
    fs.cpSync(templatesDir, set, { recursive: true });
    const args = ['new', 'demo', '--consumer', 'people', '--freshness', 'daily', '--yes', '--no-git'];
    for (const parent of ['a', 'b']) fs.mkdirSync(path.join(dir, parent));
    expect((await steelThread(args, { cwd: path.join(dir, 'a') })).code).toBe(0);
    expect((await steelThread([...args, '--templates', set], { cwd: path.join(dir, 'b') })).code).toBe(0);
    // Only the record differs: it names the team's set without the generator's version.
    const files = (parent: string) => treeListing(path.join(dir, parent, 'demo')).filter((line) => !line.startsWith('.steel-thread.json'));
    expect(files('b')).toEqual(files('a'));
  });
});
