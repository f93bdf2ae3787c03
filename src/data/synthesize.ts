import { fieldsOf, labelOf, type SchemaField, type TableSchema } from './schema.js';

/**
 * The project's sample, data/sample/training.csv and scoring.csv, made from the schema alone:
 * no real row or value reaches the repository, only the column names, the codes and the rounded
 * ranges the schema holds. Deterministic (a seeded PRNG), with a planted relation so the trained
 * model beats the constant one and the gate and smoke tests mean something:
 *
 * - each number is drawn uniformly from the middle 80% of its range (clear of its bounds and
 *   placeholders), each code uniformly from its codes;
 * - every feature pushes a hidden score: a number by its place in its range (-1 to 1), the
 *   first number twice as hard, alternately up and down; a code by +0.5 or -0.5 in turn;
 * - binary labels: the positive class with the logistic of 3 × the score scaled to unit spread;
 *   regression labels: the middle of the label's range plus a sixth of its span per unit of
 *   that score, with noise of a quarter unit, kept inside the range.
 */

const trainingRows = 1000;
const scoringRows = 200;
const seed = 20240601;

/** mulberry32: small, fast and the same on every platform. */
function random(seedValue: number): () => number {
  let state = seedValue >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A CSV cell as RFC 4180 writes it: quoted where it holds a comma, quote or line end. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Decimals enough to tell values of a range apart: 2, more for a narrow range. */
const decimals = (span: number) => Math.min(10, Math.max(2, 2 - Math.floor(Math.log10(span || 1))));

interface Drawn {
  text: string;
  /** Its push on the hidden score. */
  push: number;
}

function drawFeature(field: SchemaField, index: number, numberIndex: number, next: () => number): Drawn {
  const codes = field.constraints?.enum;
  if (codes) {
    const at = Math.floor(next() * codes.length);
    return { text: String(codes[at]), push: at % 2 === 0 ? 0.5 : -0.5 };
  }
  const minimum = field.constraints?.minimum ?? 0;
  const maximum = field.constraints?.maximum ?? 1;
  const place = next() * 2 - 1; // -1 … 1
  const middle = (minimum + maximum) / 2;
  let value = middle + place * 0.4 * (maximum - minimum);
  let text: string;
  if (field.type === 'integer') {
    value = Math.round(value);
    // A drawn placeholder would be refused by the checks: step past it.
    while (field.placeholders?.includes(value)) value += value < maximum ? 1 : -1;
    text = String(value);
  } else {
    const places = decimals(maximum - minimum);
    text = value.toFixed(places);
    while (field.placeholders?.includes(Number(text))) text = (Number(text) + 10 ** -places).toFixed(places);
  }
  const weight = (numberIndex === 0 ? 2 : 1) * (index % 2 === 0 ? 1 : -1);
  return { text, push: weight * place };
}

function labelText(label: SchemaField, chance: number, next: () => number): string {
  const positive = next() < chance;
  if (label.type === 'boolean') return (positive ? label.trueValues?.[0] : label.falseValues?.[0]) ?? '';
  return positive ? '1' : '0';
}

/** The two sample files, as text. */
export function synthesize(schema: TableSchema): { training: string; scoring: string } {
  const next = random(seed);
  const features = fieldsOf(schema, 'feature');
  const passThrough = fieldsOf(schema, 'pass-through');
  const label = labelOf(schema) as SchemaField;
  const numbers = features.filter((f) => !f.constraints?.enum);
  // The hidden score's spread, to scale it to about one unit whatever the number of features.
  const spread = Math.sqrt(features.reduce((sum, f) => sum + (f.constraints?.enum ? 0.25 : ((numbers.indexOf(f) === 0 ? 2 : 1) ** 2) / 3), 0)) || 1;

  const rows = (count: number, first: number, labelled: boolean) => {
    const header = [schema.primaryKey, ...features.map((f) => f.name), ...passThrough.map((f) => f.name), ...(labelled ? [label.name] : [])];
    const lines = [header.map(csvCell).join(',')];
    for (let row = first; row < first + count; row++) {
      const drawn = features.map((f, i) => drawFeature(f, i, numbers.indexOf(f), next));
      const score = drawn.reduce((sum, d) => sum + d.push, 0) / spread;
      const id = `${schema.words.entity.replace(/[^a-z0-9]+/gi, '').slice(0, 8).toUpperCase() || 'ROW'}-${String(row).padStart(7, '0')}`;
      const cells = [id, ...drawn.map((d) => d.text), ...passThrough.map((f) => `${f.name} ${row}`)];
      if (labelled) {
        if (label.type === 'number') {
          const { minimum = 0, maximum = 1 } = label.constraints ?? {};
          const value = (minimum + maximum) / 2 + ((maximum - minimum) / 6) * (score + 0.25 * (next() * 2 - 1) * Math.sqrt(3));
          cells.push(Math.min(maximum, Math.max(minimum, value)).toFixed(decimals(maximum - minimum)));
        } else cells.push(labelText(label, 1 / (1 + Math.exp(-3 * score)), next));
      }
      lines.push(cells.map(csvCell).join(','));
    }
    return `${lines.join('\n')}\n`;
  };
  return { training: rows(trainingRows, 1, true), scoring: rows(scoringRows, trainingRows + 1, false) };
}
