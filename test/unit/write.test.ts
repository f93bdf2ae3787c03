import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkRelativePath, containedPath, createStaging, moveIntoPlace, removeInterruptedNew, writeFileAtomic } from '../../src/write.js';
import { tempDir } from '../support/cli.js';
import { treeListing } from '../support/tree.js';

describe('contained writes', () => {
  it.each(['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a\\b', '.git/config', 'a/.git/hooks/x', '', 'a\0b'])(
    'refuses the path %j',
    (rel) => {
      expect(() => checkRelativePath(rel, 'test')).toThrow(/not a plain path inside the project/);
    },
  );

  it('accepts plain nested paths', () => {
    expect(checkRelativePath('src/pkg/.hidden/x.py', 'test')).toBe('src/pkg/.hidden/x.py');
  });

  it('never writes through a symbolic link, even one inside the project', () => {
    const root = tempDir();
    const outside = tempDir();
    fs.symlinkSync(outside, path.join(root, 'link'));
    expect(() => containedPath(root, 'link/file.txt')).toThrow(/symbolic link/);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('replaces a file whole, keeping or setting the executable bit', () => {
    const root = tempDir();
    const file = path.join(root, 'a', 'run.sh');
    writeFileAtomic(file, 'one', true);
    writeFileAtomic(file, 'two', false);
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    expect(fs.statSync(file).mode & 0o111).toBe(0);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['run.sh']);
  });

  it('moves a staged project into an existing folder, overwriting and deleting nothing there', () => {
    const parent = tempDir();
    const target = path.join(parent, 'project');
    fs.mkdirSync(path.join(target, 'keep'), { recursive: true });
    fs.writeFileSync(path.join(target, 'keep', 'mine.txt'), 'mine');
    fs.writeFileSync(path.join(target, 'README.md'), 'old');
    const inode = fs.statSync(target).ino;
    const staging = createStaging(target, true);
    fs.mkdirSync(path.join(staging, 'src'), { recursive: true });
    fs.writeFileSync(path.join(staging, 'README.md'), 'new');
    fs.writeFileSync(path.join(staging, 'src', 'x.py'), 'x');
    expect(moveIntoPlace(staging, target, 'src/x.py')).toEqual([{ path: 'README.md', beside: 'README.md.from-template' }]);
    expect(treeListing(target).map((line) => line.split(' ')[0])).toEqual(['README.md', 'README.md.from-template', 'keep/', 'keep/mine.txt', 'src/', 'src/x.py']);
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).toBe('old');
    expect(fs.readFileSync(path.join(target, 'README.md.from-template'), 'utf8')).toBe('new');
    expect(fs.statSync(target).ino).toBe(inode);
    expect(fs.existsSync(staging)).toBe(false);
  });

  it('makes staging folders that follow the umask, and removes those a killed run left', () => {
    const parent = tempDir();
    const target = path.join(parent, 'project');
    const previous = process.umask(0o022);
    try {
      const staging = createStaging(target, false);
      expect(fs.statSync(staging).mode & 0o777).toBe(0o755);
      const dead = path.join(parent, '.project.steel-thread-staging-999999999-0123abcd');
      fs.mkdirSync(dead);
      const again = createStaging(target, false);
      expect(fs.readdirSync(parent).sort()).toEqual([path.basename(staging), path.basename(again)].sort());
    } finally {
      process.umask(previous);
    }
  });

  it('after a move killed part-way, removes exactly the files it had moved, and nothing of the team\'s', () => {
    const parent = tempDir();
    const target = path.join(parent, 'project');
    fs.mkdirSync(path.join(target, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(target, 'docs', 'team.md'), 'team');
    const staging = createStaging(target, true);
    for (const rel of ['a.txt', 'docs/b.txt', 'src/pkg/c.py', 'z.json']) {
      fs.mkdirSync(path.dirname(path.join(staging, rel)), { recursive: true });
      fs.writeFileSync(path.join(staging, rel), rel);
    }
    // A kill cannot be caught: the third rename failing stands in for one, leaving what was done.
    const rename = fs.renameSync;
    let renames = 0;
    const spy = vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      if (String(to).endsWith('.steel-thread-moving.json')) return rename(from, to);
      if (++renames === 3) throw new Error('killed');
      return rename(from, to);
    });
    expect(() => moveIntoPlace(staging, target, 'z.json')).toThrow('killed');
    spy.mockRestore();
    expect(fs.readdirSync(target)).toContain('.steel-thread-moving.json');
    fs.writeFileSync(path.join(target, 'a.txt'), 'edited by the team since');
    expect(removeInterruptedNew(target)).toEqual(['docs/b.txt']);
    fs.rmSync(staging, { recursive: true }); // (its process, this one, is alive: it is not taken for a leftover)
    expect(treeListing(target).map((line) => line.split(' ')[0])).toEqual(['a.txt', 'docs/', 'docs/team.md']);
    expect(removeInterruptedNew(target)).toEqual([]);
  });
});
