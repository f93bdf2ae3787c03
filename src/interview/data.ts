import { decideData, scanFile, sayDecisions, type DataChoices, type OwnData, type ScannedFile } from '../data/index.js';
import { isZeroOne, obviousPositive } from '../data/infer.js';
import { fieldsOf, labelOf } from '../data/schema.js';
import { ask, type InterviewMode } from './index.js';

/**
 * The team's own data in the interview: on a terminal, `new` asks for a sample file (optional)
 * and offers what inference found (the label, the id, a text label's positive class, columns to
 * pass through, spotted placeholders); flags answer each question; without a terminal, a choice
 * inference cannot make is an error naming its flag.
 */

export interface DataRequest {
  file: string | undefined;
  choices: DataChoices;
}


/** The choices still open, asked on a terminal (the inferred answer preselected). */
async function askChoices(scanned: ScannedFile, given: DataChoices): Promise<DataChoices> {
  const { candidates } = scanned;
  const choices: DataChoices = { ...given };
  const columnChoices = (names: string[]) => names.map((name) => ({ title: name, value: name }));
  if (choices.label === undefined) {
    const guess = candidates.labels.length === 1 ? candidates.columns.indexOf(candidates.labels[0] as string) : 0;
    choices.label = await ask<string>({ type: 'select', name: 'label', message: 'The column to predict (the label)', choices: columnChoices(candidates.columns), initial: Math.max(0, guess) });
  }
  const ids = candidates.ids.filter((name) => name !== choices.label);
  if (choices.id === undefined && ids.length !== 1) {
    const offered = ids.length > 0 ? ids : candidates.columns.filter((name) => name !== choices.label);
    choices.id = await ask<string>({ type: 'select', name: 'id', message: 'The id of each row (unique, in every row)', choices: columnChoices(offered), initial: 0 });
  }
  const values = candidates.labelValues(choices.label);
  if (choices.positive === undefined && values && !isZeroOne(values) && obviousPositive(values) === undefined) {
    choices.positive = await ask<string>({ type: 'select', name: 'positive', message: `Which value of ${choices.label} does the model predict?`, choices: columnChoices(values), initial: 0 });
  }
  if (choices.passThrough === undefined) {
    const others = candidates.columns.filter((name) => name !== choices.label && name !== (choices.id ?? ids[0]));
    choices.passThrough = await ask<string[]>({
      type: 'multiselect',
      name: 'passThrough',
      message: 'Columns to deliver beside the score, never used by the model (space to pick, Enter when done)',
      choices: columnChoices(others),
      instructions: false,
    });
  }
  const spotted = candidates.placeholders.filter((p) => !(choices.passThrough ?? []).includes(p.name));
  if (choices.placeholders === undefined && spotted.length > 0) {
    const list = spotted.map((p) => `${p.name}: ${p.values.join(', ')}`).join('; ');
    choices.placeholders = await ask<boolean>({ type: 'confirm', name: 'placeholders', message: `These look like placeholders meaning unknown (${list}): treat them so?`, initial: true });
  }
  return choices;
}

/**
 * The team's data for `new`: from --data, or asked for on a terminal; undefined for the
 * shipped sample. The file is read once, whatever is asked after.
 */
export async function askData(request: DataRequest, mode: InterviewMode): Promise<OwnData | undefined> {
  let file = request.file;
  if (file === undefined && mode.interactive && !mode.yes) {
    const answer = await ask<string>({ type: 'text', name: 'data', message: 'A sample of your data to build around, CSV or Parquet (Enter: the shipped example)', initial: '' });
    file = answer.trim() || undefined;
  }
  if (file === undefined) return undefined;
  const scanned = await scanFile(file);
  const choices = mode.interactive && !mode.yes ? await askChoices(scanned, request.choices) : request.choices;
  const data = decideData(scanned, choices);
  sayDecisions(data);
  return data;
}

/** The choices a project made from data was made with, for `update --data` to keep. */
export function storedChoices(data: OwnData | undefined): DataChoices {
  if (!data) return {};
  const { fields, primaryKey } = data.schema;
  const label = labelOf(data.schema);
  const passThrough = fieldsOf(data.schema, 'pass-through').map((f) => f.name);
  return {
    id: primaryKey,
    ...(label ? { label: label.name } : {}),
    ...(label?.trueValues?.[0] !== undefined ? { positive: label.trueValues[0] } : {}),
    ...(passThrough.length > 0 ? { passThrough } : {}),
    ...(fields.some((f) => f.placeholders) ? { placeholders: true } : {}),
  };
}
