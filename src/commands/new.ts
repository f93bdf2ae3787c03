import fs from 'node:fs';
import path from 'node:path';
import { readAnswersFile, recordFileName, type Answers, type GivenAnswers } from '../answers.js';
import { ExitCode, UserError, type ExitCodeValue } from '../errors.js';
import { fingerprintRender } from '../fingerprint.js';
import { basesRef, GitMissing, storeBase, workTree, type WorkTree } from '../git.js';
import { removeOnInterrupt } from '../interrupt.js';
import { askData, type DataRequest } from '../interview/data.js';
import { askFolder, confirmBeside, interview, type InterviewMode } from '../interview/index.js';
import { projectNames } from '../names.js';
import { generatorVersion } from '../package.js';
import { firstCommit, hasNoCommit, initRepository, verifyStep, verifyTargets } from '../post.js';
import { render } from '../render/index.js';
import { checkSetChoices, loadTemplateSet, setLabel } from '../render/templates.js';
import { bold, dim, green, progress, red, say, sayList, shellQuote, warn } from '../ui.js';
import { checkWritable, createStaging, inspectTarget, moveIntoPlace, presentIn, removeInterruptedNew, type Beside } from '../write.js';
import { projectRecord, withRender } from './project.js';

export interface NewOptions {
  dir?: string;
  given: GivenAnswers;
  answersFile?: string;
  templates?: string;
  mode: InterviewMode;
  dryRun: boolean;
  git: boolean;
  verify: boolean;
  force: boolean;
  /** --data and the choices made of its columns. */
  data: DataRequest;
}

const defaultDir = 'steel-thread-project';

/**
 * How the project gets its repository: made in the staging folder and moved in with the files
 * (`own`); the first commit in an empty repository already at the target (`first`); the files
 * left to commit in a repository that holds the target (`inside`); or none.
 */
type GitPlan = 'own' | 'first' | 'inside' | 'none';

export async function runNew(options: NewOptions): Promise<ExitCodeValue> {
  const set = loadTemplateSet(options.templates);
  const given: GivenAnswers = { ...(options.answersFile ? readAnswersFile(options.answersFile) : {}), ...options.given };

  const target = path.resolve(options.dir ?? (await askFolder(options.mode, defaultDir)));
  let place = inspectTarget(target);
  checkWritable(place.exists ? target : path.dirname(target));
  const leftovers = place.exists && !options.dryRun ? removeInterruptedNew(target) : [];
  if (leftovers.length > 0) {
    warn(`an interrupted steel-thread new left ${leftovers.length} of its own files and folders in ${target}; removed them:`);
    sayList(leftovers, 20, warn);
    place = inspectTarget(target);
  }
  const nonEmpty = place.entries.length > 0;
  if (nonEmpty && !options.force && !(await confirmBeside(target, place.entries.length, options.mode))) {
    throw new UserError(
      `${target} is not empty (${place.entries.length} ${place.entries.length === 1 ? 'entry' : 'entries'}): choose another folder, or pass --force to add the project beside what is there`,
      ExitCode.refused,
    );
  }

  const { name, package: pkg, derivedFrom } = projectNames(given.name ?? path.basename(target), given.package);
  const interviewed = await interview(given, set, options.mode);
  const data = await askData(options.data, options.mode);
  const answers: Answers = { name, package: pkg, ...interviewed, ...(data ? { data } : {}) };
  checkSetChoices(set, answers);

  say(`${bold('steel-thread')} ${generatorVersion}: ${set.registry.delivery[answers.delivery]?.title} project "${answers.name}" in ${target}`);
  say(`  Python package: ${bold(answers.package)}${derivedFrom ? dim(` (made from the name "${derivedFrom}")`) : ''}`);

  if (options.dryRun) {
    await withRender(set, answers, async (_dir, files) => {
      const all = [...files.map((f) => f.path), recordFileName];
      const beside = presentIn(target, all);
      say(`Would write ${all.length} files${options.git && !nonEmpty ? ' and make the first git commit' : ''}:`);
      sayList(all, Number.POSITIVE_INFINITY);
      if (beside.length > 0) {
        say(`Would keep ${beside.length} of yours, putting the project's version beside each as NAME.from-template:`);
        sayList(beside, Number.POSITIVE_INFINITY);
      }
    });
    say(dim('Dry run: nothing was written.'));
    return ExitCode.ok;
  }

  const staging = createStaging(target, place.exists);
  const release = removeOnInterrupt(staging);
  let fallbackIdentity = false;
  let gitFailure: UserError | undefined;
  let beside: Beside[];
  let inside: WorkTree | null = null;
  try {
    const files = await render(set, answers, staging);
    const fingerprints = fingerprintRender(staging, files);
    fs.writeFileSync(path.join(staging, recordFileName), projectRecord(set, answers, fingerprints));
    const written = [...files.map((f) => f.path), recordFileName].sort();
    const message = `Steel thread for ${answers.name} (steel-thread ${generatorVersion})`;
    const tree = options.git ? await workTree(place.exists ? target : path.dirname(target)) : null;
    const atTarget = tree !== null && place.exists && tree.root === fs.realpathSync(target);
    const plan = gitPlan(options.git, tree, place.git, nonEmpty, atTarget && (await hasNoCommit(target)));

    // A repository of the project's own is made while still staged, so it appears complete or not at all.
    if (plan === 'own') {
      try {
        ({ fallbackIdentity } = await progress('Making the git repository and the first commit', () => initRepository(staging, written, message)));
        await storeBase(staging, { root: staging, prefix: '' }, staging, files, fingerprints, setLabel(set.id));
      } catch (error) {
        // git itself failed: the project is still whole, so it is written without a repository.
        if (!(error instanceof UserError) || error instanceof GitMissing) throw error;
        fs.rmSync(path.join(staging, '.git'), { recursive: true, force: true });
        gitFailure = error;
      }
    }
    beside = moveIntoPlace(staging, target, recordFileName);
    if (plan === 'first' && tree) {
      try {
        ({ fallbackIdentity } = await progress('Making the first commit', () => firstCommit(target, written, message)));
        await storeBase(target, tree, target, files, fingerprints, setLabel(set.id));
      } catch (error) {
        if (!(error instanceof UserError) || error instanceof GitMissing) throw error;
        gitFailure = error;
      }
    }
    if (plan === 'inside' && tree) {
      // Files left for the team to commit; the render is kept as the merge base all the same.
      await progress('Keeping the merge base in git', () => storeBase(target, tree, target, files, fingerprints, setLabel(set.id)));
      inside = tree;
    }
    if (plan === 'none' && options.git) say(dim('The folder was not empty, so no git repository was made: run git init and commit when ready.'));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    release();
  }

  say(green(`Created ${target}`));
  if (beside.length > 0) {
    warn(`kept ${beside.length} file${beside.length === 1 ? '' : 's'} of yours; the project's version of each is beside it:`);
    sayList(
      beside.map((b) => `${b.beside}  (the project's ${b.path})`),
      Number.POSITIVE_INFINITY,
      warn,
    );
  }
  if (inside) say(dim(`Inside the git repository at ${inside.root}: the files are left for you to commit (merge base kept under ${basesRef}).`));
  if (gitFailure) {
    throw new UserError(`the project is written, but ${gitFailure.message}: run git init and commit it yourself`, ExitCode.stepFailed, gitFailure.details);
  }
  if (fallbackIdentity) {
    warn('git has no user.name/user.email here: the first commit was made as "steel-thread <steel-thread@localhost>". Set your identity with git config.');
  }
  if (options.verify) await verify(target);
  say();
  for (const line of nextSteps(target, answers.delivery)) say(line);
  return ExitCode.ok;
}

function gitPlan(wanted: boolean, tree: WorkTree | null, gitAtTarget: boolean, nonEmpty: boolean, emptyRepositoryAtTarget: boolean): GitPlan {
  if (!wanted) return 'none';
  if (tree === null) return nonEmpty || gitAtTarget ? 'none' : 'own';
  return emptyRepositoryAtTarget && !nonEmpty ? 'first' : 'inside';
}

/** What to type next, as printed: the Python set-up first, then the checks and the thread. */
export function nextSteps(target: string, delivery: string): string[] {
  const relative = path.relative(process.cwd(), target);
  const cd = relative === '' ? [] : [`  cd ${shellQuote(relative)}`];
  return [
    'Next:',
    ...cd,
    '  make setup       # the project’s Python environment (uv), once',
    '  make test        # the project’s tests',
    '  make thread      # the whole steel thread, from data to delivered predictions',
    ...(delivery === 'api' ? ['  make serve       # the prediction service on $PORT (default 8000)'] : []),
  ];
}

async function verify(target: string): Promise<void> {
  for (const make of verifyTargets()) {
    const step = await progress(`Verifying: make ${make}`, () => verifyStep(target, make));
    if (step.ok) {
      say(`  ${green('ok')}   ${step.command}`);
      continue;
    }
    say(`  ${red('FAIL')} ${step.command}`);
    process.stderr.write(step.output);
    throw new UserError(`--verify: ${step.command} failed in ${target} (the project is kept)`, ExitCode.stepFailed);
  }
}
