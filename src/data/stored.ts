import type { ColumnDecision, OwnData } from './infer.js';
import { codeProblem, nameProblem, type Constraints, type SchemaField, type TableSchema, type Words } from './schema.js';

/**
 * The team's data as the project record keeps it (answers.data), read back as input: a hand
 * edit or a hostile commit can put anything there, so every value is checked as inference
 * would have made it, and the result is rebuilt from checked values alone. A problem throws
 * an Error whose message says which value; the record reader names the record around it.
 */

const plainText = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/u;
const types = ['string', 'integer', 'number', 'boolean'] as const;
const roles = ['id', 'feature', 'label', 'pass-through'] as const;
const uses = ['id', 'feature', 'label', 'pass-through', 'ignored'] as const;

function text(value: unknown, what: string, max = 500): string {
  if (typeof value !== 'string' || value.length > max || !plainText.test(value)) throw new Error(`${what} is not plain text of at most ${max} characters`);
  return value;
}

function name(value: unknown, what: string): string {
  const problem = typeof value === 'string' ? nameProblem(value) : 'is not a string';
  if (problem) throw new Error(`${what} ${problem}`);
  return value as string;
}

function code(value: unknown, what: string): string {
  const problem = typeof value === 'string' ? codeProblem(value) : 'is not a string';
  if (problem) throw new Error(`${what} ${problem}`);
  return value as string;
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${what} is not a number`);
  return value;
}

function oneOf<T extends string>(value: unknown, choices: readonly T[], what: string): T {
  if (!choices.includes(value as T)) throw new Error(`${what} is not one of ${choices.join(', ')}`);
  return value as T;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(value) || value.length > max) throw new Error(`${what} is not a list of at most ${max}`);
  return value;
}

function constraints(raw: unknown, what: string): Constraints {
  const given = object(raw, what);
  const checked: Constraints = {};
  if (given.required !== undefined) checked.required = given.required === true;
  if (given.unique !== undefined) checked.unique = given.unique === true;
  if (given.maxLength !== undefined) checked.maxLength = finite(given.maxLength, `${what}.maxLength`);
  if (given.minimum !== undefined) checked.minimum = finite(given.minimum, `${what}.minimum`);
  if (given.maximum !== undefined) checked.maximum = finite(given.maximum, `${what}.maximum`);
  if (given.enum !== undefined) {
    checked.enum = list(given.enum, `${what}.enum`, 1000).map((c, i) => (typeof c === 'number' ? finite(c, `${what}.enum[${i}]`) : code(c, `${what}.enum[${i}]`)));
  }
  return checked;
}

function field(raw: unknown, index: number): SchemaField {
  const what = `schema.fields[${index}]`;
  const given = object(raw, what);
  const checked: SchemaField = {
    name: name(given.name, `${what}.name`),
    type: oneOf(given.type, types, `${what}.type`),
    role: oneOf(given.role, roles, `${what}.role`),
    description: text(given.description, `${what}.description`),
  };
  if (given.trueValues !== undefined) checked.trueValues = list(given.trueValues, `${what}.trueValues`, 1).map((v) => code(v, `${what}.trueValues`));
  if (given.falseValues !== undefined) checked.falseValues = list(given.falseValues, `${what}.falseValues`, 1).map((v) => code(v, `${what}.falseValues`));
  if (given.constraints !== undefined) checked.constraints = constraints(given.constraints, `${what}.constraints`);
  if (given.unlistedCodesAs !== undefined) checked.unlistedCodesAs = code(given.unlistedCodesAs, `${what}.unlistedCodesAs`);
  if (given.placeholders !== undefined) checked.placeholders = list(given.placeholders, `${what}.placeholders`, 20).map((v) => finite(v, `${what}.placeholders`));
  return checked;
}

function schema(raw: unknown): TableSchema {
  const given = object(raw, 'schema');
  const words = object(given.words, 'schema.words');
  const checkedWords: Words = {
    entity: text(words.entity, 'schema.words.entity', 100),
    entities: text(words.entities, 'schema.words.entities', 100),
    score: text(words.score, 'schema.words.score', 200),
    scoreDescription: text(words.scoreDescription, 'schema.words.scoreDescription'),
  };
  const fields = list(given.fields, 'schema.fields', 2000).map(field);
  const primaryKey = name(given.primaryKey, 'schema.primaryKey');
  const count = (role: SchemaField['role']) => fields.filter((f) => f.role === role).length;
  if (count('id') !== 1 || fields.find((f) => f.role === 'id')?.name !== primaryKey) throw new Error('schema needs one id field, named by primaryKey');
  if (count('label') !== 1 || count('feature') === 0) throw new Error('schema needs one label and at least one feature');
  if (new Set(fields.map((f) => f.name.toLowerCase())).size !== fields.length) throw new Error('schema names a field twice');
  return { words: checkedWords, primaryKey, fields };
}

function decision(raw: unknown, index: number): ColumnDecision {
  const what = `columns[${index}]`;
  const given = object(raw, what);
  return { name: name(given.name, `${what}.name`), use: oneOf(given.use, uses, `${what}.use`), note: text(given.note, `${what}.note`, 1000) };
}

export function checkOwnData(raw: unknown): OwnData {
  const given = object(raw, 'data');
  const rows = given.rows;
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 2) throw new Error('rows is not a count of rows');
  return {
    file: text(given.file, 'file', 255),
    rows,
    schema: schema(given.schema),
    columns: list(given.columns, 'columns', 10000).map(decision),
  };
}
