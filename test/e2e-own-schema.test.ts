import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, tempDir } from './support/cli.js';
import { make } from './support/python.js';

/**
 * A team swaps the sample for its own data: it edits contract/schema.json and the two sample
 * files, runs `make contract`, and nothing else. The project's tests must pass as they are,
 * with no column of the shipped sample left anywhere they look.
 */
const schema = {
  words: { entity: 'patient', entities: 'patients', score: 'risk of readmission', scoreDescription: 'how likely the patient is to be readmitted, from 0 to 1' },
  primaryKey: 'patient_ref',
  fields: [
    { name: 'patient_ref', type: 'string', role: 'id', description: 'the patient', constraints: { required: true, unique: true, maxLength: 64 } },
    { name: 'stay_days', type: 'integer', role: 'feature', description: 'days in hospital', constraints: { minimum: 0, maximum: 365 }, placeholders: [-1] },
    { name: 'blood_pressure', type: 'number', role: 'feature', description: 'systolic, mmHg', constraints: { minimum: 60, maximum: 250 } },
    { name: 'prior_visits', type: 'integer', role: 'feature', description: 'visits in the last year', constraints: { minimum: 0, maximum: 50 } },
    { name: 'ward', type: 'string', role: 'feature', description: 'the ward', constraints: { enum: ['cardio', 'ortho', 'neuro'] } },
    { name: 'ward_phone', type: 'string', role: 'pass-through', description: 'whom to call' },
    { name: 'readmitted', type: 'integer', role: 'label', description: '1 if readmitted within 30 days', constraints: { enum: [0, 1] } },
  ],
};

/** Deterministic rows with a planted relation (long stays and many visits are readmitted). */
function rows(count: number, labelled: boolean, first: number): string {
  const wards = ['cardio', 'ortho', 'neuro'];
  const header = ['patient_ref', 'stay_days', 'blood_pressure', 'prior_visits', 'ward', 'ward_phone', ...(labelled ? ['readmitted'] : [])];
  const lines = [header.join(',')];
  for (let i = first; i < first + count; i++) {
    const stay = (i * 7) % 40;
    const pressure = (100 + ((i * 13) % 90)).toFixed(1);
    const visits = (i * 3) % 12;
    const label = stay + 2 * visits + ((i * 5) % 11) > 35 ? 1 : 0;
    lines.push([`P${i}`, stay, pressure, visits, wards[i % 3], `+44 ${i}`, ...(labelled ? [label] : [])].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe.each(['csv', 'table', 'api'])('a %s project around a team’s own schema', (form) => {
  it('passes its tests after editing only the schema and the data, then make contract', async () => {
    const project = await generate(tempDir(), 'ward', ['--delivery', form]);
    fs.writeFileSync(path.join(project, 'contract', 'schema.json'), `${JSON.stringify(schema, null, 2)}\n`);
    fs.writeFileSync(path.join(project, 'data', 'sample', 'training.csv'), rows(600, true, 1));
    fs.writeFileSync(path.join(project, 'data', 'sample', 'scoring.csv'), rows(120, false, 5001));
    const contract = await make(project, 'contract');
    expect(contract.code, contract.output).toBe(0);
    const tests = await make(project, 'test');
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toMatch(/\d+ passed/);
    const thread = await make(project, 'thread', { RUN_ID: 'own' });
    expect(thread.code, thread.output).toBe(0);
    expect(thread.output).toContain('delivered 120 predictions');
    for (const file of fs.readdirSync(path.join(project, 'contract'))) {
      expect(fs.readFileSync(path.join(project, 'contract', file), 'utf8'), file).not.toMatch(/customer|region|propensity/i);
    }
  });
});
