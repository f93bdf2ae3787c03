import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { recordFileName, type Answers, type GivenAnswers, type ProjectRecord } from '../answers.js';
import { ExitCode, UserError, type ExitCodeValue } from '../errors.js';
import { fingerprintRender } from '../fingerprint.js';
import { basesRef, checkoutRules, cleanBlobIds, parseStatus, readBlob, storeBase, toCheckout, workTree, workTreeStatus, type WorkTree } from '../git.js';
import { inferData, sayDecisions } from '../data/index.js';
import { storedChoices, type DataRequest } from '../interview/data.js';
import { setLabel, type TemplateSet } from '../render/templates.js';
import { bold, dim, green, red, say, sayList, yellow } from '../ui.js';
import { applyJournal, readJournal, removeJournal, writeJournal, type Journal } from '../update/journal.js';
import { acquireLock, stateDir, sweepTemporaryFolders } from '../update/state.js';
import { journalOf, planUpdate, touchedPaths, type Action, type Outcome } from '../update.js';
import { removeStaleTemporaries } from '../write.js';
import { openProject, projectRecord, withRender } from './project.js';

export interface UpdateOptions {
  dir: string;
  changed: GivenAnswers;
  templates?: string;
  dryRun: boolean;
  allowDirty: boolean;
  /** --data: infer the schema again from this file (the stored choices kept unless changed). */
  data: DataRequest;
}

/** How the summary names each action, in the order it lists them. */
const shown: [Action, string][] = [
  ['update', 'updated'],
  ['merge', 'merged'],
  ['rename', 'moved'],
  ['conflict', 'CONFLICT'],
  ['beside', 'beside'],
  ['add', 'added'],
  ['remove', 'removed'],
  ['keep', 'kept'],
  ['keep-removed', 'kept'],
  ['stay-deleted', 'deleted'],
];

const explanation: Partial<Record<Action, string>> = {
  keep: 'yours; the template did not change it',
  'keep-removed': 'the template dropped it, but you changed it',
  'stay-deleted': 'you deleted it; it stays deleted',
};

function describe(outcome: Outcome): string {
  const details = [
    outcome.action === 'beside' ? `the template's version is in ${outcome.besidePath}` : undefined,
    outcome.note,
    explanation[outcome.action],
  ].filter(Boolean);
  return `${outcome.path}${details.length > 0 ? dim(` (${details.join('; ')})`) : ''}`;
}

function printPlan(outcomes: Outcome[]): void {
  for (const [action, label] of shown) {
    for (const outcome of outcomes.filter((o) => o.action === action)) {
      const paint = action === 'conflict' || action === 'beside' ? red : action === 'keep-removed' || action === 'stay-deleted' ? yellow : (s: string) => s;
      say(`  ${paint(label.padEnd(9))} ${describe(outcome)}`);
    }
  }
}

function summary(outcomes: Outcome[]): string {
  const count = (...actions: Action[]) => outcomes.filter((o) => actions.includes(o.action)).length;
  return [
    `${count('update')} updated`,
    `${count('merge', 'rename')} merged`,
    `${count('conflict', 'beside')} conflicts`,
    `${count('keep', 'keep-removed', 'stay-deleted')} kept`,
    `${count('remove')} removed`,
    `${count('add')} added`,
  ].join(', ');
}

/** What changed answers look like in a conflict marker: "--delivery table". */
function answerChanges(before: Answers, after: Answers): string {
  return (Object.keys(after) as (keyof Answers)[])
    .filter((key) => !isDeepStrictEqual(after[key], before[key]))
    .map((key) => (key === 'data' ? `--data ${after.data?.file}` : `--${key} ${after[key] ?? 'none'}`))
    .join(' ');
}

/**
 * Gives each file update writes, and the record, the line endings git would check it out with
 * (core.autocrlf, .gitattributes); returns the record's text in that form.
 */
async function toCheckoutForms(projectDir: string, outcomes: Outcome[], record: string): Promise<string> {
  const writes = outcomes.filter((o) => o.content !== undefined && o.action !== 'remove' && touchedPaths(o).length > 0);
  const target = (o: Outcome) => touchedPaths(o)[0] ?? o.path;
  const rules = await checkoutRules(projectDir, [...writes.map(target), recordFileName]);
  for (const outcome of writes) outcome.content = toCheckout(outcome.content ?? Buffer.alloc(0), rules.get(target(outcome)) ?? 'as-is');
  return toCheckout(Buffer.from(record), rules.get(recordFileName) ?? 'as-is').toString('utf8');
}

/** Finishes the update a kill or a failed write interrupted, before anything else is planned. */
function finishInterrupted(projectDir: string, state: string, journal: Journal): ExitCodeValue {
  say(yellow('An earlier update was interrupted: finishing it first.'));
  const left = applyJournal(projectDir, state, journal, path.join(projectDir, recordFileName));
  removeJournal(state);
  const done = journal.steps.filter((step) => !left.includes(step.path));
  say(`Finished: ${done.length} file${done.length === 1 ? '' : 's'} of the interrupted update are in place.`);
  if (left.length > 0) say(yellow(`Left as they are, because they changed since that update began: ${left.join(', ')}`));
  const unresolved = journal.unresolved.filter((rel) => !left.includes(rel));
  if (unresolved.length > 0) {
    throw new UserError(`update finished with ${unresolved.length} conflict${unresolved.length === 1 ? '' : 's'}: ${unresolved.join(', ')}`, ExitCode.conflicts);
  }
  say(dim('Review with git diff, run make test, then commit; run update again for anything newer.'));
  return ExitCode.ok;
}

export async function runUpdate(options: UpdateOptions): Promise<ExitCodeValue> {
  const { dir: projectDir, record, set } = openProject(options.dir, options.templates);
  const repository = await workTree(projectDir);
  const state = stateDir(projectDir, repository);
  const release = acquireLock(state);
  try {
    sweepTemporaryFolders();
    removeStaleTemporaries(projectDir, [...Object.keys(record.files), recordFileName]);
    const pending = readJournal(state);
    if (pending) {
      // A write the kill cut short left its temp file beside a path of the journal, maybe a new one.
      removeStaleTemporaries(projectDir, pending.steps.map((step) => step.path));
      if (options.dryRun) {
        say(yellow(`An earlier update was interrupted; run update without --dry-run to finish it (${pending.steps.length} changes).`));
        return ExitCode.ok;
      }
      return finishInterrupted(projectDir, state, pending);
    }
    return await updateProject(options, projectDir, record, set, repository, state);
  } finally {
    release();
  }
}

async function updateProject(
  options: UpdateOptions,
  projectDir: string,
  record: ProjectRecord,
  set: TemplateSet,
  repository: WorkTree | null,
  state: string,
): Promise<ExitCodeValue> {
  const statusOutput = repository && !options.allowDirty ? await workTreeStatus(projectDir) : null;
  const status = repository && statusOutput !== null ? parseStatus(statusOutput, repository) : undefined;
  if (status) {
    const { changed } = status;
    if (changed.length > 0) {
      throw new UserError(
        `the work tree has uncommitted changes (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}): commit or stash them first, so the update can be reviewed as one diff (or pass --allow-dirty)`,
        ExitCode.refused,
      );
    }
  }
  // Only now the data file, which may be large: a refused update reads none of it.
  const answers: Answers = { ...record.answers, ...options.changed };
  if (options.data.file !== undefined) {
    answers.data = await inferData(options.data.file, { ...storedChoices(record.answers.data), ...options.data.choices });
    sayDecisions(answers.data);
  }

  const changes = answerChanges(record.answers, answers);
  const labels = {
    ours: 'yours',
    base: `template ${setLabel(record.templates)} (last render)`,
    theirs: `template ${setLabel(set.id)}${changes ? ` ${changes}` : ''}`,
  };
  say(`${bold('steel-thread update')}: ${setLabel(record.templates)} → ${labels.theirs.replace(/^template /, '')} in ${projectDir}`);

  return withRender(set, answers, async (renderDir, files) => {
    const next = fingerprintRender(renderDir, files);
    const readBase = repository ? (blob: string) => readBlob(projectDir, blob) : async () => null;
    const clean = repository ? await cleanBlobIds(projectDir, [...new Set([...Object.keys(record.files), ...Object.keys(next)])]) : undefined;
    // The new render is stored as the next merge base while the plan is made: it touches only
    // git's objects and our own ref, so even an update refused below changes no file.
    const [outcomes] = await Promise.all([
      planUpdate({ projectDir, base: record.files, next, renderDir, readBase, labels, ...(clean ? { clean } : {}) }),
      repository && !options.dryRun ? storeBase(projectDir, repository, renderDir, files, next, setLabel(set.id)) : undefined,
    ]);

    if (status) {
      const { untracked } = status;
      const inTheWay = outcomes.flatMap((o) => [...touchedPaths(o), ...(o.action === 'beside' ? [o.path] : [])]).filter((p) => untracked.includes(p));
      if (inTheWay.length > 0) {
        throw new UserError(`untracked files where update would write: ${inTheWay.join(', ')}: commit or move them (or pass --allow-dirty)`, ExitCode.refused);
      }
    }

    const active = outcomes.filter((o) => o.action !== 'unchanged');
    if (options.dryRun) {
      say(active.length > 0 ? 'Plan:' : 'Nothing to change.');
      printPlan(active);
      say(dim(`Dry run: nothing was written. It would be: ${summary(outcomes)}.`));
      return ExitCode.ok;
    }

    // The record, too, in the line endings git checks it out with, or every update would re-write it.
    const rendered = projectRecord(set, answers, next);
    const recordText = repository ? await toCheckoutForms(projectDir, outcomes, rendered) : rendered;
    const recordPath = path.join(projectDir, recordFileName);
    const recordChanged = fs.readFileSync(recordPath, 'utf8') !== recordText;
    if (!recordChanged && !outcomes.some((o) => touchedPaths(o).length > 0)) {
      const kept = outcomes.filter((o) => o.action !== 'unchanged').length;
      say(green(`Already up to date: nothing changed${kept > 0 ? ` (${kept} file${kept === 1 ? '' : 's'} keep your own changes)` : ''}.`));
      return ExitCode.ok;
    }
    const { journal, contents } = journalOf(projectDir, outcomes, recordText);
    writeJournal(state, journal, contents);
    const left = applyJournal(projectDir, state, journal, recordPath);
    removeJournal(state);
    if (left.length > 0) say(yellow(`Left as they are, because they changed while update ran: ${left.join(', ')}`));

    printPlan(active);
    say(`${bold('Summary:')} ${summary(outcomes)}.`);
    if (outcomes.some((o) => o.note?.startsWith('no merge base'))) {
      say(
        yellow(
          `Some merge bases were not found (no git, or a clone without ${basesRef}): where both sides changed a file, both versions are kept between conflict markers. Where the bases were pushed, fetch them (beside this clone's own, which this update just began) with: git fetch origin '+${basesRef}:${basesRef}-fetched'`,
        ),
      );
    }
    const unresolved = outcomes.filter((o) => o.action === 'conflict' || o.action === 'beside');
    if (unresolved.length > 0) {
      say();
      say(red(`${unresolved.length} file${unresolved.length === 1 ? ' needs' : 's need'} you:`));
      sayList(unresolved.map((o) => (o.action === 'beside' ? `${o.path} and ${o.besidePath}` : `${o.path} (conflict markers: <<<<<<< yours … >>>>>>> template)`)), Number.POSITIVE_INFINITY);
      throw new UserError(
        `update finished with ${unresolved.length} conflict${unresolved.length === 1 ? '' : 's'}: ${unresolved.map((o) => o.path).join(', ')}`,
        ExitCode.conflicts,
      );
    }
    say(dim('Review with git diff, run make test, then commit.'));
    return ExitCode.ok;
  });
}
