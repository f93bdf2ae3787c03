import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type HandlebarsModule from 'handlebars';
// Handlebars' runtime alone (no compiler), for templates compiled at build time.
import * as runtime from 'handlebars/runtime';
import nodePlop from 'node-plop';
import { recordFileName, type Answers } from '../answers.js';
import { UserError } from '../errors.js';
import { recommend } from '../interview/rules.js';
import { generatorVersion } from '../package.js';
import { checkRelativePath } from '../write.js';
import { helpers } from './helpers.js';
import { ownDataContext, ownDataFiles, type OwnDataContext } from './own-data.js';
import precompiled from './precompiled.js';
import { checkSetChoices, readLayer, readSetFile, type Layer, type LayerEntry, type TemplateFile, type TemplateSet } from './templates.js';

/** One file of a render: its path in the project and whether it is executable. */
export interface RenderedFile {
  path: string;
  executable: boolean;
}

/** What templates see. Typed text (the name) goes through the escaping helpers. */
export interface TemplateContext extends Omit<Answers, 'data'> {
  distribution: string;
  form: LayerEntry;
  ciProvider: LayerEntry;
  recommendation: { delivery: string; reasons: string[]; followed: boolean };
  schedule: Schedule;
  generator: { version: string };
  /** The team's own data, for the README and the decision record (null: the shipped sample). */
  ownData: OwnDataContext | null;
}

/** When a scheduled delivery runs: a cron line (UTC), the run id's slot as `date` writes it, a
 * slot for the docs, and the words for people. Made from the freshness the consumer needs. */
interface Schedule {
  cron: string;
  slot: string;
  example: string;
  when: string;
}

const schedules: Record<Answers['freshness'], Schedule> = {
  realtime: { cron: '0 * * * *', slot: '%Y-%m-%dT%H', example: '2026-01-31T06', when: 'every hour, on the hour' },
  daily: { cron: '0 6 * * *', slot: '%Y-%m-%d', example: '2026-01-31', when: 'every day at 06:00' },
  weekly: { cron: '0 6 * * 1', slot: '%G-W%V', example: '2026-W05', when: 'every Monday at 06:00' },
};

export function templateContext(set: TemplateSet, answers: Answers): TemplateContext {
  checkSetChoices(set, answers);
  const form = set.registry.delivery[answers.delivery] as LayerEntry;
  const ciProvider = set.registry.ci[answers.ci] as LayerEntry;
  const recommendation = recommend(answers.consumer, answers.freshness, answers.intake);
  const { data, ...plain } = answers;
  return {
    ...plain,
    distribution: answers.package.replace(/_/g, '-'),
    form,
    ciProvider,
    recommendation: { ...recommendation, followed: recommendation.delivery === answers.delivery },
    schedule: schedules[answers.freshness],
    generator: { version: generatorVersion },
    ownData: data ? ownDataContext(data) : null,
  };
}

/**
 * The context as strict templates must see it. Handlebars' strict mode tests a name with `in`,
 * which finds Object.prototype's too, so `{{toString}}` or `{{form.constructor}}` passed and
 * rendered empty; seen through this proxy only own names exist, and any other is "not defined".
 */
function ownNamesOnly<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  return new Proxy(value, {
    has: (target, key) => Object.hasOwn(target, key),
    get: (target, key) => {
      const found: unknown = Reflect.get(target, key);
      return Object.hasOwn(target, key) ? ownNamesOnly(found) : found;
    },
  });
}

type Handlebars = typeof HandlebarsModule;
type Template = (context: unknown) => string;

/** Template text → render function, on a Handlebars instance of our own. */
interface Engine {
  compile(text: string, where: string): Template;
  registerPartial(name: string, text: string): void;
}

const sha1 = (text: string) => crypto.createHash('sha1').update(text).digest('hex');

/**
 * A Handlebars instance of our own (never the global one): no HTML escaping, unknown names are
 * errors, our helpers only. Templates compiled at build time (the built-in set) are used as they
 * are; only when some template is not among them (a team's set, a changed file) is the compiler
 * loaded, once, for those alone.
 */
async function createEngine(sources: string[]): Promise<Engine> {
  const compiler = sources.every((text) => sha1(text) in precompiled) ? undefined : (await import('handlebars')).default;
  const hb: Handlebars = (compiler ?? (runtime as unknown as { default: Handlebars }).default).create();
  hb.unregisterHelper('log');
  // Its only messages would be warnings of denied prototype access on our stderr; the strict
  // context (ownNamesOnly) makes those names errors of ours instead.
  hb.logger.level = Number.POSITIVE_INFINITY;
  hb.registerHelper(helpers);
  const build = (text: string): Template => {
    const spec = precompiled[sha1(text)];
    return spec ? hb.template(spec as never) : hb.compile(text, { noEscape: true, strict: true });
  };
  return {
    registerPartial: (name, text) => hb.registerPartial(name, build(text)),
    compile: (text, where) => {
      const template = build(text);
      return (context) => {
        try {
          return template(context);
        } catch (error) {
          throw new UserError(`template ${where}: ${(error as Error).message.split('\n')[0]}`);
        }
      };
    },
  };
}

interface PlannedFile {
  template: TemplateFile;
  layer: string;
  output: string;
}

/** The files of a render, later layers (delivery, then CI) replacing earlier ones at the same path. */
function planFiles(layers: Layer[], engine: Engine, context: TemplateContext): PlannedFile[] {
  const planned = new Map<string, PlannedFile>();
  for (const layer of layers) {
    for (const template of layer.files) {
      const where = `${layer.folder}/${template.path}`;
      const rendered = template.path.includes('{{') ? engine.compile(template.path, where)(context) : template.path;
      if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(rendered)) {
        throw new UserError(`${where} renders a path with a control character or line break: ${JSON.stringify(rendered)}`);
      }
      const output = checkRelativePath(rendered.endsWith('.hbs') ? rendered.slice(0, -4) : rendered, where);
      // The record is steel-thread's own: a template there would overwrite the project's answers and fingerprints.
      if (output === recordFileName) throw new UserError(`${where} would write ${recordFileName}, the project's record, which no template may write`);
      planned.set(output, { template, layer: layer.folder, output });
    }
  }
  const files = [...planned.values()].sort((a, b) => (a.output < b.output ? -1 : 1));
  for (const file of files) {
    const parts = file.output.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const clash = planned.get(parts.slice(0, depth).join('/'));
      if (clash) throw new UserError(`template set: ${clash.layer}/${clash.template.path} and ${file.layer}/${file.template.path} render a file and a folder at the same path, ${clash.output}`);
    }
  }
  return files;
}

/**
 * Renders the project for `answers` into `destDir` (an empty folder of ours) through a node-plop
 * generator whose single action type is ours: node-plop's `add` escapes HTML through the global
 * Handlebars and its `force` deletes folders, so neither is used.
 */
export async function render(set: TemplateSet, answers: Answers, destDir: string): Promise<RenderedFile[]> {
  const context = ownNamesOnly(templateContext(set, answers));
  const layers = [set.registry.base, context.form.folder, context.ciProvider.folder].map((folder) => readLayer(set, folder));
  const partials = new Map(layers.flatMap((layer) => [...layer.partials]));
  const templates = layers.flatMap((layer) => layer.files);
  const engine = await createEngine([
    ...partials.values(),
    ...templates.flatMap((t) => (t.text === undefined ? [] : [t.text])),
    ...templates.flatMap((t) => (t.path.includes('{{') ? [t.path] : [])),
  ]);
  for (const [name, text] of partials) engine.registerPartial(name, text);
  const files = planFiles(layers, engine, context);
  if (files.length === 0) throw new UserError(`template set ${set.root}: no templates in its layers`);

  const plop = await nodePlop(undefined, { destBasePath: destDir, force: false });
  // node-plop turns a failed action into text; the error itself is kept, so that its exit code
  // (a full disk is 4, a UserError its own) reaches the command line.
  let firstError: unknown;
  plop.setActionType('steel-thread:render', async (_data, config) => {
    try {
      return writeFile((config as unknown as { file: PlannedFile }).file);
    } catch (error) {
      firstError ??= error;
      throw error;
    }
  });
  const fromData = answers.data ? ownDataFiles(answers.data) : undefined;
  const writeFile = ({ template, layer, output }: PlannedFile) => {
    const rendered =
      template.text === undefined
        ? readSetFile(set.root, template.absolute)
        : Buffer.from(engine.compile(template.text, `${layer}/${template.path}`)(context), 'utf8');
    const content = fromData?.(output, rendered) ?? rendered;
    const target = path.join(destDir, output);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content, { mode: template.executable ? 0o755 : 0o644, flag: 'wx' });
    return output;
  };
  plop.setGenerator('project', {
    description: 'a steel-thread project',
    prompts: [],
    actions: files.map((file) => ({ type: 'steel-thread:render', file, abortOnFail: true })),
  });
  const { failures } = await plop.getGenerator('project').runActions({ ...context });
  const failure = failures[0] as { error?: string; message?: string } | undefined;
  if (failure) throw firstError ?? new UserError(failure.error ?? failure.message ?? 'rendering failed');
  return files.map(({ output, template }) => ({ path: output, executable: template.executable }));
}
