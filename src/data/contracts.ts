import { fieldsOf, type TableSchema } from './schema.js';

/**
 * The delivery contracts a project commits beside its schema (the API's OpenAPI document and
 * example request, the CSV drop's column dictionary, the table's DDL), made from an inferred
 * schema exactly as the project's own `make contract` makes them, so a project made from data
 * passes its contract tests at once and the generator never needs Python. The project's tests
 * are the judge: they compare these files with what its code derives from the schema.
 */

/** Python's json.dumps(value, indent=2): non-ASCII escaped, floats written with a decimal point. */
function pythonJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof PyFloat ? `\u0000float:${v.value}` : v), 2);
  return `${text
    .replace(/"\\u0000float:([^"]+)"/g, (_m, n: string) => (Number.isInteger(Number(n)) && Math.abs(Number(n)) < 1e16 ? `${n}.0` : n))
    .replace(/[\u007f-\uffff]/g, (c) => (c === '\u007f' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}\n`;
}

/** A number Python holds as a float (json.dumps writes 2500.0, not 2500). */
class PyFloat {
  constructor(readonly value: number) {}
}

/** Python's round(): on the float's exact value, halves to even (0.075 is a little under, so 0.07). */
export function roundHalfEven(value: number, digits = 0): number {
  const [whole = '0', fraction = ''] = Math.abs(value).toFixed(100).split('.');
  let kept = BigInt(whole + fraction.slice(0, digits));
  const rest = fraction.slice(digits);
  const beyondHalf = /[1-9]/.test(rest.slice(1));
  if (rest[0] !== undefined && (rest[0] > '5' || (rest[0] === '5' && (beyondHalf || kept % 2n === 1n)))) kept += 1n;
  return (Math.sign(value) || 1) * (Number(kept) / 10 ** digits);
}

/** Python's str.title(): a letter after a letter lower-cased, any other upper-cased. */
function pythonTitle(text: string): string {
  let out = '';
  let previousCased = false;
  for (const char of text) {
    const cased = char.toLowerCase() !== char.toUpperCase() || /\p{Ll}|\p{Lu}|\p{Lt}/u.test(char);
    out += cased ? (previousCased ? char.toLowerCase() : char.toUpperCase()) : char;
    previousCased = cased;
  }
  return out;
}

/** Python's str.capitalize(): the first character upper-cased, the rest lower. */
const capitalize = (text: string) => (text === '' ? text : `${[...text][0]?.toUpperCase()}${[...text].slice(1).join('').toLowerCase()}`);

/** pydantic's title of a field: its name title-cased, underscores as spaces. */
const fieldTitle = (name: string) => pythonTitle(name).replace(/_/g, ' ').trim();

/** A label of two values, scored as a probability (schema.py's Schema.binary). */
const binary = (schema: TableSchema) => fieldsOf(schema, 'label').some((f) => f.type === 'boolean' || f.constraints?.enum !== undefined);

/** The schema's valid example row (schema.py's example()). */
function exampleRow(schema: TableSchema): Record<string, unknown> {
  const entity = 'example-1';
  const row: Record<string, unknown> = { [schema.primaryKey]: entity };
  for (const field of fieldsOf(schema, 'feature')) {
    const codes = field.constraints?.enum;
    if (codes) {
      row[field.name] = String(codes[0]);
      continue;
    }
    const middle = ((field.constraints?.minimum ?? 0) + (field.constraints?.maximum ?? 0)) / 2;
    row[field.name] = field.type === 'integer' ? roundHalfEven(middle) : new PyFloat(roundHalfEven(middle, 2));
  }
  for (const field of fieldsOf(schema, 'pass-through')) row[field.name] = `${field.name} of ${entity}`;
  return row;
}

function csvDrop(schema: TableSchema): string {
  const { words } = schema;
  const described = new Map(schema.fields.map((f) => [f.name, f.description]));
  described.set('rank', `1 is the highest ${words.score}`);
  described.set('score', `${words.scoreDescription}, with 6 decimals`);
  described.set('model_version', 'the model that scored this run');
  described.set('run_id', 'the run that made this file');
  const kinds: Record<string, string> = { rank: 'integer', score: 'number' };
  const columns = ['rank', schema.primaryKey, 'score', ...fieldsOf(schema, 'pass-through').map((f) => f.name), 'model_version', 'run_id'];
  return pythonJson({
    description: `${words.entities} ranked by ${words.score}, to work through`,
    file: 'outbox/predictions-<run_id>.csv, UTF-8, lines ending in CR LF, a header row',
    complete_when: 'outbox/predictions-<run_id>.manifest.json, written after it, exists',
    order: `score descending, then ${schema.primaryKey} ascending`,
    text_cells: "a cell starting with = + - @ tab or carriage return gets a ' in front",
    columns: columns.map((name) => ({ name, type: kinds[name] ?? 'string', description: described.get(name) })),
    manifest_fields: ['file', 'rows', 'sha256', 'columns', 'model_version', 'run_id'],
  });
}

function predictionsSql(schema: TableSchema): string {
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const id = quote(schema.primaryKey);
  const passed = fieldsOf(schema, 'pass-through')
    .map((f) => `    ${quote(f.name)} VARCHAR(1000),\n`)
    .join('');
  return `-- The table export: what the consumer can rely on. \`make contract\` writes it from
-- contract/schema.json; the thread creates the tables from it where they are missing.

-- One row per ${schema.words.entity} per run; a run's rows are committed together.
CREATE TABLE IF NOT EXISTS predictions (
    run_id VARCHAR(64) NOT NULL,
    ${id} VARCHAR(1000) NOT NULL,
${passed}    score DOUBLE PRECISION NOT NULL${binary(schema) ? ' CHECK (score >= 0 AND score <= 1)' : ''},  -- ${schema.words.score}
    model_version VARCHAR(100) NOT NULL,
    PRIMARY KEY (run_id, ${id})
);

-- One row per delivered run, committed with its predictions.
CREATE TABLE IF NOT EXISTS prediction_runs (
    run_id VARCHAR(64) NOT NULL PRIMARY KEY,
    model_version VARCHAR(100) NOT NULL,
    row_count INTEGER NOT NULL,
    delivered_at TIMESTAMP WITH TIME ZONE NOT NULL
);
`;
}

type Json = Record<string, unknown>;

/**
 * The OpenAPI document: the template's own (the service's paths and refusals do not depend on
 * the schema), with its title, description and the request and prediction bodies made from
 * this schema as pydantic describes them.
 */
function openApi(schema: TableSchema, shipped: string): string {
  const document = JSON.parse(shipped) as Json;
  const name = schema.words.entity.split(/\s+/).filter(Boolean).map(capitalize).join('');
  const request: Json = {};
  const text = { type: 'string', maxLength: 64, minLength: 1 };
  request[schema.primaryKey] = { ...text, title: fieldTitle(schema.primaryKey) };
  for (const field of fieldsOf(schema, 'feature')) {
    const codes = field.constraints?.enum;
    const title = fieldTitle(field.name);
    if (codes) request[field.name] = codes.length === 1 ? { type: 'string', const: String(codes[0]), title } : { type: 'string', enum: codes.map(String), title };
    else {
      const { minimum = 0, maximum = 0 } = field.constraints ?? {};
      const bound = (value: number) => (field.type === 'integer' ? value : new PyFloat(value));
      request[field.name] = { type: field.type === 'integer' ? 'integer' : 'number', maximum: bound(maximum), minimum: bound(minimum), title };
    }
  }
  const passThrough = fieldsOf(schema, 'pass-through');
  for (const field of passThrough) request[field.name] = { anyOf: [text, { type: 'null' }], default: null, title: fieldTitle(field.name) };
  const prediction: Json = {
    [schema.primaryKey]: { type: 'string', title: fieldTitle(schema.primaryKey) },
    score: { type: 'number', title: 'Score' },
    model_version: { type: 'string', title: 'Model Version' },
  };
  for (const field of passThrough) prediction[field.name] = { anyOf: [{ type: 'string' }, { type: 'null' }], default: null, title: fieldTitle(field.name) };

  const components = (document.components as { schemas: Json }).schemas;
  const shippedNames = Object.keys(components).filter((key) => key !== 'Error');
  const schemas: Json = {
    [name]: { properties: request, additionalProperties: false, type: 'object', required: [schema.primaryKey, ...fieldsOf(schema, 'feature').map((f) => f.name)], title: name },
    [`${name}Prediction`]: { properties: prediction, type: 'object', required: [schema.primaryKey, 'score', 'model_version'], title: `${name}Prediction` },
    Error: components.Error,
  };
  document.info = { ...(document.info as Json), title: capitalize(schema.words.score), description: schema.words.scoreDescription };
  document.components = { ...(document.components as Json), schemas };
  // The paths point at the shipped bodies by name: point them at this schema's.
  const renamed = JSON.stringify(document.paths, (_key, value: unknown) => {
    if (typeof value === 'string' && value.startsWith('#/components/schemas/')) {
      const target = value.slice('#/components/schemas/'.length);
      const shippedRequest = shippedNames.find((n) => !n.endsWith('Prediction'));
      if (target === shippedRequest) return `#/components/schemas/${name}`;
      if (target === `${shippedRequest}Prediction`) return `#/components/schemas/${name}Prediction`;
    }
    return value;
  });
  document.paths = JSON.parse(renamed) as Json;
  return pythonJson(document);
}

/**
 * The contracts to write in place of the shipped ones, by path; only those the render holds
 * (`shipped` reads a rendered file's text, or undefined where the render has none).
 */
export function contracts(schema: TableSchema, shipped: (path: string) => string | undefined): Map<string, string> {
  const files = new Map<string, string>();
  const openapi = shipped('contract/openapi.json');
  if (openapi !== undefined) files.set('contract/openapi.json', openApi(schema, openapi));
  if (shipped('contract/example-request.json') !== undefined) files.set('contract/example-request.json', pythonJson(exampleRow(schema)));
  if (shipped('contract/csv-drop.json') !== undefined) files.set('contract/csv-drop.json', csvDrop(schema));
  if (shipped('contract/predictions.sql') !== undefined) files.set('contract/predictions.sql', predictionsSql(schema));
  return files;
}
