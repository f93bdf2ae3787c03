import fs from 'node:fs';
import path from 'node:path';
import { formatRecord, readRecord, recordFileName, recordFormat, type Answers, type ProjectRecord } from '../answers.js';
import { UserError } from '../errors.js';
import { removeOnInterrupt } from '../interrupt.js';
import { generatorVersion } from '../package.js';
import { render, type RenderedFile } from '../render/index.js';
import { loadTemplateSet, setLabel, type TemplateSet } from '../render/templates.js';
import { makeTemporaryFolder } from '../update/state.js';

/** An existing project, its record, and the template set `update` or `check` compares it with. */
export interface Project {
  dir: string;
  record: ProjectRecord;
  set: TemplateSet;
}

export function openProject(dir: string, templates: string | undefined): Project {
  const resolved = path.resolve(dir);
  if (!fs.statSync(resolved, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`${resolved} is not a folder`);
  const root = findProjectRoot(resolved);
  const record = readRecord(root);
  const set = loadTemplateSet(templates);
  if (record.templates.name !== set.registry.name) {
    throw new UserError(
      `this project was rendered from the template set "${setLabel(record.templates)}", not "${set.registry.name}": pass --templates with that set`,
    );
  }
  for (const [key, choices] of [['delivery', set.registry.delivery], ['ci', set.registry.ci]] as const) {
    const value = record.answers[key];
    if (!Object.hasOwn(choices, value)) {
      throw new UserError(`${recordFileName}: answers.${key} is refused (--${key} must be one of ${Object.keys(choices).join(', ')}, got "${value}"): restore it from git, or fix it by hand`);
    }
  }
  return { dir: fs.realpathSync(root), record, set };
}

/**
 * The folder holding the record: `dir` itself or, run from inside a project as git is, the
 * nearest parent with one. Outside any project, `dir` (whose missing record readRecord reports).
 */
function findProjectRoot(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    if (fs.lstatSync(path.join(current, recordFileName), { throwIfNoEntry: false })) return current;
    if (path.dirname(current) === current) return dir;
  }
}

/** Rendered path → fingerprint differences between two renders. */
export function compareRenders(base: Record<string, string>, next: Record<string, string>) {
  const changed = Object.keys(next).filter((p) => p in base && base[p] !== next[p]);
  const added = Object.keys(next).filter((p) => !(p in base));
  const removed = Object.keys(base).filter((p) => !(p in next));
  return { changed: changed.sort(), added: added.sort(), removed: removed.sort() };
}

/** The project record of a render. */
export function projectRecord(set: TemplateSet, answers: Answers, files: Record<string, string>): string {
  return formatRecord({ format: recordFormat, generator: generatorVersion, templates: set.id, answers, files });
}

/** Renders into a fresh temp folder that `use` may read; the folder is removed afterwards. */
export async function withRender<T>(
  set: TemplateSet,
  answers: Answers,
  use: (dir: string, files: RenderedFile[]) => Promise<T>,
): Promise<T> {
  const dir = makeTemporaryFolder('render');
  const release = removeOnInterrupt(dir);
  try {
    return await use(dir, await render(set, answers, dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    release();
  }
}
