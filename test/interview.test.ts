import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordFileName } from '../src/answers.js';
import { steelThread, tempDir } from './support/cli.js';
import { keys, openTerminal } from './support/pty.js';
import { treeListing } from './support/tree.js';

describe('the interview, typed at a real terminal', () => {
  it('asks about the consumer, recommends a form with its reasons, and lets the user accept it', async () => {
    const dir = tempDir();
    const terminal = openTerminal(['new', 'calls', '--no-git'], dir);
    await terminal.expect(/Who will use the model.s output\?/);
    terminal.send(keys.up + keys.enter); // Software
    await terminal.expect(/How fresh must a prediction be\?/);
    terminal.send(keys.enter); // Daily, preselected
    await terminal.expect(/How do they take data in today\?/);
    terminal.send(keys.down + keys.down + keys.enter); // files (the list starts on "Not sure" and wraps)
    await terminal.expect(/Recommended: table export \(table\)/);
    await terminal.expect(/Deliver predictions as/);
    terminal.send(keys.enter); // the recommendation, preselected
    await terminal.expect(/Where does CI run\?/);
    terminal.send(keys.down + keys.enter); // GitLab
    await terminal.expect(/A sample of your data/);
    terminal.send(keys.enter); // none: the shipped example
    const { code, screen } = await terminal.exited;
    expect(code, screen).toBe(0);
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'calls', recordFileName), 'utf8'));
    expect(record.answers).toMatchObject({ consumer: 'service', freshness: 'daily', intake: 'files', delivery: 'table', ci: 'gitlab' });
    expect(fs.existsSync(path.join(dir, 'calls', '.gitlab-ci.yml'))).toBe(true);
  });

  it('lets the user override the recommendation, and records that in the decision record', async () => {
    const dir = tempDir();
    const terminal = openTerminal(['new', 'calls', '--no-git', '--consumer', 'people', '--freshness', 'weekly', '--intake', 'database', '--ci', 'github'], dir);
    await terminal.expect(/Recommended: CSV drop/);
    await terminal.expect(/Deliver predictions as/);
    terminal.send(keys.up + keys.enter); // API stub: the one above the recommended CSV drop
    await terminal.expect(/A sample of your data/);
    terminal.send(keys.enter); // none: the shipped example
    const { code, screen } = await terminal.exited;
    expect(code, screen).toBe(0);
    const decision = fs.readFileSync(path.join(dir, 'calls', 'docs', 'decisions', '0001-delivery-form.md'), 'utf8');
    expect(decision).toContain('The interview recommended `csv`, and the team chose `api` instead.');
  });

  it('asks for the project folder when none is given', async () => {
    const dir = tempDir();
    const terminal = openTerminal(['new', '--no-git', '--consumer', 'people', '--freshness', 'daily', '--intake', 'files', '--delivery', 'csv', '--ci', 'github'], dir);
    await terminal.expect(/Project folder/);
    terminal.send(`call-list${keys.enter}`);
    await terminal.expect(/A sample of your data/);
    terminal.send(keys.enter); // none: the shipped example
    const { code, screen } = await terminal.exited;
    expect(code, screen).toBe(0);
    expect(fs.existsSync(path.join(dir, 'call-list', 'pyproject.toml'))).toBe(true);
  });

  it('recommend asks the consumer questions, gives the form with its reasons, and writes nothing', async () => {
    const dir = tempDir();
    const terminal = openTerminal(['recommend'], dir);
    await terminal.expect(/Who will use the model.s output\?/);
    terminal.send(keys.down + keys.enter); // Analysts, below the preselected People
    await terminal.expect(/How fresh must a prediction be\?/);
    terminal.send(keys.down + keys.enter); // Weekly, below the preselected Daily
    await terminal.expect(/How do they take data in today\?/);
    terminal.send(keys.enter); // Not sure
    await terminal.expect(/Recommended: table export \(table\)/);
    await terminal.expect(/steel-thread new DIR --consumer analysts --freshness weekly --delivery table/);
    const { code, screen } = await terminal.exited;
    expect(code, screen).toBe(0);
    expect(treeListing(dir)).toEqual([]);
  });

  it('aborts on Ctrl-C at a prompt: non-zero exit, nothing written', async () => {
    const dir = tempDir();
    const terminal = openTerminal(['new', 'calls', '--no-git'], dir);
    await terminal.expect(/Who will use the model.s output\?/);
    terminal.send(keys.down + keys.enter);
    await terminal.expect(/How fresh must a prediction be\?/);
    terminal.send(keys.ctrlC);
    const { code, screen } = await terminal.exited;
    expect(code, screen).toBe(130);
    expect(treeListing(dir)).toEqual([]);
  });

  it('takes, when Enter is pressed at every question, exactly what --yes takes, with no colour under NO_COLOR', async () => {
    const dir = tempDir();
    const terminal = openTerminal(['new', 'pressed', '--no-git'], dir);
    for (const question of [/Who will use/, /How fresh/, /How do they take data in/, /Deliver predictions as/, /Where does CI run/, /A sample of your data/]) {
      await terminal.expect(question);
      terminal.send(keys.enter);
    }
    const { code, screen } = await terminal.exited;
    expect(code, screen).toBe(0);
    // Select Graphic Rendition sequences (colour, bold) only; prompts' cursor moves are not colour.
    expect(screen).not.toMatch(/\u001b\[[0-9;]*m/);
    const yes = await steelThread(['new', 'pressed', '--yes', '--no-git'], { cwd: tempDir() });
    expect(yes.code, yes.output).toBe(0);
    const answersOf = (project: string) => JSON.parse(fs.readFileSync(path.join(project, recordFileName), 'utf8')).answers;
    expect(answersOf(path.join(dir, 'pressed'))).toEqual({ name: 'pressed', package: 'pressed', consumer: 'people', freshness: 'daily', intake: null, delivery: 'csv', ci: 'github' });
    expect(answersOf(path.join(dir, 'pressed'))).toEqual(answersOf(yes.stdout.match(/ in (\S+)\n/)?.[1] ?? ''));
  });

  it('asks before adding to a non-empty folder: cancel leaves it untouched; adding keeps every file', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'busy');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'README.md'), 'ours');
    const before = treeListing(dir);
    const flags = ['--consumer', 'people', '--freshness', 'daily', '--intake', 'files', '--delivery', 'csv', '--ci', 'github', '--no-git'];
    const cancelled = openTerminal(['new', 'busy', ...flags], dir);
    await cancelled.expect(/busy is not empty \(1 entry\)\. What now\?/);
    cancelled.send(keys.enter); // Cancel, preselected
    const first = await cancelled.exited;
    expect(first.code, first.screen).toBe(3);
    expect(treeListing(dir)).toEqual(before);

    const added = openTerminal(['new', 'busy', ...flags], dir);
    await added.expect(/What now\?/);
    added.send(keys.down + keys.enter); // Add the project beside what is there
    await added.expect(/A sample of your data/);
    added.send(keys.enter);
    const second = await added.exited;
    expect(second.code, second.screen).toBe(0);
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).toBe('ours');
    expect(fs.existsSync(path.join(target, 'README.md.from-template'))).toBe(true);
    expect(fs.existsSync(path.join(target, 'pyproject.toml'))).toBe(true);
  });

  it('shows the slow steps as they run', async () => {
    const dir = tempDir();
    const terminal = openTerminal(['new', 'slow', '--yes'], dir);
    await terminal.expect(/Making the git repository and the first commit/);
    const { code, screen } = await terminal.exited;
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/Making the git repository and the first commit \(\d+\.\d s\)/);
  });
});
