import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { roundHalfEven } from '../../src/data/contracts.js';
import { inferData, type DataChoices, type OwnData } from '../../src/data/index.js';
import { widenRange } from '../../src/data/infer.js';
import { formatSchema } from '../../src/data/schema.js';
import { checkOwnData } from '../../src/data/stored.js';
import { synthesize } from '../../src/data/synthesize.js';
import { UserError } from '../../src/errors.js';
import { templatesDir, tempDir } from '../support/cli.js';

/** Inference, one decision at a time, on small files written here. */

function csv(rows: (string | number)[][]): string {
  const file = path.join(tempDir(), 'data.csv');
  fs.writeFileSync(file, `${rows.map((row) => row.join(',')).join('\n')}\n`);
  return file;
}

/** A file of `count` rows: an id, a label alternating yes/no, and the columns `extra` makes per row. */
function table(count: number, extra: Record<string, (i: number) => string | number> = {}): string {
  const names = Object.keys(extra);
  const rows: (string | number)[][] = [['customer_id', ...names, 'churned']];
  for (let i = 1; i <= count; i++) rows.push([`C${i}`, ...names.map((name) => (extra[name] as (i: number) => string | number)(i)), i % 3 === 0 ? 'yes' : 'no']);
  return csv(rows);
}

const infer = (file: string, choices: DataChoices = {}) => inferData(file, { label: 'churned', ...choices });
const column = (data: OwnData, name: string) => data.columns.find((c) => c.name === name);
const field = (data: OwnData, name: string) => data.schema.fields.find((f) => f.name === name);

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).exitCode).toBe(2);
  return (error as UserError).message;
}

describe('number columns', () => {
  it('widen the range by a tenth of the span and round it outward to a power of ten', () => {
    expect(widenRange(21, 81, true)).toEqual({ minimum: 10, maximum: 90 });
    expect(widenRange(0.52, 0.97, false)).toEqual({ minimum: 0.4, maximum: 1.1 });
    expect(widenRange(3, 7, true)).toEqual({ minimum: 2, maximum: 8 });
    expect(widenRange(-40, 40, false)).toEqual({ minimum: -50, maximum: 50 });
    // Never below 0 for a column with no negative value.
    expect(widenRange(0, 600, true)).toEqual({ minimum: 0, maximum: 700 });
  });

  it('are whole (integer) or not (number), with the widened range; the exact extremes are not written', async () => {
    const data = await infer(table(60, { age: (i) => 20 + i, spend: (i) => (i * 1.37).toFixed(2) }));
    expect(field(data, 'age')).toMatchObject({ type: 'integer', role: 'feature', constraints: { minimum: 10, maximum: 90 } });
    expect(field(data, 'spend')).toMatchObject({ type: 'number', constraints: { minimum: 0, maximum: 100 } });
    expect(formatSchema(data.schema)).not.toMatch(/\b(?:21|80|1\.37|82\.2)\b/);
  });

  it('spot placeholders standing apart (offered, or taken with --placeholders)', async () => {
    const file = table(60, { tenure: (i) => (i % 10 === 0 ? -1 : i), visits: (i) => (i % 7 === 0 ? 999 : i % 40) });
    const offered = await infer(file);
    expect(field(offered, 'tenure')?.placeholders).toBeUndefined();
    expect(field(offered, 'tenure')?.constraints?.minimum).toBeLessThanOrEqual(-1);
    expect(column(offered, 'tenure')?.note).toMatch(/-1 looks like a placeholder.*--placeholders/);
    const taken = await infer(file, { placeholders: true });
    expect(field(taken, 'tenure')).toMatchObject({ placeholders: [-1], constraints: { minimum: 0, maximum: 70 } });
    expect(field(taken, 'visits')).toMatchObject({ placeholders: [999], constraints: { minimum: 0, maximum: 50 } });
  });
});

describe('text columns', () => {
  it('with few codes are categories; codes in fewer than 10 rows are not listed but read as "other"', async () => {
    const data = await infer(table(100, { region: (i) => (i === 5 ? 'atlantis' : ['north', 'south', 'east'][i % 3] as string) }));
    expect(field(data, 'region')).toMatchObject({ type: 'string', constraints: { enum: ['east', 'north', 'south', 'other'] }, unlistedCodesAs: 'other' });
    expect(JSON.stringify(data)).not.toContain('atlantis');
    const plain = await infer(table(60, { region: (i) => ['north', 'south'][i % 2] as string }));
    expect(field(plain, 'region')).not.toHaveProperty('unlistedCodesAs');
  });

  it.each([
    ['constant columns', { country: () => 'uk' }, /constant/],
    ['free text', { notes: (i: number) => `called on day ${i} and left a message` }, /free text/],
    ['near-unique strings', { email: (i: number) => `person${i}@example.com` }, /near-unique/],
    ['dates, saying how to derive features', { joined: (i: number) => `2024-03-${String(1 + (i % 28)).padStart(2, '0')}` }, /a date: derive features/],
    ['too many codes', { town: (i: number) => `town${i % 60}` }, /too many codes/],
    ['columns mostly missing', { fax: (i: number) => (i % 4 === 0 ? String(i) : '') }, /mostly missing/],
    ['numbers mixed with text', { amount: (i: number) => (i === 7 ? 'n/a' : String(i)) }, /mostly numbers/],
  ])('leaves out %s, with the reason', async (_what, extra, reason) => {
    const data = await infer(table(600, { age: (i) => i % 90, ...extra }));
    const [name] = Object.keys(extra);
    expect(column(data, name as string)).toMatchObject({ use: 'ignored', note: expect.stringMatching(reason) });
    expect(field(data, name as string)).toBeUndefined();
  });
});

describe('the id', () => {
  it('is inferred when one column is an obvious id, and gives the words', async () => {
    const data = await infer(table(30, { age: (i) => i }));
    expect(data.schema.primaryKey).toBe('customer_id');
    expect(column(data, 'customer_id')?.use).toBe('id');
    expect(data.schema.words).toMatchObject({ entity: 'customer', entities: 'customers', score: 'predicted churned' });
  });

  it('is refused, naming the candidates, when more than one could be', async () => {
    const file = csv([['patient_id', 'visit_id', 'age', 'y'], ...Array.from({ length: 20 }, (_, i) => [`P${i}`, `V${i}`, i, i % 2])]);
    expect(await refusal(inferData(file, { label: 'y' }))).toMatch(/more than one column could be the id \(patient_id, visit_id\): pass --id/);
    expect((await inferData(file, { label: 'y', id: 'visit_id' })).schema.words.entity).toBe('visit');
  });

  it('is refused when the named column repeats or misses values', async () => {
    const file = table(30, { group: (i) => `G${i % 3}`, age: (i) => i });
    expect(await refusal(infer(file, { id: 'group' }))).toMatch(/--id group: it cannot be the id: its values repeat/);
  });
});

describe('the label', () => {
  it('written as text is a boolean with the obvious positive value, or --positive', async () => {
    const data = await infer(table(30, { age: (i) => i }));
    expect(field(data, 'churned')).toEqual(expect.objectContaining({ type: 'boolean', role: 'label', trueValues: ['yes'], falseValues: ['no'] }));
    const file = csv([['id', 'age', 'outcome'], ...Array.from({ length: 20 }, (_, i) => [`R${i}`, i, i % 2 ? 'won' : 'lost'])]);
    expect(await refusal(inferData(file, { label: 'outcome' }))).toMatch(/"lost" or "won": pass --positive/);
    expect(field(await inferData(file, { label: 'outcome', positive: 'won' }), 'outcome')).toMatchObject({ trueValues: ['won'], falseValues: ['lost'] });
    expect(await refusal(inferData(file, { label: 'outcome', positive: 'draw' }))).toMatch(/not "draw"/);
  });

  it('as 0/1 numbers is an integer enum', async () => {
    const file = csv([['id', 'age', 'bought'], ...Array.from({ length: 20 }, (_, i) => [`R${i}`, i, i % 2])]);
    expect(field(await inferData(file, { label: 'bought' }), 'bought')).toMatchObject({ type: 'integer', role: 'label', constraints: { enum: [0, 1] } });
  });

  it('as numbers with many values is a regression target with a widened range', async () => {
    const file = csv([['id', 'age', 'price'], ...Array.from({ length: 40 }, (_, i) => [`R${i}`, i, 100 + i * 7.5])]);
    const data = await inferData(file, { label: 'price' });
    expect(field(data, 'price')).toMatchObject({ type: 'number', role: 'label', constraints: { minimum: 0, maximum: 500 } });
    expect(data.schema.words.scoreDescription).toBe('the price predicted for the row');
  });

  it.each([
    ['one value', (i: number) => (i >= 0 ? 'yes' : 'no'), /one value only/],
    ['three text values', (i: number) => ['a', 'b', 'c'][i % 3] as string, /3 distinct text values.*supported: two values/],
    ['a few numbers', (i: number) => String(i % 4), /4 distinct numbers, too few for regression/],
    ['mostly missing', (i: number) => (i % 3 === 0 ? String(i % 2) : ''), /mostly missing/],
  ])('is refused with %s, naming what is supported', async (_what, value, message) => {
    const file = csv([['id', 'age', 'target'], ...Array.from({ length: 30 }, (_, i) => [`R${i}`, i, value(i)])]);
    expect(await refusal(inferData(file, { label: 'target' }))).toMatch(message);
  });

  it('must be named when no column is obviously it', async () => {
    const file = csv([['id', 'age', 'result'], ['a', 1, 0], ['b', 2, 1]]);
    expect(await refusal(inferData(file, {}))).toMatch(/missing --label: name the column to predict \(columns: id, age, result\)/);
  });
});

describe('pass-through columns', () => {
  it('are strings delivered beside the score, never features', async () => {
    const data = await infer(table(30, { age: (i) => i, phone: (i) => `+44 ${i}` }), { passThrough: ['phone'] });
    expect(field(data, 'phone')).toEqual({ name: 'phone', type: 'string', role: 'pass-through', description: 'delivered beside the score, never used by the model' });
    expect(await refusal(infer(table(30, { age: (i) => i }), { passThrough: ['nope'] }))).toMatch(/--pass-through nope: no such column/);
  });
});

describe('bad input: one clear message each, exit code 2', () => {
  const write = (content: string | Buffer) => {
    const file = path.join(tempDir(), 'bad.csv');
    fs.writeFileSync(file, content);
    return file;
  };
  it.each([
    ['a missing file', () => path.join(tempDir(), 'none.csv'), /no such file/],
    ['a folder', () => tempDir(), /not a file/],
    ['an empty file', () => write(''), /the file is empty/],
    ['a header alone', () => write('id,age,churned\n'), /a header but no rows/],
    ['one row', () => write('id,age,churned\na,1,yes\n'), /one row only/],
    ['a ragged file', () => write('id,age,churned\na,1,yes\nb,2\n'), /line 3 has another number of cells/],
    ['non-UTF-8 bytes', () => write(Buffer.from('id,age,churned\na,1,yes\nb,2,n\xe9\n', 'latin1')), /not UTF-8 text/],
    ['an empty column name', () => write('id,,churned\na,1,yes\nb,2,no\n'), /column 2 is empty/],
    ['a repeated column name', () => write('id,age,Age,churned\na,1,1,yes\nb,2,2,no\n'), /"Age" appears twice/],
    ['a quote in a name', () => write('id,"ag""e",churned\na,1,yes\nb,2,no\n'), /no safe form/],
    ['a line break in a name', () => write('id,"ag\ne",churned\na,1,yes\nb,2,no\n'), /control character or a line break/],
    ['braces in a name', () => write('id,{{age}},churned\na,1,yes\nb,2,no\n'), /holds \{\{ or \}\}/],
    ['a very long name', () => write(`id,${'a'.repeat(65)},churned\na,1,yes\nb,2,no\n`), /longer than 64/],
    ['a formula as a name', () => write('id,=cmd(),churned\na,1,yes\nb,2,no\n'), /no safe form/],
    ['no usable feature', () => write(`id,note,churned\n${Array.from({ length: 20 }, (_, i) => `r${i},x,${i % 2 ? 'yes' : 'no'}`).join('\n')}\n`), /no usable feature \(note: constant/],
    ['a used column with a delivery name', () => write(`id,score,churned\n${Array.from({ length: 20 }, (_, i) => `r${i},${i},${i % 2 ? 'yes' : 'no'}`).join('\n')}\n`), /"score" has a name the deliveries give/],
  ])('%s', async (_what, file, message) => {
    expect(await refusal(inferData(file(), { label: 'churned' }))).toMatch(message);
  });
});

describe('Parquet (a real file is read in the end-to-end test)', () => {
  it('that is broken is refused as such', async () => {
    const file = path.join(tempDir(), 'data.parquet');
    fs.writeFileSync(file, 'PAR1 not really');
    expect(await refusal(inferData(file, { label: 'churned' }))).toMatch(/not a readable Parquet file/);
  });
});

describe('the stored data and the synthetic sample', () => {
  it('read back from a record as written, and refuse a hostile edit', async () => {
    const data = await infer(table(60, { age: (i) => i, region: (i) => ['n', 's'][i % 2] as string }));
    expect(checkOwnData(JSON.parse(JSON.stringify(data)))).toEqual(data);
    const hostile = JSON.parse(JSON.stringify(data)) as OwnData;
    (hostile.schema.fields[1] as { name: string }).name = 'age\n{{x}}';
    expect(() => checkOwnData(hostile)).toThrow(/schema.fields\[1\].name/);
  });

  it('is deterministic, in the shipped layout, and the planted relation holds', async () => {
    const data = await infer(table(60, { age: (i) => i, region: (i) => ['n', 's'][i % 2] as string }));
    expect(synthesize(data.schema)).toEqual(synthesize(data.schema));
    const { training, scoring } = synthesize(data.schema);
    expect(training.split('\n')).toHaveLength(1002);
    expect(scoring.split('\n')[0]).toBe('customer_id,age,region');
    // Young customers churn more often than old ones in the sample (the first number pushes hardest).
    const rows = training.trim().split('\n').slice(1).map((line) => line.split(','));
    const rate = (young: boolean) => {
      const group = rows.filter((r) => (Number(r[1]) < 35) === young);
      return group.filter((r) => r[3] === 'yes').length / group.length;
    };
    expect(Math.abs(rate(true) - rate(false))).toBeGreaterThan(0.3);
    const shipped = fs.readFileSync(path.join(templatesDir, 'base', 'contract', 'schema.json'), 'utf8');
    expect(formatSchema(data.schema).split('\n').slice(0, 3)).toEqual(shipped.split('\n').slice(0, 3));
  });

  it('rounds as Python does', () => {
    expect([roundHalfEven(2.5), roundHalfEven(3.5), roundHalfEven(0.075, 2), roundHalfEven(0.125, 2), roundHalfEven(-1.5)]).toEqual([2, 4, 0.07, 0.12, -2]);
  });
});
