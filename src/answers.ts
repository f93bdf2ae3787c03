import fs from 'node:fs';
import path from 'node:path';
import semverCoerce from 'semver/functions/coerce.js';
import semverCompare from 'semver/functions/compare.js';
import semverParse from 'semver/functions/parse.js';
import { ExitCode, UserError } from './errors.js';
import { consumers, freshnesses, intakes, type Consumer, type Freshness, type Intake } from './interview/rules.js';
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
}

/** What the user gave (flags, --answers), before the interview or --yes fills the rest. */
export type GivenAnswers = Partial<Answers>;

/** The flag that answers each question: errors name it. */
export const answerFlags: Record<keyof Answers, string> = {
  name: '--name',
  package: '--package',
  consumer: '--consumer',
  freshness: '--freshness',
  intake: '--intake',
  delivery: '--delivery',
  ci: '--ci',
};

const answerKeys = Object.keys(answerFlags) as (keyof Answers)[];
const fixedChoices: Partial<Record<keyof Answers, readonly string[]>> = {
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
  const unknown = Object.keys(raw).filter((key) => !answerKeys.includes(key as keyof Answers));
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
    const choices = fixedChoices[key as keyof Answers];
    given[key] = choices ? checkChoice(value, choices, answerFlags[key as keyof Answers]) : value;
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  return checkGivenAnswers(parsed, source);
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
    answers: Object.fromEntries(answerKeys.map((key) => [key, record.answers[key]])),
    files,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
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

export function readRecord(projectDir: string): ProjectRecord {
  const file = path.join(projectDir, recordFileName);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${projectDir} has no ${recordFileName}: it was not made by steel-thread (or the file was removed)`);
  }
  let raw: Partial<ProjectRecord>;
  try {
    raw = JSON.parse(text) as Partial<ProjectRecord>;
  } catch (error) {
    throw new UserError(`${recordFileName} is not valid JSON (${(error as Error).message}): restore it from git`);
  }
  if (typeof raw.format !== 'number' || typeof raw.generator !== 'string') {
    throw new UserError(`${recordFileName} has no format or generator version: restore it from git`);
  }
  if (raw.format > recordFormat || compareVersions(raw.generator, generatorVersion) > 0) {
    throw new UserError(
      `this project was made by steel-thread ${raw.generator} (record format ${raw.format}), newer than this steel-thread ${generatorVersion}: upgrade steel-thread first`,
      ExitCode.refused,
    );
  }
  const answers = checkGivenAnswers(raw.answers, recordFileName);
  for (const key of answerKeys) {
    if (key !== 'intake' && typeof answers[key] !== 'string') {
      throw new UserError(`${recordFileName} lacks the answer "${key}": restore it from git`);
    }
  }
  const files = raw.files ?? {};
  if (typeof files !== 'object' || Object.values(files).some((v) => typeof v !== 'string' || !/^[0-7]{6} [0-9a-f]{40}$/.test(v))) {
    throw new UserError(`${recordFileName} has a malformed "files" table: restore it from git`);
  }
  for (const rel of Object.keys(files)) checkRelativePath(rel, recordFileName);
  const templates = raw.templates as Partial<TemplateSetId> | undefined;
  if (typeof templates?.name !== 'string') throw new UserError(`${recordFileName} does not name its template set: restore it from git`);
  return {
    format: raw.format,
    generator: raw.generator,
    templates: { name: templates.name, version: typeof templates.version === 'string' ? templates.version : null },
    answers: { intake: null, ...answers } as Answers,
    files,
  };
}
