import fs from 'node:fs';
import path from 'node:path';
import { readAnswersFile, recordFileName, type Answers, type GivenAnswers } from '../answers.js';
import { ExitCode, UserError, type ExitCodeValue } from '../errors.js';
import { fingerprintRender } from '../fingerprint.js';
import { basesRef, GitMissing, storeBase, workTree } from '../git.js';
import { removeOnInterrupt } from '../interrupt.js';
import { askFolder, interview, type InterviewMode } from '../interview/index.js';
import { projectNames } from '../names.js';
import { generatorVersion } from '../package.js';
import { initRepository, verifyProject } from '../post.js';
import { render, type RenderedFile } from '../render/index.js';
import { checkSetChoices, loadTemplateSet, setLabel, type TemplateSet } from '../render/templates.js';
import { bold, dim, green, red, say, sayList, warn } from '../ui.js';
import { checkWritable, createStaging, inspectTarget, moveIntoPlace, overwrittenBy } from '../write.js';
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
}

const defaultDir = 'steel-thread-project';

export async function runNew(options: NewOptions): Promise<ExitCodeValue> {
  const set = loadTemplateSet(options.templates);
  const given: GivenAnswers = { ...(options.answersFile ? readAnswersFile(options.answersFile) : {}), ...options.given };

  const target = path.resolve(options.dir ?? (await askFolder(options.mode, defaultDir)));
  const { entries } = inspectTarget(target);
  checkWritable(entries.length > 0 ? target : path.dirname(target));
  if (entries.length > 0 && !options.force) {
    throw new UserError(
      `${target} is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}): choose another folder, or pass --force to add the project beside what is there`,
      ExitCode.refused,
    );
  }

  const { name, package: pkg, derivedFrom } = projectNames(given.name ?? path.basename(target), given.package);
  const answers: Answers = { name, package: pkg, ...(await interview(given, set, options.mode)) };
  checkSetChoices(set, answers);

  say(`${bold('steel-thread')} ${generatorVersion}: ${set.registry.delivery[answers.delivery]?.title} project "${answers.name}" in ${target}`);
  say(`  Python package: ${bold(answers.package)}${derivedFrom ? dim(` (made from the name "${derivedFrom}")`) : ''}`);

  if (options.dryRun) {
    await withRender(set, answers, async (_dir, files) => {
      const overwritten = overwrittenBy(target, [...files.map((f) => f.path), recordFileName]);
      say(`Would write ${files.length + 1} files${options.git && entries.length === 0 ? ' and make the first git commit' : ''}:`);
      sayList([...files.map((f) => f.path), recordFileName], Number.POSITIVE_INFINITY);
      if (overwritten.length > 0) {
        say(`Would overwrite ${overwritten.length}:`);
        sayList(overwritten, Number.POSITIVE_INFINITY);
      }
    });
    say(dim('Dry run: nothing was written.'));
    return ExitCode.ok;
  }

  const staging = createStaging(target);
  const release = removeOnInterrupt(staging);
  let fallbackIdentity = false;
  let gitFailure: UserError | undefined;
  try {
    const files = await render(set, answers, staging);
    const fingerprints = fingerprintRender(staging, files);
    fs.writeFileSync(path.join(staging, recordFileName), projectRecord(set, answers, fingerprints));
    const written = [...files.map((f) => f.path), recordFileName].sort();

    if (entries.length > 0) {
      const overwritten = overwrittenBy(target, written);
      if (overwritten.length > 0) {
        warn(`--force: overwriting ${overwritten.length} file${overwritten.length === 1 ? '' : 's'} in ${target}:`);
        sayList(overwritten, Number.POSITIVE_INFINITY, warn);
      }
    }
    // A fresh folder gets its repository while still staged, so it appears complete or not at all.
    const ownRepository = options.git && entries.length === 0 && (await workTree(path.dirname(target))) === null;
    if (ownRepository) {
      try {
        ({ fallbackIdentity } = await initRepository(staging, written, `Steel thread for ${answers.name} (steel-thread ${generatorVersion})`));
        await storeBase(staging, { root: staging, prefix: '' }, staging, files, fingerprints, setLabel(set.id));
      } catch (error) {
        // git itself failed: the project is still whole, so it is written without a repository.
        if (!(error instanceof UserError) || error instanceof GitMissing) throw error;
        fs.rmSync(path.join(staging, '.git'), { recursive: true, force: true });
        gitFailure = error;
      }
    }
    moveIntoPlace(staging, target);
    if (options.git && !ownRepository) await explainGit(target, files, fingerprints, set);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    release();
  }

  say(green(`Created ${target}`));
  if (gitFailure) {
    throw new UserError(`the project is written, but ${gitFailure.message}: run git init and commit it yourself`, ExitCode.stepFailed, gitFailure.details);
  }
  if (fallbackIdentity) {
    warn('git has no user.name/user.email here: the first commit was made as "steel-thread <steel-thread@localhost>". Set your identity with git config.');
  }
  if (options.verify) await verify(target);
  say();
  say('Next:');
  say(`  cd ${path.relative(process.cwd(), target) || '.'}`);
  say('  make test        # the project’s tests');
  say('  make thread      # the whole steel thread, from data to delivered predictions');
  return ExitCode.ok;
}

/** A project inside another repository, or added to a non-empty folder: no commit of ours. */
async function explainGit(target: string, files: RenderedFile[], fingerprints: Record<string, string>, set: TemplateSet) {
  const tree = await workTree(target);
  if (tree === null) {
    say(dim('The folder was not empty, so no git repository was made: run git init and commit when ready.'));
    return;
  }
  await storeBase(target, tree, target, files, fingerprints, setLabel(set.id));
  say(dim(`Inside the git repository at ${tree.root}: the files are left for you to commit (merge base kept under ${basesRef}).`));
}

async function verify(target: string): Promise<void> {
  say('Verifying: make test, then make thread …');
  for (const step of await verifyProject(target)) {
    if (step.ok) {
      say(`  ${green('ok')}   ${step.command}`);
      continue;
    }
    say(`  ${red('FAIL')} ${step.command}`);
    process.stderr.write(step.output);
    throw new UserError(`--verify: ${step.command} failed in ${target} (the project is kept)`, ExitCode.stepFailed);
  }
}
