import path from 'node:path';
import { dim, say } from '../ui.js';
import { candidates, checkColumnNames, decide, type Candidates, type DataChoices, type OwnData } from './infer.js';
import { openTable } from './read.js';
import { scanTable, type Scan } from './scan.js';
import { labelOf } from './schema.js';

/**
 * Bring your own data: a team's CSV or Parquet file, read once, becomes the project's schema
 * and the decision for every column. Nothing of it is kept but names, codes and rounded ranges.
 */

export type { Candidates, DataChoices, OwnData } from './infer.js';

/** Past this size a terminal shows how far the reading is. */
const progressFromBytes = 32 * 1024 * 1024;

export interface ScannedFile {
  file: string;
  scan: Scan;
  candidates: Candidates;
}

/** Reads the whole file once (bounded memory), refusing a file or names with no safe form. */
export async function scanFile(file: string): Promise<ScannedFile> {
  const table = await openTable(file);
  checkColumnNames(table.columns, file);
  const showProgress = Boolean(process.stdout.isTTY) && table.size >= progressFromBytes;
  const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024);
  let shown = -1;
  const scan = await scanTable(table, (bytes) => {
    const percent = Math.floor((100 * bytes) / table.size);
    if (!showProgress || percent === shown) return;
    shown = percent;
    process.stdout.write(`\r\u001b[2KReading ${path.basename(file)}: ${percent}% ${dim(`(${megabytes(bytes)} of ${megabytes(table.size)} MB)`)}`);
  });
  if (showProgress) process.stdout.write('\r\u001b[2K');
  return { file, scan, candidates: candidates(scan) };
}

/** The schema and decisions for the scanned file under the team's choices. */
export function decideData(scanned: ScannedFile, choices: DataChoices): OwnData {
  return { ...decide(scanned.scan, choices, scanned.file, scanned.candidates), file: path.basename(scanned.file) };
}

/** Reads the file and decides, in one step (no interview). */
export async function inferData(file: string, choices: DataChoices): Promise<OwnData> {
  return decideData(await scanFile(file), choices);
}

/** What inference took and left, as printed after `new --data`. */
export function sayDecisions(data: OwnData): void {
  const label = labelOf(data.schema);
  say(`  Data: ${data.file}, ${data.rows} rows: id ${data.schema.primaryKey}, label ${label?.name} ${dim('(no row of it is written to the project)')}`);
  for (const column of data.columns) {
    if (column.use === 'id' || column.use === 'label') continue;
    say(`    ${column.use === 'ignored' ? dim('ignored') : column.use.padEnd(7)} ${column.name}: ${column.note}`);
  }
}
