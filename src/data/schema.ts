/**
 * The one schema, contract/schema.json, as steel-thread writes it from a team's data: the same
 * Frictionless Table Schema (a role per field) the templates ship, in the same layout, so a
 * project made from data reads like the shipped one. Also the rules for the text that comes
 * from outside (column names, codes), which lands in JSON, CSV, Markdown and SQL alike.
 */

export interface Words {
  entity: string;
  entities: string;
  score: string;
  scoreDescription: string;
}

export interface Constraints {
  required?: boolean;
  unique?: boolean;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: (string | number)[];
}

export interface SchemaField {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean';
  role: 'id' | 'feature' | 'label' | 'pass-through';
  description: string;
  constraints?: Constraints;
  /** Values that mean "unknown" in a number column: the data checks refuse them. */
  placeholders?: number[];
  /** A category whose rare codes are not listed: any code not in `enum` is read as this one. */
  unlistedCodesAs?: string;
  /** A label written as text: the value that is the positive class, and the other. */
  trueValues?: string[];
  falseValues?: string[];
}

export interface TableSchema {
  words: Words;
  primaryKey: string;
  fields: SchemaField[];
}

const schemaComment =
  "The one schema of this project (a Frictionless Table Schema with a role per field). Data checks, the model's encoding and every other contract come from it: after editing it, run `make contract`.";

/** Column names the deliveries use for their own columns (and the prediction record): a team's column may not take one. */
/** The schema's fields of one role, in order. */
export const fieldsOf = (schema: TableSchema, role: SchemaField['role']) => schema.fields.filter((f) => f.role === role);

/** The schema's label: one in any schema inferred or read back from a record. */
export const labelOf = (schema: TableSchema): SchemaField | undefined => fieldsOf(schema, 'label')[0];

export const reservedNames = ['rank', 'score', 'model_version', 'run_id', 'at'];
export const maxNameLength = 64;
const maxCodeLength = 100;

/**
 * A column name that is safe as it is in every file it lands in: a JSON string, a CSV header
 * cell (no delimiter, no quote, no formula start), Markdown (escaped there), a quoted SQL
 * identifier, a pydantic field. Letters and digits of any script, spaces inside, and a few
 * marks; no quote, backslash, brace, control character or line break.
 */
const namePattern = /^[\p{L}\p{N}_](?:[\p{L}\p{M}\p{N} _.()/%#&+:-]*[\p{L}\p{M}\p{N}_.()%#])?$/u;

/** Why `name` cannot be a column name here, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.length > maxNameLength) return `is longer than ${maxNameLength} characters`;
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(name)) return 'holds a control character or a line break';
  if (name.includes('{{') || name.includes('}}')) return 'holds {{ or }}';
  if (!namePattern.test(name)) {
    return 'holds a character that has no safe form in every file it lands in (use letters, digits, spaces inside, and _ . ( ) / % # & + : -; start with a letter, digit or _)';
  }
  return undefined;
}

/** Why `code` cannot be a category code, or undefined when it can. */
export function codeProblem(code: string): string | undefined {
  if (code.length > maxCodeLength) return `is longer than ${maxCodeLength} characters`;
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/u.test(code)) return 'holds a control character or a line break';
  if (code !== code.trim()) return 'has spaces around it';
  return undefined;
}

/* The layout of templates/base/contract/schema.json: objects and arrays of plain values on one line. */

const inline = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{ ${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
};

/** The keys of the words, a field and its constraints, in the shipped schema's order. */
export const wordKeys: readonly (keyof Words)[] = ['entity', 'entities', 'score', 'scoreDescription'];
export const fieldKeys: readonly (keyof SchemaField)[] = ['name', 'type', 'role', 'description', 'trueValues', 'falseValues', 'constraints', 'unlistedCodesAs', 'placeholders'];
export const constraintKeys: readonly (keyof Constraints)[] = ['required', 'unique', 'maxLength', 'minimum', 'maximum', 'enum'];

export function formatSchema(schema: TableSchema): string {
  const words = wordKeys.map((key) => `    ${JSON.stringify(key)}: ${JSON.stringify(schema.words[key])}`);
  const fields = schema.fields.map((field) => {
    const lines = fieldKeys.filter((key) => field[key] !== undefined).map((key) => `      ${JSON.stringify(key)}: ${inline(field[key])}`);
    return `    {\n${lines.join(',\n')}\n    }`;
  });
  return [
    '{',
    `  "$comment": ${JSON.stringify(schemaComment)},`,
    '  "words": {',
    `${words.join(',\n')}`,
    '  },',
    `  "primaryKey": ${JSON.stringify(schema.primaryKey)},`,
    '  "fields": [',
    `${fields.join(',\n')}`,
    '  ]',
    '}',
    '',
  ].join('\n');
}
