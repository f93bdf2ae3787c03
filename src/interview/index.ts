import type { PromptObject } from 'prompts';
import { answerFlags, type Answers, type GivenAnswers } from '../answers.js';
import { Interrupted, UserError } from '../errors.js';
import type { TemplateSet } from '../render/templates.js';
import { bold, dim, say, useColor } from '../ui.js';
import { recommend, type Consumer, type Freshness, type Intake, type Recommendation } from './rules.js';

/**
 * The interview: who consumes the output, how fresh it must be, how they take data in today;
 * then the recommendation with its reasons, which the user accepts or overrides. A question is
 * asked only when its flag is missing, and only on a terminal: without one, a missing answer is
 * an error naming its flag.
 */

export type InterviewAnswers = Pick<Answers, 'consumer' | 'freshness' | 'intake' | 'delivery' | 'ci'>;

export interface InterviewMode {
  /** Questions may be asked (stdin and stdout are terminals). */
  interactive: boolean;
  /** Take the recommended or default answer for whatever is not given. */
  yes: boolean;
}

const consumerChoices = [
  { value: 'service', title: 'Software', description: 'another system asks for a prediction when it needs one' },
  { value: 'people', title: 'People', description: 'staff working through a list: a call centre, a sales team' },
  { value: 'analysts', title: 'Analysts', description: 'reports, dashboards and downstream data jobs' },
];
const freshnessChoices = [
  { value: 'realtime', title: 'At the moment they ask', description: 'each prediction made on request' },
  { value: 'daily', title: 'Daily', description: 'a fresh batch every day' },
  { value: 'weekly', title: 'Weekly', description: 'a fresh batch every week or less often' },
];
const intakeChoices = [
  { value: 'api', title: 'They call APIs' },
  { value: 'files', title: 'They take files (spreadsheets, CSV)' },
  { value: 'database', title: 'They read from a database' },
  { value: null, title: 'Not sure, skip' },
];

/** Where a delivery form was chosen directly, the consumer it usually serves fills unanswered questions under --yes. */
const typicalConsumer: Record<string, { consumer: Consumer; freshness: Freshness }> = {
  api: { consumer: 'service', freshness: 'realtime' },
  csv: { consumer: 'people', freshness: 'daily' },
  table: { consumer: 'analysts', freshness: 'daily' },
};
const defaultConsumer = typicalConsumer.csv as { consumer: Consumer; freshness: Freshness };
const defaultCi = 'github';

/** Enter at a question takes what --yes would: the preselected choice is that answer. */
const indexOf = (choices: { value: unknown }[], value: unknown) => Math.max(0, choices.findIndex((choice) => choice.value === value));

export async function ask<T>(question: PromptObject): Promise<T> {
  // prompts paints through kleur, which knows neither NO_COLOR nor a forced colour: one rule, ours,
  // set before prompts loads, as it paints its symbols once, on loading.
  const { default: kleur } = await import('kleur');
  kleur.enabled = useColor(process.stdout);
  const { default: prompts } = await import('prompts');
  let cancelled = false;
  const response = await prompts(question, {
    onCancel: () => {
      cancelled = true;
      return false;
    },
  });
  // prompts hands back partial answers on Ctrl-C; going on with them would be wrong.
  if (cancelled || !(String(question.name) in response)) throw new Interrupted();
  return response[String(question.name)] as T;
}

export function printRecommendation(recommendation: Recommendation, set: TemplateSet): void {
  const title = set.registry.delivery[recommendation.delivery]?.title ?? recommendation.delivery;
  say(`${bold('Recommended:')} ${title} (${recommendation.delivery})`);
  for (const reason of recommendation.reasons) say(`  ${dim('-')} ${reason}`);
}

/** The project's folder, when `new` was not given one: asked on a terminal, else the default under --yes. */
export async function askFolder(mode: InterviewMode, fallback: string): Promise<string> {
  if (mode.yes) return fallback;
  if (!mode.interactive) throw new UserError('missing the project folder: steel-thread new DIR (or --yes for ./steel-thread-project)');
  const folder = await ask<string>({ type: 'text', name: 'folder', message: 'Project folder', initial: fallback });
  return folder.trim() || fallback;
}

/**
 * A target that is not empty: on a terminal (without --yes) the user chooses between adding the
 * project beside what is there, as --force does, and cancelling; nothing is ever deleted.
 */
export async function confirmBeside(target: string, entries: number, mode: InterviewMode): Promise<boolean> {
  if (!mode.interactive || mode.yes) return false;
  return ask<boolean>({
    type: 'select',
    name: 'beside',
    message: `${target} is not empty (${entries} ${entries === 1 ? 'entry' : 'entries'}). What now?`,
    choices: [
      { title: 'Cancel', value: false, description: 'write nothing' },
      { title: 'Add the project beside what is there', value: true, description: 'keeps every file; where you have one, the project’s version goes beside it as NAME.from-template' },
    ],
    initial: 0,
  });
}

/** The consumer questions alone (what `recommend` needs). */
export async function askConsumer(
  given: GivenAnswers,
  mode: InterviewMode,
  fallback: { consumer: Consumer; freshness: Freshness } = defaultConsumer,
): Promise<Pick<Answers, 'consumer' | 'freshness' | 'intake'>> {
  requireAnswers(given, mode, ['consumer', 'freshness']);
  const consumer =
    given.consumer ??
    (mode.yes
      ? fallback.consumer
      : await ask<Consumer>({ type: 'select', name: 'consumer', message: 'Who will use the model’s output?', choices: consumerChoices, initial: indexOf(consumerChoices, fallback.consumer) }));
  const freshness =
    given.freshness ??
    (mode.yes
      ? fallback.freshness
      : await ask<Freshness>({ type: 'select', name: 'freshness', message: 'How fresh must a prediction be?', choices: freshnessChoices, initial: indexOf(freshnessChoices, fallback.freshness) }));
  const intake =
    given.intake !== undefined || mode.yes || !mode.interactive
      ? (given.intake ?? null)
      : await ask<Intake | null>({ type: 'select', name: 'intake', message: 'How do they take data in today?', choices: intakeChoices, initial: indexOf(intakeChoices, null) });
  return { consumer, freshness, intake };
}

/** Without a terminal and without --yes, every unanswered question is an error naming its flag. */
function requireAnswers(given: GivenAnswers, mode: InterviewMode, keys: (keyof typeof answerFlags)[]): void {
  if (mode.interactive || mode.yes) return;
  const absent = keys.filter((key) => given[key] === undefined);
  if (absent.length === 0) return;
  const flags = absent.map((key) => answerFlags[key]);
  const plural = flags.length > 1;
  throw new UserError(
    `missing ${plural ? 'answers' : 'answer'}: ${flags.join(', ')} (no terminal to ask on: pass ${plural ? 'them' : 'it'}, or --yes for the recommended and default answers)`,
  );
}

/** All interview answers: given ones kept, the rest asked, defaulted (--yes) or reported missing. */
export async function interview(given: GivenAnswers, set: TemplateSet, mode: InterviewMode): Promise<InterviewAnswers> {
  requireAnswers(given, mode, ['consumer', 'freshness', 'delivery', 'ci']);
  const forms = Object.keys(set.registry.delivery);
  const providers = Object.keys(set.registry.ci);
  const fallback = (given.delivery && typicalConsumer[given.delivery]) || defaultConsumer;
  const consumer = await askConsumer(given, mode, fallback);
  const recommendation = recommend(consumer.consumer, consumer.freshness, consumer.intake);

  let delivery = given.delivery;
  if (delivery === undefined && !mode.yes) {
    say();
    printRecommendation(recommendation, set);
    delivery = await ask<string>({
      type: 'select',
      name: 'delivery',
      message: 'Deliver predictions as',
      choices: forms.map((form) => ({
        value: form,
        title: `${set.registry.delivery[form]?.title ?? form}${form === recommendation.delivery ? ' (recommended)' : ''}`,
      })),
      initial: Math.max(0, forms.indexOf(recommendation.delivery)),
    });
  }

  const ci =
    given.ci ??
    (mode.yes
      ? defaultCi
      : await ask<string>({
          type: 'select',
          name: 'ci',
          message: 'Where does CI run?',
          choices: providers.map((provider) => ({ value: provider, title: set.registry.ci[provider]?.title ?? provider })),
          initial: Math.max(0, providers.indexOf(defaultCi)),
        }));

  return { ...consumer, delivery: delivery ?? recommendation.delivery, ci };
}
