import fs from 'node:fs';
import path from 'node:path';
import semverCoerce from 'semver/functions/coerce.js';
import semverCompare from 'semver/functions/compare.js';
import semverParse from 'semver/functions/parse.js';
import { ExitCode, UserError } from './errors.js';
import { consumers, freshnesses, intakes, type Consumer, type Freshness, type Intake } from './interview/rules.js';
import type { OwnData } from './data/infer.js';
import { constraintKeys, fieldKeys, wordKeys } from './data/schema.js';
import { checkOwnData } from './data/stored.js';
import { checkDisplayName, checkPackageName } from './names.js';
import { generatorVersion } from './package.js';
import { checkRelativePath } from './write.js';

/** Everything a project is rendered from. */
export interface Answers {
  name: string;
  package: string;
  consumer: Consumer;
  freshness: Freshness;
  intake: Intake | null;
  delivery: string;
  ci: string;
  /** The team's own data (`--data FILE`): the inferred schema and every column's decision; absent for the shipped sample. */
  data?: OwnData;
}

/** The answers a flag or an answers file gives (the data comes from --data, read by inference). */
type FlagAnswers = Omit<Answers, 'data'>;

/** What the user gave (flags, --answers), before the interview or --yes fills the rest. */
export type GivenAnswers = Partial<Answers>;

/** The flag that answers each question: errors name it. */
export const answerFlags: Record<keyof FlagAnswers, string> = {
  name: '--name',
  package: '--package',
  consumer: '--consumer',
  freshness: '--freshness',
  intake: '--intake',
  delivery: '--delivery',
  ci: '--ci',
};

const answerKeys = Object.keys(answerFlags) as (keyof FlagAnswers)[];
const fixedChoices: Partial<Record<keyof FlagAnswers, readonly string[]>> = {
  consumer: consumers,
  freshness: freshnesses,
  intake: intakes,
};

export function checkChoice(value: string, choices: readonly string[], flag: string): string {
  if (!choices.includes(value)) {
    throw new UserError(`${flag} must be one of ${choices.join(', ')} (got "${value}")`);
  }
  return value;
}

/** Validates answers from flags or a file; `source` says where they came from in messages. */
export function checkGivenAnswers(raw: unknown, source: string): GivenAnswers {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`${source} must hold a JSON object of answers, such as {"consumer": "people"}`);
  }
  const unknown = Object.keys(raw).filter((key) => !answerKeys.includes(key as keyof FlagAnswers));
  if (unknown.length > 0) {
    throw new UserError(`${source} has unknown answers: ${unknown.join(', ')} (known: ${answerKeys.join(', ')})`);
  }
  const given: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (key === 'intake' && value === null) {
      given[key] = null;
      continue;
    }
    if (typeof value !== 'string') {
      throw new UserError(`${source}: "${key}" must be a string (got ${JSON.stringify(value)?.slice(0, 40)})`);
    }
    const choices = fixedChoices[key as keyof FlagAnswers];
    given[key] = choices ? checkChoice(value, choices, answerFlags[key as keyof FlagAnswers]) : value;
  }
  return given as GivenAnswers;
}

const maxAnswersFileBytes = 64 * 1024;

/** Reads `--answers FILE`: a small JSON object of answers. */
export function readAnswersFile(file: string): GivenAnswers {
  const source = `--answers ${file}`;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UserError(`${source}: no such file`);
  }
  if (!stat.isFile()) throw new UserError(`${source}: not a file`);
  if (stat.size > maxAnswersFileBytes) throw new UserError(`${source}: larger than ${maxAnswersFileBytes / 1024} KiB, not an answers file`);
  return checkGivenAnswers(parseJsonInput(fs.readFileSync(file), source), source);
}

/** Deeper than any answers file or record needs; JSON.parse itself recurses and would overflow the stack. */
const maxJsonDepth = 16;

/**
 * Parses a small JSON input (an answers file, the record): strict UTF-8 (never U+FFFD in place of
 * a byte), a leading byte-order mark skipped as editors write one, nesting limited before
 * parsing, and every failure one line that names `source`.
 */
export function parseJsonInput(bytes: Buffer, source: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new UserError(`${source}: not UTF-8 text`);
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (++depth > maxJsonDepth) throw new UserError(`${source}: nested deeper than ${maxJsonDepth} levels, not an answers file or record`);
    } else if (char === '}' || char === ']') depth--;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the offending text, which may hold invisible or control characters.
    const reason = (error as Error).message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/gu, '?');
    throw new UserError(`${source}: not valid JSON (${reason})`);
  }
}

/* ---------------------------------------------------------------------------------------------
 * The project record: one file at the project's root holding the answers, the generator version
 * and a fingerprint of every rendered file. `update` and `check` start from it.
 * ------------------------------------------------------------------------------------------- */

export const recordFileName = '.steel-thread.json';
/** The record's own format; a generator refuses records of a newer format than it knows. */
export const recordFormat = 1;

export interface TemplateSetId {
  name: string;
  version: string | null;
}

export interface ProjectRecord {
  format: number;
  generator: string;
  /** The template set rendered from: the built-in "steel-thread" at the generator's version, or a team's own. */
  templates: TemplateSetId;
  answers: Answers;
  /** Rendered path → "<git mode> <git blob id>", the fingerprint of what was rendered last (the merge base). */
  files: Record<string, string>;
}

const about =
  'Written by steel-thread: the answers this project was made from and a fingerprint of each rendered file. Commit it; `steel-thread update` and `check` read it.';

export function formatRecord(record: ProjectRecord): string {
  const files = Object.fromEntries(Object.entries(record.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const ordered = {
    about,
    format: record.format,
    generator: record.generator,
    // Keys in one fixed order, whatever order the values were built in: a record rewritten with
    // the same content must be byte-identical, or a no-op update dirties the work tree.
    templates: { name: record.templates.name, version: record.templates.version },
    // The data key only where the project was made from data, so other records stay as they were.
    answers: { ...Object.fromEntries(answerKeys.map((key) => [key, record.answers[key]])), ...(record.answers.data ? { data: orderedData(record.answers.data) } : {}) },
    files,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** The stored data in one fixed key order (the schema's fields as schema.json orders them). */
function orderedData(data: OwnData): OwnData {
  const { words, primaryKey, fields } = data.schema;
  const pick = <T extends object>(value: T, keys: readonly (keyof T)[]) => Object.fromEntries(keys.filter((k) => value[k] !== undefined).map((k) => [k, value[k]])) as T;
  return {
    file: data.file,
    rows: data.rows,
    schema: {
      words: pick(words, wordKeys),
      primaryKey,
      fields: fields.map((f) => pick({ ...f, constraints: f.constraints && pick(f.constraints, constraintKeys) }, fieldKeys)),
    },
    columns: data.columns.map((c) => ({ name: c.name, use: c.use, note: c.note })),
  };
}

/**
 * Compares versions by semver's rules (numeric pre-release parts: "rc.10" after "rc.9"; build
 * metadata ignored); a version missing its patch or minor ("1.2") counts as ".0".
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const version = semverParse(v) ?? semverCoerce(v, { includePrerelease: true });
    if (!version) throw new UserError(`"${v.slice(0, 40)}" is not a version`);
    return version;
  };
  return semverCompare(parse(a), parse(b));
}

/** Larger than any record of a real project (a fingerprint per file); a bigger one is not ours. */
const maxRecordBytes = 4 * 1024 * 1024;
const versionPattern = /^\d{1,9}\.\d{1,9}\.\d{1,9}(?:-[0-9A-Za-z.-]{1,40})?$/;
const fingerprintPattern = /^100(?:644|755) [0-9a-f]{40}$/;
/** What a template set's name or version may hold: it reaches messages and conflict markers. */
const labelPattern = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]{1,100}$/u;

/**
 * The record is input like a flag: a hand edit, a bad merge or a hostile commit can put anything
 * in it. Every value is checked exactly as the flag it stands for, and a refusal names the record
 * and the key, so nothing unchecked reaches a template.
 */
export function readRecord(projectDir: string): ProjectRecord {
  const file = path.join(projectDir, recordFileName);
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat) throw new UserError(`${projectDir} has no ${recordFileName}: it was not made by steel-thread (or the file was removed)`);
  const broken: (problem: string) => never = (problem) => {
    throw new UserError(`${recordFileName}: ${problem}: restore it from git`);
  };
  if (!stat.isFile()) broken('not a plain file (links are not followed)');
  if (stat.size > maxRecordBytes) broken(`larger than ${maxRecordBytes / 1024 / 1024} MiB, not a project record`);
  let raw: Partial<Record<keyof ProjectRecord, unknown>> | null;
  try {
    raw = parseJsonInput(fs.readFileSync(file), recordFileName) as typeof raw;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(`${error.message}: restore it from git`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) broken('not a JSON object');
  const { format, generator } = raw;
  if (typeof format !== 'number' || !Number.isInteger(format) || format < 1) broken('"format" is not a record format');
  if (typeof generator !== 'string' || !versionPattern.test(generator)) broken('"generator" is not a version such as 0.1.0');
  if (format > recordFormat || compareVersions(generator, generatorVersion) > 0) {
    throw new UserError(
      `this project was made by steel-thread ${generator} (record format ${format}), newer than this steel-thread ${generatorVersion}: upgrade steel-thread first`,
      ExitCode.refused,
    );
  }
  const answers = checkRecordAnswers(raw.answers);
  const files = raw.files ?? {};
  if (typeof files !== 'object' || files === null || Array.isArray(files)) broken('"files" is not a table of fingerprints');
  for (const [rel, value] of Object.entries(files)) {
    if (typeof value !== 'string' || !fingerprintPattern.test(value)) broken(`"files" holds ${JSON.stringify(rel)} with a malformed fingerprint`);
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(rel)) broken(`"files" names a path with a control character or line break`);
    if (rel === recordFileName) broken(`"files" names the record itself`);
    checkRelativePath(rel, recordFileName);
  }
  const templates = raw.templates as Partial<Record<keyof TemplateSetId, unknown>> | undefined;
  if (typeof templates !== 'object' || templates === null || typeof templates.name !== 'string' || !labelPattern.test(templates.name)) {
    broken('"templates" does not name its template set');
  }
  const version = templates.version ?? null;
  if (version !== null && (typeof version !== 'string' || !labelPattern.test(version))) broken('"templates.version" is not a version');
  return { format, generator, templates: { name: templates.name, version }, answers, files: files as Record<string, string> };
}

/** The record's answers, each validated as its flag is; a refusal names the record and the key. */
function checkRecordAnswers(raw: unknown): Answers {
  const refuse: (what: string, reason: string) => never = (what, reason) => {
    throw new UserError(`${recordFileName}: ${what} is refused (${reason}): restore it from git, or fix it by hand`);
  };
  let answers: GivenAnswers = {};
  const isObject = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
  // The data is no flag's answer: checked on its own, below.
  const { data, ...flagged } = isObject ? (raw as Record<string, unknown>) : {};
  try {
    answers = checkGivenAnswers(isObject ? flagged : raw, 'answers');
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    refuse('"answers"', error.message);
  }
  if (data !== undefined) {
    try {
      answers.data = checkOwnData(data);
    } catch (error) {
      refuse(`answers.data`, (error as Error).message);
    }
  }
  for (const key of answerKeys) {
    if (key !== 'intake' && typeof answers[key] !== 'string') refuse(`answers.${key}`, 'missing');
  }
  const checks: [keyof Answers, (value: string) => string][] = [
    ['name', (value) => (checkDisplayName(value) === value ? value : refuse('answers.name', 'spaces around it'))],
    ['package', (value) => checkPackageName(value)],
    // Checked against the template set's own forms when the set is known (openProject).
    ['delivery', (value) => (/^[a-z][a-z0-9-]{0,30}$/.test(value) ? value : refuse('answers.delivery', '--delivery names no form'))],
    ['ci', (value) => (/^[a-z][a-z0-9-]{0,30}$/.test(value) ? value : refuse('answers.ci', '--ci names no provider'))],
  ];
  for (const [key, check] of checks) {
    try {
      check(answers[key] as string);
    } catch (error) {
      if (!(error instanceof UserError) || error.message.startsWith(recordFileName)) throw error;
      refuse(`answers.${key}`, error.message);
    }
  }
  return { intake: null, ...answers } as Answers;
}
