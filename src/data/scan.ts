import type { Table } from './read.js';

/**
 * One pass over the whole file, column by column, keeping only what the decisions need: counts,
 * the smallest and largest number, how many cells look like a number, a whole number or a date,
 * and each distinct value with its count until there are too many to keep (then an estimate of
 * how many there are). Memory is bounded by the number of columns, never by the rows.
 */

/** Distinct values counted one by one per column; past this many, only estimated. */
const maxTrackedValues = 2000;
/** Values that often stand for "unknown" in number columns (see docs/design.md). */
export const placeholderCandidates = [-1, -9, -99, -999, -9999, 99, 999, 9999, 99999] as const;

export interface ColumnStats {
  name: string;
  /** Cells with a value. */
  present: number;
  missing: number;
  /** Cells written as a number (the Python checks' rules: spaces around allowed). */
  numeric: number;
  /** Of those, written as a whole number (42, not 42.0). */
  whole: number;
  /** Smallest and largest number, placeholder candidates left out. */
  low: number;
  high: number;
  /** How often each placeholder candidate was seen. */
  candidates: Map<number, number>;
  dates: number;
  /** Cells holding a space: a sign of free text. */
  spaced: number;
  longest: number;
  totalLength: number;
  /** Value → count, while at most maxTrackedValues distinct values were seen; null past that. */
  values: Map<string, number> | null;
  distinct: Distinct;
}

export interface Scan {
  columns: ColumnStats[];
  rows: number;
}

const numberPattern = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const wholePattern = /^\s*[+-]?\d+\s*$/;
const datePattern = /^\s*(?:\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?|\d{1,2}[/.]\d{1,2}[/.]\d{4}(?: \d{1,2}:\d{2}(?::\d{2})?)?)\s*$/;

/**
 * How many distinct values a column holds, counted exactly while few, then estimated by
 * HyperLogLog (4096 registers: within about 2%), so a gigabyte of ids costs 4 KiB.
 */
class Distinct {
  private readonly registers = new Uint8Array(4096);
  add(value: string): void {
    // FNV-1a, then a final mix (murmur3's) so the low bits and the leading zeros are both well spread.
    let hash = 0x811c9dc5;
    for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
    hash ^= hash >>> 16;
    hash = Math.imul(hash, 0x85ebca6b);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2ae35);
    hash ^= hash >>> 16;
    const index = hash & 4095;
    const rest = (hash >>> 12) | 0x80000; // 20 bits, with a stop bit
    const rank = Math.clz32(rest) - 11;
    if (rank > (this.registers[index] ?? 0)) this.registers[index] = rank;
  }
  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const raw = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
    return raw <= 2.5 * m && zeros > 0 ? m * Math.log(m / zeros) : raw;
  }
}

function newStats(name: string): ColumnStats {
  return {
    name,
    present: 0,
    missing: 0,
    numeric: 0,
    whole: 0,
    low: Number.POSITIVE_INFINITY,
    high: Number.NEGATIVE_INFINITY,
    candidates: new Map(),
    dates: 0,
    spaced: 0,
    longest: 0,
    totalLength: 0,
    values: new Map(),
    distinct: new Distinct(),
  };
}

const candidateSet = new Set<number>(placeholderCandidates);

function addCell(stats: ColumnStats, cell: string | null): void {
  if (cell === null) {
    stats.missing++;
    return;
  }
  stats.present++;
  stats.longest = Math.max(stats.longest, cell.length);
  stats.totalLength += cell.length;
  if (/\s/.test(cell.trim())) stats.spaced++;
  if (numberPattern.test(cell)) {
    const value = Number(cell);
    stats.numeric++;
    if (wholePattern.test(cell)) stats.whole++;
    if (candidateSet.has(value)) stats.candidates.set(value, (stats.candidates.get(value) ?? 0) + 1);
    else {
      if (value < stats.low) stats.low = value;
      if (value > stats.high) stats.high = value;
    }
  } else if (datePattern.test(cell)) stats.dates++;
  stats.distinct.add(cell);
  if (stats.values) {
    stats.values.set(cell, (stats.values.get(cell) ?? 0) + 1);
    if (stats.values.size > maxTrackedValues) stats.values = null;
  }
}

/** Reads every row of `table` once; `onProgress` hears of each chunk (bytes read so far). */
export async function scanTable(table: Table, onProgress: (bytes: number) => void = () => {}): Promise<Scan> {
  const columns = table.columns.map(newStats);
  let rows = 0;
  for await (const chunk of table.chunks) {
    for (const row of chunk) {
      for (let i = 0; i < columns.length; i++) addCell(columns[i] as ColumnStats, row[i] ?? null);
    }
    rows += chunk.length;
    onProgress(table.read());
  }
  return { columns, rows };
}
