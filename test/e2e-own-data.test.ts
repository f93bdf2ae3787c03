import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { inferData } from '../src/data/index.js';
import { generate, tempDir } from './support/cli.js';
import { findPython, make, newestPython, slow } from './support/python.js';

/**
 * Bring your own data, for real: scikit-learn's breast-cancer set (binary) and diabetes set
 * (regression), written to CSV (and Parquet) by scikit-learn itself from the data it ships, each
 * with an id column and one added categorical column. For every form, `new --data` gives a
 * project whose tests and thread pass on its synthetic sample, whose thread then trains and
 * delivers on the real file (the API form sends every real row to the real service), and in
 * which no real row is written.
 */

const forms = ['csv', 'table', 'api'];

/** A uv environment with scikit-learn, pandas and pyarrow from PyPI; its interpreter. */
async function datasetsPython(): Promise<string> {
  const venv = path.join(tempDir(), 'datasets');
  const env = { UV_PYTHON_DOWNLOADS: 'never', VIRTUAL_ENV: venv };
  await execa('uv', ['venv', '--quiet', '--python', await findPython(newestPython), venv], { env });
  await execa('uv', ['pip', 'install', '--quiet', 'scikit-learn', 'pandas', 'pyarrow'], { env });
  return path.join(venv, 'bin', 'python');
}

/** Writes `<name>.csv` (with the label), `<name>-scoring.csv` (without) and `<name>.parquet` into `dir`. */
const writeSets = `
import sys
from pathlib import Path
from sklearn.datasets import load_breast_cancer, load_diabetes
out = Path(sys.argv[1])
for name, load, entity in (("cancer", load_breast_cancer, "sample_id"), ("diabetes", load_diabetes, "patient_id")):
    frame = load(as_frame=True).frame
    frame.insert(0, entity, [f"{name[0].upper()}{i:05d}" for i in range(len(frame))])
    frame["clinic"] = [("north", "south", "east")[i % 3] for i in range(len(frame))]
    frame.to_csv(out / f"{name}.csv", index=False)
    frame.drop(columns="target").to_csv(out / f"{name}-scoring.csv", index=False)
    frame.to_parquet(out / f"{name}.parquet", index=False)
`;

let sets: string;
beforeAll(async () => {
  sets = tempDir();
  await execa(await datasetsPython(), ['-c', writeSets, sets]);
}, slow);

/** No CSV row in the project equals a real row on the columns they share. */
function expectNoRealRow(project: string, realFile: string): void {
  const read = (file: string) => {
    const [header = '', ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return { header: header.split(','), rows: lines.map((line) => line.split(',')) };
  };
  const real = read(realFile);
  const csvs = (fs.readdirSync(project, { recursive: true, encoding: 'utf8' }) as string[]).filter((rel) => rel.endsWith('.csv') && !rel.startsWith('.venv'));
  expect(csvs.length).toBeGreaterThan(0);
  for (const rel of csvs) {
    const sample = read(path.join(project, rel));
    const shared = sample.header.filter((name) => real.header.includes(name));
    const key = (header: string[], row: string[]) => shared.map((name) => row[header.indexOf(name)]).join('\u0000');
    const realKeys = new Set(real.rows.map((row) => key(real.header, row)));
    expect(sample.rows.filter((row) => realKeys.has(key(sample.header, row))), rel).toEqual([]);
  }
}

async function throughTheThread(form: string, set: string, label: string, extra: string[] = []): Promise<void> {
  const realFile = path.join(sets, `${set}.csv`);
  const project = await generate(tempDir(), set, ['--delivery', form, '--data', realFile, '--label', label, ...extra]);
  expectNoRealRow(project, realFile);
  const tests = await make(project, 'test');
  expect(tests.code, tests.output).toBe(0);
  const synthetic = await make(project, 'thread', { RUN_ID: 'synthetic' });
  expect(synthetic.code, synthetic.output).toBe(0);
  expect(synthetic.output).toContain('delivered 200 predictions');
  const real = await make(project, 'thread', { RUN_ID: 'real', TRAINING_DATA: realFile, SCORING_DATA: path.join(sets, `${set}-scoring.csv`) });
  expect(real.code, real.output).toBe(0);
  const rows = fs.readFileSync(realFile, 'utf8').trimEnd().split('\n').length - 1;
  expect(real.output).toContain(`delivered ${rows} predictions`);
}

describe('a binary label (breast cancer, 0/1)', () => {
  it('gives the same schema from the Parquet file as from the CSV', async () => {
    const fromCsv = await inferData(path.join(sets, 'cancer.csv'), { label: 'target' });
    const fromParquet = await inferData(path.join(sets, 'cancer.parquet'), { label: 'target' });
    expect(fromParquet.schema).toEqual(fromCsv.schema);
    expect(fromCsv.schema.fields.find((f) => f.name === 'clinic')?.constraints?.enum).toEqual(['east', 'north', 'south']);
  });

  it.each(forms)('a %s project passes its tests and thread on the sample, then delivers on the real file', (form) => throughTheThread(form, 'cancer', 'target'), slow);
});

describe('a numeric label (diabetes, regression)', () => {
  it.each(forms)('a %s project passes its tests and thread on the sample, then delivers on the real file', (form) => throughTheThread(form, 'diabetes', 'target'), slow);
});

describe('a binary label written as text (--positive)', () => {
  it.each(forms)('a %s project passes its tests and thread on the sample, then delivers on the real file', async (form) => {
    const original = fs.readFileSync(path.join(sets, 'cancer.csv'), 'utf8').trimEnd().split('\n');
    const text = [original[0], ...original.slice(1).map((line) => line.replace(/,([01]),(\w+)$/, (_m, label: string, clinic: string) => `,${label === '1' ? 'benign' : 'malignant'},${clinic}`))];
    fs.writeFileSync(path.join(sets, 'cancer-text.csv'), `${text.join('\n')}\n`);
    fs.copyFileSync(path.join(sets, 'cancer-scoring.csv'), path.join(sets, 'cancer-text-scoring.csv'));
    const data = await inferData(path.join(sets, 'cancer-text.csv'), { label: 'target', positive: 'malignant' });
    expect(data.schema.fields.at(-1)).toMatchObject({ type: 'boolean', trueValues: ['malignant'], falseValues: ['benign'] });
    await throughTheThread(form, 'cancer-text', 'target', ['--positive', 'malignant']);
  }, slow);
});
