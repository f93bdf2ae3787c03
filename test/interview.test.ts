import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordFileName } from '../src/answers.js';
import { tempDir } from './support/cli.js';
import { keys, openTerminal } from './support/pty.js';
import { treeListing } from './support/tree.js';

describe('the interview, typed at a real terminal', () => {
  it('asks about the consumer, recommends a form with its reasons, and lets the user accept it', async () => {
    const dir = tempDir();
    const terminal = openTerminal(['new', 'calls', '--no-git'], dir);
    await terminal.expect(/Who will use the model.s output\?/);
    terminal.send(keys.down + keys.enter); // People
    await terminal.expect(/How fresh must a prediction be\?/);
    terminal.send(keys.down + keys.enter); // Daily
    await terminal.expect(/How do they take data in today\?/);
    terminal.send(keys.down + keys.down + keys.enter); // files (the list starts on "Not sure" and wraps)
    await terminal.expect(/Recommended: CSV drop \(csv\)/);
    await terminal.expect(/ranked list.*not an API/);
    await terminal.expect(/already take data in as files/);
    await terminal.expect(/Deliver predictions as/);
    terminal.send(keys.enter); // the recommendation, preselected
    await terminal.expect(/Where does CI run\?/);
    terminal.send(keys.down + keys.enter); // GitLab
    const { code, screen } = await terminal.exited;
    expect(code, screen).toBe(0);
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'calls', recordFileName), 'utf8'));
    expect(record.answers).toMatchObject({ consumer: 'people', freshness: 'daily', intake: 'files', delivery: 'csv', ci: 'gitlab' });
    expect(fs.existsSync(path.join(dir, 'calls', '.gitlab-ci.yml'))).toBe(true);
  });

  it('lets the user override the recommendation, and records that in the decision record', async () => {
    const dir = tempDir();
    const terminal = openTerminal(['new', 'calls', '--no-git', '--consumer', 'people', '--freshness', 'weekly', '--intake', 'database', '--ci', 'github'], dir);
    await terminal.expect(/Recommended: CSV drop/);
    await terminal.expect(/Deliver predictions as/);
    terminal.send(keys.up + keys.enter); // API stub: the one above the recommended CSV drop
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
    const { code, screen } = await terminal.exited;
    expect(code, screen).toBe(0);
    expect(fs.existsSync(path.join(dir, 'call-list', 'pyproject.toml'))).toBe(true);
  });

  it('recommend asks the consumer questions, gives the form with its reasons, and writes nothing', async () => {
    const dir = tempDir();
    const terminal = openTerminal(['recommend'], dir);
    await terminal.expect(/Who will use the model.s output\?/);
    terminal.send(keys.down + keys.down + keys.enter); // Analysts
    await terminal.expect(/How fresh must a prediction be\?/);
    terminal.send(keys.down + keys.down + keys.enter); // Weekly
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
});
