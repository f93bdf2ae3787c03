import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGivenAnswers, compareVersions, formatRecord, parseJsonInput, readAnswersFile, readRecord, recordFileName, recordFormat } from '../../src/answers.js';
import { ExitCode, UserError } from '../../src/errors.js';
import { projectNames } from '../../src/names.js';
import { tempDir } from '../support/cli.js';

describe('answers from flags and files', () => {
  it('accepts known answers with valid values', () => {
    expect(checkGivenAnswers({ consumer: 'people', freshness: 'daily', intake: null, delivery: 'csv' }, 'flags')).toEqual({
      consumer: 'people',
      freshness: 'daily',
      intake: null,
      delivery: 'csv',
    });
  });

  it.each([
    [{ consumer: 'robots' }, /--consumer must be one of service, people, analysts/],
    [{ freshness: 'hourly' }, /--freshness must be one of realtime, daily, weekly/],
    [{ intake: 'fax' }, /--intake must be one of api, files, database/],
    [{ consumer: 3 }, /"consumer" must be a string/],
    [{ colour: 'blue' }, /unknown answers: colour/],
    [[], /JSON object/],
    ['people', /JSON object/],
    [null, /JSON object/],
  ])('refuses %j', (raw, message) => {
    expect(() => checkGivenAnswers(raw, 'answers.json')).toThrow(message);
  });

  it('reads an answers file and refuses broken ones with one clear line', () => {
    const dir = tempDir();
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    expect(readAnswersFile(write('ok.json', '{"consumer":"analysts","ci":"gitlab"}'))).toEqual({ consumer: 'analysts', ci: 'gitlab' });
    expect(() => readAnswersFile(write('bad.json', '{"consumer":'))).toThrow(/not valid JSON/);
    expect(() => readAnswersFile(write('huge.json', `{"name":"${'x'.repeat(70_000)}"}`))).toThrow(/larger than 64 KiB/);
    expect(() => readAnswersFile(path.join(dir, 'missing.json'))).toThrow(/no such file/);
    expect(() => readAnswersFile(dir)).toThrow(/not a file/);
  });
});

describe('project names', () => {
  it.each([
    ['churn', 'churn', undefined],
    ['Churn Propensity', 'churn_propensity', 'Churn Propensity'],
    ['  call-centre list v2 ', 'call_centre_list_v2', 'call-centre list v2'],
    ['Café Crème', 'cafe_creme', 'Café Crème'],
    ['Q4 "upsell" {{model}}', 'q4_upsell_model', 'Q4 "upsell" {{model}}'],
  ])('makes a package name from %j', (name, pkg, derivedFrom) => {
    const names = projectNames(name);
    expect(names.package).toBe(pkg);
    expect(names.distribution).toBe(pkg.replace(/_/g, '-'));
    expect(names.derivedFrom).toBe(derivedFrom);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['a/b', /slash/],
    ['../x', /slash/],
    ['line\nbreak', /control characters/],
    ['tab\there', /control characters/],
    ['2fast', /must start with a letter/],
    ['class', /keyword/],
    ['import', /keyword/],
    ['sklearn', /shadow the module "sklearn"/],
    ['test', /shadow/],
    ['json', /shadow/],
    ['tests', /shadow/],
    ['日本語', /no Python package name can be made/],
    ['!!!', /no Python package name can be made/],
    ['x'.repeat(101), /longer than 100/],
    ['a'.repeat(41), /longer than 40/],
  ])('refuses %j', (name, message) => {
    expect(() => projectNames(name)).toThrow(message);
  });

  it('takes an explicit package name, validated', () => {
    expect(projectNames('日本語', 'nihongo').package).toBe('nihongo');
    expect(() => projectNames('x', 'Bad-Name')).toThrow(/not a Python package name/);
  });
});

describe('the project record', () => {
  const answers = { name: 'Demo', package: 'demo', consumer: 'people', freshness: 'daily', intake: null, delivery: 'csv', ci: 'github' } as const;

  it('round-trips, with files sorted and no time in it', () => {
    const dir = tempDir();
    const record = { format: recordFormat, generator: '0.1.0', templates: { name: 'steel-thread', version: '0.1.0' }, answers, files: { 'b.txt': `100644 ${'b'.repeat(40)}`, 'a.txt': `100755 ${'a'.repeat(40)}` } };
    const text = formatRecord(record);
    expect(text.indexOf('a.txt')).toBeLessThan(text.indexOf('b.txt'));
    fs.writeFileSync(path.join(dir, recordFileName), text);
    expect(readRecord(dir)).toEqual(record);
  });

  it('refuses a record from a newer generator or format, to protect the project', () => {
    const dir = tempDir();
    for (const [format, generator] of [[recordFormat + 1, '0.1.0'], [recordFormat, '99.0.0']] as const) {
      fs.writeFileSync(path.join(dir, recordFileName), formatRecord({ format, generator, templates: { name: 'steel-thread', version: generator }, answers, files: {} }));
      let caught: unknown;
      try {
        readRecord(dir);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UserError);
      expect((caught as UserError).exitCode).toBe(ExitCode.refused);
      expect((caught as UserError).message).toMatch(/newer than this steel-thread/);
    }
  });

  it('compares versions numerically', () => {
    expect(compareVersions('0.10.0', '0.9.9')).toBe(1);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
    expect(compareVersions('1.0.0-beta.1', '1.0.0')).toBe(-1);
    expect(compareVersions('1.2', '1.2.1')).toBe(-1);
  });
});

describe('small JSON inputs (answers files, the record)', () => {
  it('counts nesting outside strings only, and refuses past 16 levels before parsing', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(parseJsonInput(Buffer.from(nested(16)), 'x')).toBeDefined();
    expect(() => parseJsonInput(Buffer.from(nested(17)), 'x')).toThrow(/x: nested deeper than 16 levels/);
    expect(() => parseJsonInput(Buffer.from(nested(100_000)), 'x')).toThrow(/nested deeper/);
    expect(parseJsonInput(Buffer.from(JSON.stringify({ name: '[[[[[[[[[[[[[[[[[[[[\\"{{{{{{{{{{{{{{{{{{' })), 'x')).toEqual({ name: '[[[[[[[[[[[[[[[[[[[[\\"{{{{{{{{{{{{{{{{{{' });
  });

  it('skips a byte-order mark, refuses bytes that are not UTF-8, and keeps control characters out of messages', () => {
    expect(parseJsonInput(Buffer.from('\ufeff{"a": "b"}'), 'x')).toEqual({ a: 'b' });
    expect(() => parseJsonInput(Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]), 'x')).toThrow(/^x: not UTF-8 text$/);
    let message = '';
    try {
      parseJsonInput(Buffer.from('{"a": "\u0007\u001b[2J'), 'x');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^x: not valid JSON/);
    expect(message).not.toMatch(/[\u0000-\u001f]/);
  });
});
