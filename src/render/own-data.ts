import { contracts } from '../data/contracts.js';
import type { ColumnDecision, OwnData } from '../data/infer.js';
import { formatSchema, labelOf } from '../data/schema.js';
import { synthesize } from '../data/synthesize.js';

/**
 * A project made from the team's data: the files whose text comes from the inferred schema
 * rather than from the template (the schema, the synthetic sample, the contracts derived from
 * the schema), each written in place of the template's file at the same path. A path the
 * template set does not render is not added: a set without a sample gets none.
 */
export function ownDataFiles(data: OwnData): (output: string, rendered: Buffer) => Buffer | undefined {
  let sample: ReturnType<typeof synthesize> | undefined;
  const made = (): ReturnType<typeof synthesize> => (sample ??= synthesize(data.schema));
  return (output, rendered) => {
    switch (output) {
      case 'contract/schema.json':
        return Buffer.from(formatSchema(data.schema));
      case 'data/sample/training.csv':
        return Buffer.from(made().training);
      case 'data/sample/scoring.csv':
        return Buffer.from(made().scoring);
      default: {
        const contract = contracts(data.schema, (p) => (p === output ? rendered.toString('utf8') : undefined)).get(output);
        return contract === undefined ? undefined : Buffer.from(contract);
      }
    }
  };
}

/** What the docs say of the team's data: what was taken, what was left out and why. */
export interface OwnDataContext {
  file: string;
  rows: number;
  id: string;
  label: string;
  task: 'binary classification' | 'regression';
  taken: ColumnDecision[];
  ignored: ColumnDecision[];
}

export function ownDataContext(data: OwnData): OwnDataContext {
  const label = labelOf(data.schema);
  return {
    file: data.file,
    rows: data.rows,
    id: data.schema.primaryKey,
    label: label?.name ?? '',
    task: label?.type === 'number' ? 'regression' : 'binary classification',
    taken: data.columns.filter((c) => c.use !== 'ignored'),
    ignored: data.columns.filter((c) => c.use === 'ignored'),
  };
}
