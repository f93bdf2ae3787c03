import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import nodePlop from 'node-plop';
import type { Answers } from '../answers.js';
import { UserError } from '../errors.js';
import { recommend } from '../interview/rules.js';
import { generatorVersion } from '../package.js';
import { checkRelativePath } from '../write.js';
import { helpers } from './helpers.js';
import { checkSetChoices, readLayer, type LayerEntry, type TemplateFile, type TemplateSet } from './templates.js';

/** One file of a render: its path in the project and whether it is executable. */
export interface RenderedFile {
  path: string;
  executable: boolean;
}

/** What templates see. Typed text (the name) goes through the escaping helpers. */
export interface TemplateContext extends Answers {
  distribution: string;
  form: LayerEntry;
  ciProvider: LayerEntry;
  recommendation: { delivery: string; reasons: string[]; followed: boolean };
  generator: { version: string };
}

export function templateContext(set: TemplateSet, answers: Answers): TemplateContext {
  checkSetChoices(set, answers);
  const form = set.registry.delivery[answers.delivery] as LayerEntry;
  const ciProvider = set.registry.ci[answers.ci] as LayerEntry;
  const recommendation = recommend(answers.consumer, answers.freshness, answers.intake);
  return {
    ...answers,
    distribution: answers.package.replace(/_/g, '-'),
    form,
    ciProvider,
    recommendation: { ...recommendation, followed: recommendation.delivery === answers.delivery },
    generator: { version: generatorVersion },
  };
}

/** A Handlebars instance of our own: no HTML escaping, unknown names are errors, our helpers only. */
function createHandlebars(partials: Map<string, string>): typeof Handlebars {
  const hb = Handlebars.create();
  hb.unregisterHelper('log');
  hb.registerHelper(helpers);
  for (const [name, text] of partials) hb.registerPartial(name, text);
  return hb;
}

interface PlannedFile {
  template: TemplateFile;
  layer: string;
  output: string;
}

/** The files of a render, later layers (delivery, then CI) replacing earlier ones at the same path. */
function planFiles(set: TemplateSet, context: TemplateContext, hb: typeof Handlebars): PlannedFile[] {
  const layers = [set.registry.base, context.form.folder, context.ciProvider.folder].map((folder) => readLayer(set, folder));
  const partials = new Map(layers.flatMap((layer) => [...layer.partials]));
  for (const [name, text] of partials) hb.registerPartial(name, text);
  const planned = new Map<string, PlannedFile>();
  for (const layer of layers) {
    for (const template of layer.files) {
      const where = `${layer.folder}/${template.path}`;
      const renderedPath = compile(hb, template.path, where)(context);
      const output = checkRelativePath(renderedPath.endsWith('.hbs') ? renderedPath.slice(0, -4) : renderedPath, where);
      planned.set(output, { template, layer: layer.folder, output });
    }
  }
  if (planned.size === 0) throw new UserError(`template set ${set.root}: no templates in its layers`);
  return [...planned.values()].sort((a, b) => (a.output < b.output ? -1 : 1));
}

function compile(hb: typeof Handlebars, text: string, where: string): Handlebars.TemplateDelegate {
  const template = hb.compile(text, { noEscape: true, strict: true });
  return (context: unknown) => {
    try {
      return template(context);
    } catch (error) {
      throw new UserError(`template ${where}: ${(error as Error).message.split('\n')[0]}`);
    }
  };
}

/**
 * Renders the project for `answers` into `destDir` (an empty folder of ours) through a node-plop
 * generator whose single action type is ours: node-plop's `add` escapes HTML through the global
 * Handlebars and its `force` deletes folders, so neither is used.
 */
export async function render(set: TemplateSet, answers: Answers, destDir: string): Promise<RenderedFile[]> {
  const context = templateContext(set, answers);
  const hb = createHandlebars(new Map());
  const files = planFiles(set, context, hb);

  const plop = await nodePlop(undefined, { destBasePath: destDir, force: false });
  plop.setActionType('steel-thread:render', async (_data, config) => {
    const { template, layer, output } = (config as unknown as { file: PlannedFile }).file;
    const source = fs.readFileSync(template.absolute);
    const content = template.path.endsWith('.hbs')
      ? Buffer.from(compile(hb, source.toString('utf8'), `${layer}/${template.path}`)(context), 'utf8')
      : source;
    const target = path.join(destDir, output);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content, { mode: template.executable ? 0o755 : 0o644, flag: 'wx' });
    return output;
  });
  plop.setGenerator('project', {
    description: 'a steel-thread project',
    prompts: [],
    actions: files.map((file) => ({ type: 'steel-thread:render', file, abortOnFail: true })),
  });
  const { failures } = await plop.getGenerator('project').runActions({ ...context });
  const failure = failures[0] as { error?: string; message?: string } | undefined;
  if (failure) throw new UserError(failure.error ?? failure.message ?? 'rendering failed');
  return files.map(({ output, template }) => ({ path: output, executable: template.executable }));
}
