import { UserError } from '../errors.js';
import { dataSource } from './read.js';
import { placeholderCandidates, type ColumnStats, type Scan } from './scan.js';
import { codeProblem, nameProblem, reservedNames, type SchemaField, type TableSchema, type Words } from './schema.js';

/**
 * The decisions, per column, from one scan of the team's file: what each column becomes in the
 * schema (id, feature, label, pass-through) or why it is left out. Pure: the same scan and the
 * same choices give the same schema. The rules and their numbers are documented in
 * docs/design.md ("Bring your own data"); each constant below is one of them.
 */

/** A category lists at most this many codes; more, and the column is left out. */
const maxCodes = 50;
/** A code seen in fewer rows than this is not listed (privacy): it is read as `otherCode`. */
const rareRows = 10;
const otherCode = 'other';
/** A column missing more than this share of its values is left out (a label so: refused). */
const mostlyMissing = 0.5;
/** A text column with at least this share of distinct values is near-unique (names, keys). */
const nearUnique = 0.5;
/** A numeric label needs at least this many distinct values to be a regression target. */
const regressionValues = 10;
/** The longest id the data checks accept (the schema's maxLength). */
const maxIdLength = 64;
/** Values a text label's positive class is, when no --positive says (case aside). */
const obviousPositives = ['yes', 'true', 'y', 't', '1', 'positive', 'pos'];

/** A label's two values are 0 and 1 (spaces around allowed): 1 is the positive class. */
export const isZeroOne = (values: string[]) => values.every((v) => /^\s*[01]\s*$/.test(v)) && new Set(values.map((v) => v.trim())).size === 2;

/** The one of a label's two text values that plainly means "yes", if exactly one does. */
export function obviousPositive(values: string[]): string | undefined {
  const obvious = values.filter((v) => obviousPositives.includes(v.trim().toLowerCase()));
  return obvious.length === 1 ? obvious[0] : undefined;
}
const idNamePattern = /(?:^|[\s_.-])(?:id|key|ref|uuid|guid|no|nr|number)$|[a-z](?:Id|ID|Key|Ref|No)$|^(?:id|key|ref|uuid|guid|index)$/;

export interface DataChoices {
  label?: string;
  id?: string;
  positive?: string;
  passThrough?: string[];
  /** Take the placeholder values spotted in number columns as placeholders. */
  placeholders?: boolean;
}

/** What became of one column of the file, in the words the decision record prints. */
export interface ColumnDecision {
  name: string;
  use: 'id' | 'feature' | 'label' | 'pass-through' | 'ignored';
  note: string;
}

/** The team's data as the project keeps it (in its record): the schema and every decision. */
export interface OwnData {
  /** The file's name (never its folder), for the decision record. */
  file: string;
  rows: number;
  schema: TableSchema;
  columns: ColumnDecision[];
}

/** What the interview may offer before deciding: the candidates inference sees. */
export interface Candidates {
  columns: string[];
  labels: string[];
  ids: string[];
  /** For a two-valued text label: its two values (codes, so never a rare value). */
  labelValues: (label: string) => string[] | undefined;
  placeholders: { name: string; values: number[] }[];
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
const tidy = (value: number) => Number(value.toPrecision(12));

/**
 * A range from the data, widened and rounded outward so that the exact extremes of real rows
 * are not written down: widened by a tenth of its span on each side (never below 0 when no
 * value was), then rounded outward to the power of ten at most the span.
 */
export function widenRange(low: number, high: number, whole: boolean): { minimum: number; maximum: number } {
  const span = high - low;
  if (span <= 0) return { minimum: low, maximum: high };
  let lo = low - span / 10;
  let hi = high + span / 10;
  if (low >= 0) lo = Math.max(lo, 0);
  const step = 10 ** Math.floor(Math.log10(span));
  lo = tidy(Math.floor(tidy(lo / step)) * step);
  hi = tidy(Math.ceil(tidy(hi / step)) * step);
  return whole ? { minimum: Math.floor(lo), maximum: Math.ceil(hi) } : { minimum: lo, maximum: hi };
}

/** Placeholder candidates standing apart from the column's other values: -1 under values never negative, 999 over values at most half of it. */
function spottedPlaceholders(stats: ColumnStats): number[] {
  if (!Number.isFinite(stats.low)) return [];
  return placeholderCandidates.filter((value) => (stats.candidates.get(value) ?? 0) > 0 && (value < 0 ? stats.low >= 0 : stats.high <= value / 2));
}

const isNumberColumn = (stats: ColumnStats) => stats.present > 0 && stats.numeric === stats.present;
const distinctCount = (stats: ColumnStats) => stats.values?.size ?? Math.round(stats.distinct.estimate());
const looksUnique = (stats: ColumnStats) => (stats.values ? stats.values.size === stats.present : stats.distinct.estimate() >= 0.97 * stats.present);

function idProblem(stats: ColumnStats): string | undefined {
  if (stats.missing > 0) return `${plural(stats.missing, 'row')} ${stats.missing === 1 ? 'has' : 'have'} no value in it`;
  if (stats.longest > maxIdLength) return `it holds values longer than ${maxIdLength} characters`;
  if (!looksUnique(stats)) return 'its values repeat';
  if (isNumberColumn(stats) && stats.whole < stats.numeric) return 'it holds numbers that are not whole';
  return undefined;
}

/** Refuses the whole file over a name with no safe form, or names that repeat (case aside: SQLite's columns ignore case). */
export function checkColumnNames(columns: string[], file: string): void {
  const seen = new Map<string, string>();
  columns.forEach((name, index) => {
    const problem = nameProblem(name);
    if (problem) throw new UserError(`${dataSource(file)}: column ${index + 1} ${name === '' ? '' : `${JSON.stringify(name.slice(0, 80))} `}${problem}: rename it in the file`);
    const key = name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new UserError(`${dataSource(file)}: the column name ${JSON.stringify(name)} appears twice${earlier === name ? '' : ` (as ${JSON.stringify(earlier)}; names differing only in case clash in a database)`}: rename one`);
    seen.set(key, name);
  });
}

export function candidates(scan: Scan): Candidates {
  const named = (stats: ColumnStats) => idNamePattern.test(stats.name);
  const ids = scan.columns.filter((c) => idProblem(c) === undefined && !(isNumberColumn(c) && !named(c) && c.whole < c.numeric));
  const namedIds = ids.filter(named);
  const labelNames = /^(?:label|target|y|outcome|class|churn(?:ed)?|response)$/i;
  return {
    columns: scan.columns.map((c) => c.name),
    labels: scan.columns.filter((c) => labelNames.test(c.name)).map((c) => c.name),
    ids: (namedIds.length > 0 ? namedIds : ids).map((c) => c.name),
    labelValues: (label) => {
      const stats = scan.columns.find((c) => c.name === label);
      return stats?.values?.size === 2 ? [...stats.values.keys()].sort() : undefined;
    },
    placeholders: scan.columns.filter(isNumberColumn).map((c) => ({ name: c.name, values: spottedPlaceholders(c) })).filter((p) => p.values.length > 0),
  };
}

/* Words the consumer sees, from the column names: patient_id → "patient", "patients". */

function humanWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[\s_.\-()/%#&+:]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

function pluralOf(word: string): string {
  if (/(?:s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

function wordsFor(id: string, label: SchemaField, task: 'binary' | 'regression'): Words {
  const idWords = humanWords(id);
  const last = idWords[idWords.length - 1];
  if (idWords.length > 1 && last && /^(?:id|key|ref|uuid|guid|no|nr|number|code)$/.test(last)) idWords.pop();
  const entity = idWords.length > 0 && !/^(?:id|key|ref|uuid|guid|index|no|nr|number|code)$/.test(idWords.join(' ')) ? idWords.join(' ') : 'row';
  const labelText = humanWords(label.name).join(' ') || label.name;
  const entities = [...entity.split(' ').slice(0, -1), pluralOf(entity.split(' ').pop() ?? entity)].join(' ');
  if (task === 'regression') {
    return { entity, entities, score: `predicted ${labelText}`, scoreDescription: `the ${labelText} predicted for the ${entity}` };
  }
  const positive = label.trueValues?.[0] ?? '1';
  return { entity, entities, score: `predicted ${labelText}`, scoreDescription: `how likely ${labelText} is ${positive} for the ${entity}, from 0 (least) to 1 (most)` };
}

/* The decisions. */

function decideLabel(stats: ColumnStats, positive: string | undefined, file: string): { field: SchemaField; note: string; task: 'binary' | 'regression' } {
  const supported = 'supported: two values (binary classification) or numbers with many values (regression)';
  const refuse = (why: string): never => {
    throw new UserError(`${dataSource(file)}: the label ${JSON.stringify(stats.name)} ${why} (${supported})`);
  };
  if (stats.present === 0 || stats.missing / (stats.present + stats.missing) > mostlyMissing) refuse(`is mostly missing (${plural(stats.missing, 'row')} of ${stats.present + stats.missing} have no value)`);
  const missingNote = stats.missing > 0 ? `; ${plural(stats.missing, 'row')} have no label: the data checks refuse them, so drop them from the training file` : '';
  const count = distinctCount(stats);
  if (count === 1) refuse('has one value only: there is nothing to predict');
  if (count === 2 && stats.values) {
    const values = [...stats.values.keys()].sort();
    const problem = values.map(codeProblem).find(Boolean);
    if (problem) refuse(`has a value that ${problem}`);
    if (isZeroOne(values)) {
      if (positive !== undefined && positive.trim() !== '1') throw new UserError(`--positive ${positive}: the label ${JSON.stringify(stats.name)} is 0 or 1, and 1 is the positive class`);
      const field: SchemaField = { name: stats.name, type: 'integer', role: 'label', description: '1 or 0 as in the data: the model predicts how likely 1 is', constraints: { enum: [0, 1] } };
      return { field, note: `binary label, 0 or 1${missingNote}`, task: 'binary' };
    }
    const chosen = positive ?? obviousPositive(values);
    if (chosen === undefined) throw new UserError(`${dataSource(file)}: the label ${JSON.stringify(stats.name)} is ${values.map((v) => JSON.stringify(v)).join(' or ')}: pass --positive with the one the model predicts`);
    if (!values.includes(chosen)) throw new UserError(`--positive ${chosen}: the label ${JSON.stringify(stats.name)} is ${values.map((v) => JSON.stringify(v)).join(' or ')}, not ${JSON.stringify(chosen)}`);
    const negative = values.find((v) => v !== chosen) as string;
    const field: SchemaField = {
      name: stats.name,
      type: 'boolean',
      role: 'label',
      description: `${chosen} or ${negative} as in the data: the model predicts how likely ${chosen} is`,
      trueValues: [chosen],
      falseValues: [negative],
    };
    return { field, note: `binary label, ${chosen} (positive) or ${negative}${missingNote}`, task: 'binary' };
  }
  if (positive !== undefined) throw new UserError(`--positive ${positive}: the label ${JSON.stringify(stats.name)} does not have two values, so there is no positive class to name`);
  if (isNumberColumn(stats) && count >= regressionValues) {
    const range = widenRange(Math.min(stats.low, ...candidatesSeen(stats)), Math.max(stats.high, ...candidatesSeen(stats)), false);
    const field: SchemaField = { name: stats.name, type: 'number', role: 'label', description: 'the number to predict, as in the data', constraints: range };
    return { field, note: `regression label, range ${range.minimum} to ${range.maximum} (widened and rounded)${missingNote}`, task: 'regression' };
  }
  return refuse(isNumberColumn(stats) ? `has ${count} distinct numbers, too few for regression (at least ${regressionValues})` : `has ${count > 2000 ? 'thousands of' : count} distinct text values`);
}

const candidatesSeen = (stats: ColumnStats) => [...stats.candidates.keys()];

function decideNumber(stats: ColumnStats, acceptPlaceholders: boolean): { field?: SchemaField; note: string } {
  const spotted = spottedPlaceholders(stats);
  const taken = acceptPlaceholders ? spotted : [];
  const real = candidatesSeen(stats).filter((value) => !taken.includes(value));
  const low = Math.min(stats.low, ...real);
  const high = Math.max(stats.high, ...real);
  if (!(high > low)) return { note: 'constant: one value in every row' };
  const whole = stats.whole === stats.numeric;
  const range = widenRange(low, high, whole);
  const field: SchemaField = {
    name: stats.name,
    type: whole ? 'integer' : 'number',
    role: 'feature',
    description: `${whole ? 'a whole number' : 'a number'} from the data`,
    constraints: range,
    ...(taken.length > 0 ? { placeholders: taken } : {}),
  };
  const notes = [`${whole ? 'whole numbers' : 'numbers'}, range ${range.minimum} to ${range.maximum} (widened and rounded)`];
  if (taken.length > 0) notes.push(`placeholders ${taken.join(', ')} (meaning unknown: the data checks refuse them)`);
  else if (spotted.length > 0) notes.push(`${spotted.join(', ')} look${spotted.length === 1 ? 's' : ''} like a placeholder for unknown: kept in the range; take ${spotted.length === 1 ? 'it' : 'them'} as placeholders with --placeholders`);
  return { field, note: notes.join('; ') };
}

function decideText(stats: ColumnStats): { field?: SchemaField; note: string } {
  const count = distinctCount(stats);
  if (stats.dates >= 0.95 * stats.present) {
    return { note: 'a date: derive features from it in the data (days since it, its weekday or month, as number columns), then run update --data' };
  }
  if (count === 1) return { note: 'constant: one value in every row' };
  if (stats.numeric >= 0.9 * stats.present) {
    return { note: `mostly numbers, but ${plural(stats.present - stats.numeric, 'cell')} hold text: clean them (leave a missing value empty)` };
  }
  const frequent = stats.values ? [...stats.values].filter(([, n]) => n >= rareRows) : undefined;
  if (count > maxCodes && (stats.spaced >= 0.5 * stats.present || stats.totalLength / stats.present > 40)) return { note: 'free text: a model of this skeleton reads numbers and codes' };
  if (count > maxCodes && count >= nearUnique * stats.present) return { note: `near-unique text (${count > 2000 ? 'thousands of' : `${count}`} distinct values): a name or a key, no category` };
  if (!frequent || frequent.length > maxCodes) return { note: `too many codes (more than ${maxCodes} seen in at least ${rareRows} rows each)` };
  if (frequent.length === 0) return { note: `every code is seen in fewer than ${rareRows} rows: too rare to list` };
  const problem = frequent.map(([code]) => [code, codeProblem(code)] as const).find(([, p]) => p);
  if (problem) return { note: `a code ${problem[1]}: no safe form in every file it lands in` };
  const codes = frequent.map(([code]) => code).sort();
  const rare = (stats.values as Map<string, number>).size - frequent.length;
  const field: SchemaField = {
    name: stats.name,
    type: 'string',
    role: 'feature',
    description: 'a category from the data',
    constraints: { enum: rare > 0 && !codes.includes(otherCode) ? [...codes, otherCode] : codes },
    ...(rare > 0 ? { unlistedCodesAs: otherCode } : {}),
  };
  const rareNote = rare > 0 ? `; ${plural(rare, 'rarer code')} (each in fewer than ${rareRows} rows) not listed: read as "${otherCode}"` : '';
  return { field, note: `category, ${plural(codes.length, 'code')}${rareNote}` };
}

/**
 * The schema and the decision for every column, from the scan and the team's choices. A label,
 * id or pass-through named that is not a column, an id that is no id, or no usable feature:
 * each a UserError that says what to pass.
 */
export function decide(scan: Scan, choices: DataChoices, file: string, found = candidates(scan)): OwnData {
  const { columns, rows } = scan;
  const source = dataSource(file);
  if (rows === 0) throw new UserError(`${source}: the file has a header but no rows`);
  if (rows < 2) throw new UserError(`${source}: the file has one row only: a schema needs more to tell columns apart`);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const column = (name: string, flag: string) => {
    const stats = byName.get(name);
    if (!stats) throw new UserError(`${flag} ${name}: no such column in ${file} (columns: ${found.columns.join(', ')})`);
    return stats;
  };

  const labelName = choices.label ?? (found.labels.length === 1 ? found.labels[0] : undefined);
  if (labelName === undefined) throw new UserError(`missing --label: name the column to predict (columns: ${found.columns.join(', ')})`);
  const labelStats = column(labelName, '--label');
  const passThrough = [...new Set(choices.passThrough ?? [])];
  passThrough.forEach((name) => column(name, '--pass-through'));
  if (passThrough.includes(labelName)) throw new UserError(`--pass-through ${labelName}: that is the label, which the consumer never gets`);

  let idName = choices.id;
  if (idName === undefined) {
    const ids = found.ids.filter((name) => name !== labelName && !passThrough.includes(name));
    if (ids.length !== 1) {
      throw new UserError(
        ids.length === 0
          ? `${source}: no column can be the id (a value in every row, unique, at most ${maxIdLength} characters): add one, or pass --id COL`
          : `${source}: more than one column could be the id (${ids.join(', ')}): pass --id with one of them`,
      );
    }
    idName = ids[0] as string;
  }
  const idStats = column(idName, '--id');
  if (idName === labelName) throw new UserError(`--id ${idName}: that is the label`);
  if (passThrough.includes(idName)) throw new UserError(`--pass-through ${idName}: that is the id, which every delivery carries already`);
  const notId = idProblem(idStats);
  if (notId) throw new UserError(`--id ${idName}: it cannot be the id: ${notId}`);

  const label = decideLabel(labelStats, choices.positive, file);
  const decisions: ColumnDecision[] = [];
  const fields: SchemaField[] = [];
  const idField: SchemaField = { name: idName, type: 'string', role: 'id', description: '', constraints: { required: true, unique: true, maxLength: maxIdLength } };
  for (const stats of columns) {
    if (stats.name === idName) {
      decisions.push({ name: stats.name, use: 'id', note: 'the id: unique, in every row (values synthetic in the sample)' });
      continue;
    }
    if (stats.name === labelName) {
      decisions.push({ name: stats.name, use: 'label', note: label.note });
      continue;
    }
    if (passThrough.includes(stats.name)) {
      fields.push({ name: stats.name, type: 'string', role: 'pass-through', description: 'delivered beside the score, never used by the model' });
      decisions.push({ name: stats.name, use: 'pass-through', note: 'delivered beside the score, never a feature (values synthetic in the sample)' });
      continue;
    }
    const total = stats.present + stats.missing;
    if (stats.missing / total > mostlyMissing) {
      decisions.push({ name: stats.name, use: 'ignored', note: `mostly missing (${plural(stats.missing, 'row')} of ${total} have no value)` });
      continue;
    }
    const decided = isNumberColumn(stats) ? decideNumber(stats, Boolean(choices.placeholders)) : decideText(stats);
    if (!decided.field) {
      decisions.push({ name: stats.name, use: 'ignored', note: decided.note });
      continue;
    }
    const missing = stats.missing > 0 ? `; ${plural(stats.missing, 'row')} have no value: the data checks refuse a missing value, so fill them before pointing TRAINING_DATA at the file` : '';
    fields.push(decided.field);
    decisions.push({ name: stats.name, use: 'feature', note: `${decided.note}${missing}` });
  }
  if (!fields.some((f) => f.role === 'feature')) {
    const why = decisions.filter((d) => d.use === 'ignored').map((d) => `${d.name}: ${d.note}`);
    throw new UserError(`${source}: no usable feature${why.length > 0 ? ` (${why.join('; ')})` : ' (the file holds only the id and the label)'}`);
  }
  for (const used of [idField, ...fields]) {
    if (reservedNames.includes(used.name.toLowerCase())) {
      throw new UserError(`${source}: the column ${JSON.stringify(used.name)} has a name the deliveries give their own columns (${reservedNames.join(', ')}): rename it in the file`);
    }
  }
  const words = wordsFor(idName, label.field, label.task);
  idField.description = `the ${words.entity}, as in the input data`;
  return {
    file,
    rows,
    schema: { words, primaryKey: idName, fields: [idField, ...fields, label.field] },
    columns: decisions,
  };
}
