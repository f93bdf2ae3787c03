import fs from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { UserError } from '../errors.js';

/**
 * A team's data file, read once from start to end as rows of text cells (null where a cell is
 * missing), a chunk of rows at a time: memory stays bounded by the chunk, not the file. CSV goes
 * through csv-parse's streaming parser; Parquet through hyparquet, a row group at a time. Every
 * problem with the file itself is one UserError naming it.
 */

export interface Table {
  columns: string[];
  /** Chunks of rows, each row a cell per column. */
  chunks: AsyncIterable<(string | null)[][]>;
  /** Bytes of the file, and a counter of those read so far (for progress). */
  size: number;
  read: () => number;
}

/** The flag-given path as messages show it: `--data FILE`. */
/** How a message names the data file: as the flag that gave it. */
export const dataSource = (file: string) => `--data ${file}`;

export function openTable(file: string): Promise<Table> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UserError(`${dataSource(file)}: no such file`);
  }
  if (!stat.isFile()) throw new UserError(`${dataSource(file)}: not a file`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new UserError(`${dataSource(file)}: cannot be read (permission denied)`);
  }
  if (stat.size === 0) throw new UserError(`${dataSource(file)}: the file is empty: no header, no rows`);
  return isParquet(file) ? openParquet(file, stat.size) : openCsv(file, stat.size);
}

/** A Parquet file by its magic bytes ("PAR1"), whatever its name. */
function isParquet(file: string): boolean {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  return head.toString('latin1') === 'PAR1' || path.extname(file).toLowerCase() === '.parquet';
}

/** Decodes UTF-8 strictly as the bytes stream by: a byte that is not UTF-8 is an error, never U+FFFD. */
class StrictUtf8 extends Transform {
  private decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  private offset = 0;
  constructor(private readonly file: string) {
    super({ readableObjectMode: false, decodeStrings: true });
  }
  private decode(chunk: Buffer | undefined, callback: TransformCallback) {
    try {
      const text = chunk ? this.decoder.decode(chunk, { stream: true }) : this.decoder.decode();
      this.offset += chunk?.length ?? 0;
      callback(null, text);
    } catch {
      callback(new UserError(`${dataSource(this.file)}: not UTF-8 text (near byte ${this.offset}): save it as UTF-8`));
    }
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.decode(chunk, callback);
  }
  override _flush(callback: TransformCallback) {
    this.decode(undefined, callback);
  }
}

const chunkRows = 5000;

/** The delimiter of the header line: the one of , ; tab | it holds most of (a comma when none). */
function sniffDelimiter(file: string): string {
  const head = Buffer.alloc(64 * 1024);
  const fd = fs.openSync(file, 'r');
  let bytes: number;
  try {
    bytes = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const line = head.subarray(0, bytes).toString('latin1').split(/\r?\n/)[0] ?? '';
  const counts = [',', ';', '\t', '|'].map((d) => [d, line.split(d).length - 1] as const);
  const [best] = counts.sort((a, b) => b[1] - a[1]);
  return best && best[1] > 0 ? best[0] : ',';
}

async function openCsv(file: string, size: number): Promise<Table> {
  const { parse } = await import('csv-parse');
  let bytesRead = 0;
  const input = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
  input.on('data', (chunk) => {
    bytesRead += chunk.length;
  });
  // relax_quotes off and strict column counts: a ragged or badly quoted file is refused, not guessed.
  const decoder = new StrictUtf8(file);
  const parser = input.pipe(decoder).pipe(parse({ delimiter: sniffDelimiter(file), bom: true, skip_empty_lines: true, max_record_size: 1024 * 1024 }));
  // pipe() hands no error on: the parser, which is read, is failed with it.
  for (const stream of [input, decoder]) stream.on('error', (error: Error) => parser.destroy(error));
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;

  const fail = (error: unknown): never => {
    if (error instanceof UserError) throw error;
    const { code, lines } = error as { code?: string; lines?: number };
    if (code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') throw new UserError(`${dataSource(file)}: line ${lines} has another number of cells than the header (a ragged file)`);
    if (code === 'CSV_MAX_RECORD_SIZE') throw new UserError(`${dataSource(file)}: a row over 1 MiB near line ${lines}: not a table of columns`);
    if (code?.startsWith('CSV_')) throw new UserError(`${dataSource(file)}: not a well-formed CSV file near line ${lines ?? '?'} (${(error as Error).message.split('\n')[0]?.slice(0, 120)})`);
    throw error;
  };
  let first: IteratorResult<string[]>;
  try {
    first = await records.next();
  } catch (error) {
    return fail(error);
  }
  if (first.done) throw new UserError(`${dataSource(file)}: the file is empty: no header, no rows`);
  const columns = first.value;
  async function* chunks(): AsyncGenerator<(string | null)[][]> {
    let rows: (string | null)[][] = [];
    try {
      for (let next = await records.next(); !next.done; next = await records.next()) {
        rows.push(next.value.map((cell) => (cell.trim() === '' ? null : cell)));
        if (rows.length === chunkRows) {
          yield rows;
          rows = [];
        }
      }
    } catch (error) {
      fail(error);
    }
    if (rows.length > 0) yield rows;
  }
  return { columns, chunks: chunks(), size, read: () => bytesRead };
}

/** A Parquet cell as the CSV a team would export holds it: numbers, text, true/false, ISO dates. */
function parquetCell(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  // Nested values (lists, structs) are no column a model reads: kept as JSON text, ignored as free text.
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

async function openParquet(file: string, size: number): Promise<Table> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet');
  const buffer = await asyncBufferFromFile(file);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new UserError(`${dataSource(file)}: not a readable Parquet file (${(error as Error).message.slice(0, 120)})`);
  }
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  let done = 0;
  async function* chunks(): AsyncGenerator<(string | null)[][]> {
    let start = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      let rows: unknown[][] = [];
      try {
        await parquetRead({ file: buffer, metadata, rowStart: start, rowEnd: end, onComplete: (read) => (rows = read) });
      } catch (error) {
        throw new UserError(`${dataSource(file)}: a row group could not be read (${(error as Error).message.slice(0, 120)}); write it with snappy compression or none`);
      }
      done += Number(group.total_byte_size);
      start = end;
      if (rows.length > 0) yield rows.map((row) => row.map(parquetCell));
    }
  }
  return { columns, chunks: chunks(), size, read: () => Math.min(done, size) };
}
