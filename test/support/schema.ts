import fs from 'node:fs';
import path from 'node:path';

/**
 * A generated project's one schema, `contract/schema.json`: the tests read the columns from it
 * rather than naming the shipped sample's, so they hold for any schema a template set ships.
 */
export interface SchemaField {
  name: string;
  type: 'string' | 'integer' | 'number';
  role: 'id' | 'feature' | 'label' | 'pass-through';
  constraints?: { minimum?: number; maximum?: number; enum?: (string | number)[]; maxLength?: number };
  placeholders?: (string | number)[];
}

export interface ProjectSchema {
  fields: SchemaField[];
  /** The entity id column (the field whose role is "id"). */
  id: string;
  features: SchemaField[];
}

export function readSchema(projectDir: string): ProjectSchema {
  const schema = JSON.parse(fs.readFileSync(path.join(projectDir, 'contract', 'schema.json'), 'utf8')) as { fields: SchemaField[] };
  const ids = schema.fields.filter((field) => field.role === 'id');
  if (ids.length !== 1) throw new Error(`contract/schema.json has ${ids.length} fields of role "id", not one`);
  return { fields: schema.fields, id: ids[0]!.name, features: schema.fields.filter((field) => field.role === 'feature') };
}

/** The rows of a CSV file with a header, as the project writes it (no quoted commas in the cells read here). */
export function readCsv(file: string): Record<string, string>[] {
  const [header = '', ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split(/\r?\n/);
  const columns = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [columns[i] ?? '', cell])));
}
