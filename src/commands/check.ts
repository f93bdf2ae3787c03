import { ExitCode, type ExitCodeValue } from '../errors.js';
import { fingerprintRender } from '../fingerprint.js';
import { generatorVersion } from '../package.js';
import { setLabel } from '../render/templates.js';
import { green, say, sayList, yellow } from '../ui.js';
import { sweepTemporaryFolders } from '../update/state.js';
import { compareRenders, openProject, withRender } from './project.js';

export interface CheckOptions {
  dir: string;
  templates?: string;
  json: boolean;
}

/**
 * Current when this version's templates, rendered with the project's answers, give exactly the
 * render the project last took in. The team's own edits never make a project behind.
 */
export async function runCheck(options: CheckOptions): Promise<ExitCodeValue> {
  const { record, set } = openProject(options.dir, options.templates);
  sweepTemporaryFolders();
  const differences = await withRender(set, record.answers, async (dir, files) =>
    compareRenders(record.files, fingerprintRender(dir, files)),
  );
  const count = differences.changed.length + differences.added.length + differences.removed.length;
  const current = count === 0;
  if (options.json) {
    say(
      JSON.stringify({
        current,
        project: { generator: record.generator, templates: setLabel(record.templates) },
        templates: { generator: generatorVersion, templates: setLabel(set.id) },
        ...differences,
      }),
    );
  } else if (current) {
    say(green(`current: the project matches ${setLabel(set.id)}`));
  } else {
    say(yellow(`behind: ${setLabel(set.id)} renders ${count} file${count === 1 ? '' : 's'} differently from the project's last render (${setLabel(record.templates)})`));
    for (const [what, paths] of Object.entries(differences)) {
      if (paths.length === 0) continue;
      say(`${what}:`);
      sayList(paths);
    }
    say('Run steel-thread update to bring the changes in.');
  }
  return current ? ExitCode.ok : ExitCode.behind;
}
