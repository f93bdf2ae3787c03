import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkGivenAnswers, type GivenAnswers } from './answers.js';
import type { DataRequest } from './interview/data.js';
import { ExitCode, fromSystemError, UserError, type ExitCodeValue } from './errors.js';
import { removeTemporaries } from './interrupt.js';
import { generatorVersion } from './package.js';
import { sayError } from './ui.js';

/** Arguments → one command. Everything else lives in the command modules. */

type Options = NonNullable<ParseArgsConfig['options']>;

const answerOptions = {
  consumer: { type: 'string' },
  freshness: { type: 'string' },
  intake: { type: 'string' },
  delivery: { type: 'string' },
  ci: { type: 'string' },
} satisfies Options;

/** The team's own data, for new and update: the file and the choices inference cannot make alone. */
const dataOptions = {
  data: { type: 'string' },
  label: { type: 'string' },
  id: { type: 'string' },
  positive: { type: 'string' },
  'pass-through': { type: 'string' },
  placeholders: { type: 'boolean' },
} satisfies Options;

const dataHelp = `  --data FILE                          build around your data (CSV or Parquet): the schema is
                                       inferred from every row; the sample is synthetic, so no
                                       real row is written (see the README, "Bring your own data")
  --label COL                          the column to predict (two values: binary; many numbers:
                                       regression)
  --id COL                             the entity id column (inferred when one is obvious)
  --positive VALUE                     a text label's positive class (yes, true, 1 are obvious)
  --pass-through COL,...               columns delivered beside the score, never features
  --placeholders                       take the spotted placeholder values (-1, 999, ...) as
                                       placeholders meaning unknown`;

const help = { help: { type: 'boolean', short: 'h' } } satisfies Options;

const commands = {
  new: {
    usage: 'steel-thread new [dir] [options]',
    summary: 'interview, recommend a form, generate the project (the default command)',
    positionals: 1,
    options: {
      ...answerOptions,
      name: { type: 'string' },
      package: { type: 'string' },
      answers: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      'dry-run': { type: 'boolean' },
      'no-git': { type: 'boolean' },
      verify: { type: 'boolean' },
      force: { type: 'boolean' },
      templates: { type: 'string' },
      ...dataOptions,
      ...help,
    },
    help: `Options:
  --consumer service|people|analysts   who uses the model's output
  --freshness realtime|daily|weekly    how fresh a prediction must be
  --intake api|files|database          how they take data in today (optional; adds reasons)
  --delivery api|csv|table             choose the form directly (skips the recommendation)
  --ci github|gitlab                   CI provider (default github)
  --name TEXT                          display name (default: the folder's name)
  --package NAME                       Python package name (default: made from the name)
  --answers FILE                       answers as JSON: {"consumer": "people", ...}; flags win
  -y, --yes                            take the recommended or default answer for the rest
  --dry-run                            show what would be written; write nothing
  --no-git                             no git init, no first commit
  --verify                             run the project's make test and make thread afterwards
  --force                              add to a non-empty folder: keeps every file; where one
                                       is there, the project's version goes beside it
  --templates DIR                      use this template set instead of the built-in one
${dataHelp}

Examples:
  steel-thread new churn-calls                        the interview, then the project
  steel-thread new churn-calls --data calls.csv --label called_back --yes
  steel-thread new . --consumer people --freshness daily --yes
  steel-thread new scores --delivery table --ci gitlab --yes --verify`,
  },
  update: {
    usage: 'steel-thread update [dir] [options]',
    summary: 're-render with the stored or changed answers and merge, losing nothing',
    positionals: 1,
    options: {
      ...answerOptions,
      'dry-run': { type: 'boolean' },
      'allow-dirty': { type: 'boolean' },
      templates: { type: 'string' },
      ...dataOptions,
      ...help,
    },
    help: `Options:
  --consumer, --freshness, --intake,   change an answer: the project moves to it, merging
  --delivery, --ci                     (--delivery table moves a CSV project to table export)
  --dry-run                            show the plan per file; write nothing
  --allow-dirty                        run even when the git work tree has uncommitted changes
  --templates DIR                      use this template set instead of the built-in one
  --data FILE                          infer the schema again from this file and move the
                                       project to it (--label, --id, --positive, --pass-through,
                                       --placeholders as for new; the stored choices otherwise)

Examples:
  steel-thread update                  take in this version's templates, keeping your edits
  steel-thread update --delivery api --dry-run
  steel-thread update --data calls-2.csv --dry-run`,
  },
  check: {
    usage: 'steel-thread check [dir] [options]',
    summary: 'exit 6 when the project is behind these templates, 0 when current',
    positionals: 1,
    options: { json: { type: 'boolean' }, templates: { type: 'string' }, ...help },
    help: `Options:
  --json                               print the result as JSON
  --templates DIR                      compare with this template set instead of the built-in one

Examples:
  steel-thread check --json
  npx steel-thread check || echo "a newer steel-thread has changes: run steel-thread update"`,
  },
  recommend: {
    usage: 'steel-thread recommend [options]',
    summary: 'the interview and the recommended form with its reasons; writes nothing',
    positionals: 0,
    options: {
      consumer: answerOptions.consumer,
      freshness: answerOptions.freshness,
      intake: answerOptions.intake,
      json: { type: 'boolean' },
      ...help,
    },
    help: `Options:
  --consumer service|people|analysts   who uses the model's output
  --freshness realtime|daily|weekly    how fresh a prediction must be
  --intake api|files|database          how they take data in today (optional)
  --json                               print {"delivery": ..., "reasons": [...]}; never asks

Example:
  steel-thread recommend --consumer people --freshness daily --json`,
  },
} as const;

type CommandName = keyof typeof commands;

const exitCodesHelp = `Exit codes:
  0  done                        4  a step after writing failed (git, --verify); files kept
  1  unexpected error (a bug)    5  update left conflicts to resolve (files listed)
  2  bad input; nothing done     6  check: the project is behind its templates
  3  refused to protect work     130  interrupted`;

const environmentHelp = `Environment:
  NO_COLOR=1            no colour, prompts included
  FORCE_COLOR=1         colour even when the output is not a terminal (0: never)
  PYTHON=/path/python   the interpreter --verify runs the project's make targets with
  STEEL_THREAD_DEBUG=1  print the stack trace of an unexpected error`;

function generalHelp(): string {
  const lines = Object.values(commands).map((c) => `  ${c.usage.replace(' [options]', '').padEnd(27)}${c.summary}`);
  return `steel-thread ${generatorVersion}: decide who consumes a model's output, then generate the
walking skeleton (steel thread) that delivers it.

Usage:
${lines.join('\n')}

  steel-thread help <command> a command's options and examples (or: <command> --help)
  steel-thread --version

Examples:
  steel-thread new churn-calls   asks who uses the predictions, then generates the project
  steel-thread new churn-calls --consumer people --freshness daily --yes
  npm create steel-thread@latest churn-calls -- --yes      (npm passes flags on after --)

${environmentHelp}

${exitCodesHelp}
`;
}

function commandHelp(name: CommandName): string {
  const command = commands[name];
  return `Usage: ${command.usage}\n\n${command.summary}\n\n${command.help}\n\n${environmentHelp}\n\n${exitCodesHelp}\n`;
}

/** Edits (insertions, deletions, substitutions, swaps of neighbours) between two words. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The known word closest to `word`, if it is within two edits and those edits do not make up
 * the whole word (so "ne" suggests "new", but "me" is just a name).
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(word.toLowerCase(), name);
    if (distance <= 2 && distance < word.length && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

const commandNames = [...Object.keys(commands), 'help'];

/**
 * `new` is the default command, so a mistyped command would silently become a project folder:
 * a first word close to a command's name is refused, unless it is written as a path or names
 * something that exists.
 */
function refuseMistypedCommand(word: string | undefined): void {
  // A word that is written as a path ("./updte", "a/b") or names something that exists is a folder.
  if (word === undefined || word.startsWith('-') || /[/\\.]/.test(word) || commandNames.includes(word) || fs.existsSync(word)) return;
  const suggestion = closest(word, commandNames);
  if (suggestion) {
    throw new UserError(`unknown command "${word}": did you mean "${suggestion}"? (for a project folder of that name: steel-thread new ${word})`);
  }
}

function parse(name: CommandName, args: string[]) {
  const command = commands[name];
  try {
    return parseArgs({ args, options: command.options as Options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = ((error as Error).message.split('\n')[0]?.replace(/\. To specify a positional.*$/, '') ?? '').replace(/\.$/, '');
    const unknown = /^Unknown option '(--?[^']+)'/.exec(message)?.[1];
    const suggestion = unknown?.startsWith('--') ? closest(unknown.slice(2), Object.keys(command.options)) : undefined;
    throw new UserError(`${message}${suggestion ? `: did you mean --${suggestion}?` : ''} (see steel-thread ${name} --help)`);
  }
}

function givenAnswers(values: Record<string, unknown>): GivenAnswers {
  const keys = ['name', 'package', 'consumer', 'freshness', 'intake', 'delivery', 'ci'];
  return checkGivenAnswers(Object.fromEntries(keys.filter((k) => values[k] !== undefined).map((k) => [k, values[k]])), 'flags');
}

/** The --data flags as one request; the choices without --data are refused (they choose among its columns). */
function dataRequest(values: Record<string, unknown>): DataRequest {
  const choices = ['label', 'id', 'positive', 'pass-through', 'placeholders'].filter((flag) => values[flag] !== undefined && values[flag] !== false);
  if (values.data === undefined && choices.length > 0) {
    const flags = choices.map((flag) => `--${flag}`).join(', ');
    throw new UserError(`${flags} ${choices.length === 1 ? 'needs' : 'need'} --data FILE: ${choices.length === 1 ? 'it chooses' : 'they choose'} among the file's columns`);
  }
  const passThrough = values['pass-through'] as string | undefined;
  return {
    file: values.data as string | undefined,
    choices: {
      ...(values.label !== undefined ? { label: values.label as string } : {}),
      ...(values.id !== undefined ? { id: values.id as string } : {}),
      ...(values.positive !== undefined ? { positive: values.positive as string } : {}),
      ...(passThrough !== undefined ? { passThrough: passThrough.split(',').map((name) => name.trim()).filter(Boolean) } : {}),
      ...(values.placeholders ? { placeholders: true } : {}),
    },
  };
}

const isInteractive = () => Boolean(process.stdin.isTTY && process.stdout.isTTY);

async function dispatch(argv: string[], defaultCommand: CommandName): Promise<ExitCodeValue> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${generatorVersion}\n`);
    return ExitCode.ok;
  }
  if (first === '--help' || first === '-h') {
    process.stdout.write(generalHelp());
    return ExitCode.ok;
  }
  if (first === 'help') {
    const [topic] = rest;
    if (topic === undefined) process.stdout.write(generalHelp());
    else if (topic in commands) process.stdout.write(commandHelp(topic as CommandName));
    else {
      const suggestion = closest(topic, Object.keys(commands));
      throw new UserError(`no command "${topic}"${suggestion ? `: did you mean "${suggestion}"?` : ''} (commands: ${Object.keys(commands).join(', ')})`);
    }
    return ExitCode.ok;
  }
  refuseMistypedCommand(first);
  const name: CommandName = first !== undefined && first in commands ? (first as CommandName) : defaultCommand;
  const args = name === first ? rest : argv;
  const { values, positionals } = parse(name, args);
  if (values.help) {
    process.stdout.write(commandHelp(name));
    return ExitCode.ok;
  }
  if (positionals.length > commands[name].positionals) {
    throw new UserError(`too many arguments: ${positionals.join(' ')} (see steel-thread ${name} --help)`);
  }
  const mode = { interactive: isInteractive(), yes: Boolean(values.yes) };
  const dir = positionals[0];
  switch (name) {
    case 'new': {
      if (values['dry-run'] && values.verify) throw new UserError('--dry-run and --verify cannot go together: a dry run writes nothing to verify');
      const { runNew } = await import('./commands/new.js');
      return runNew({
        dir,
        given: givenAnswers(values),
        answersFile: values.answers as string | undefined,
        templates: values.templates as string | undefined,
        mode,
        dryRun: Boolean(values['dry-run']),
        git: !values['no-git'],
        verify: Boolean(values.verify),
        force: Boolean(values.force),
        data: dataRequest(values),
      });
    }
    case 'update': {
      const { runUpdate } = await import('./commands/update.js');
      return runUpdate({
        dir: dir ?? '.',
        changed: givenAnswers(values),
        templates: values.templates as string | undefined,
        dryRun: Boolean(values['dry-run']),
        allowDirty: Boolean(values['allow-dirty']),
        data: dataRequest(values),
      });
    }
    case 'check': {
      const { runCheck } = await import('./commands/check.js');
      return runCheck({ dir: dir ?? '.', templates: values.templates as string | undefined, json: Boolean(values.json) });
    }
    case 'recommend': {
      const { runRecommend } = await import('./commands/recommend.js');
      return runRecommend({ given: givenAnswers(values), mode, json: Boolean(values.json) });
    }
  }
}

function onSignal(signal: NodeJS.Signals, code: number) {
  process.on(signal, () => {
    removeTemporaries();
    process.stderr.write(`\ninterrupted (${signal}): nothing half-written is left\n`);
    process.exit(code);
  });
}

/** Runs the command line and exits with its code. */
export async function main(argv: string[], defaultCommand: CommandName = 'new'): Promise<void> {
  // A reader that went away (`steel-thread … | head`) is no error of ours: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? ExitCode.ok);
  });
  onSignal('SIGINT', ExitCode.interrupted);
  onSignal('SIGTERM', 143);
  onSignal('SIGHUP', 129);
  let code: number;
  try {
    code = await dispatch(argv, defaultCommand);
  } catch (caught) {
    removeTemporaries();
    const error = fromSystemError(caught) ?? caught;
    if (error instanceof UserError) {
      sayError(error.message, error.details);
      code = error.exitCode;
    } else {
      sayError(`unexpected: ${(error as Error)?.message ?? String(error)} (please report this, with the command you ran)`);
      if (process.env.STEEL_THREAD_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
      code = ExitCode.unexpected;
    }
  }
  process.exitCode = code;
}
