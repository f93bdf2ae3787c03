import type { GivenAnswers } from '../answers.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { askConsumer, printRecommendation, type InterviewMode } from '../interview/index.js';
import { recommend } from '../interview/rules.js';
import { loadTemplateSet } from '../render/templates.js';
import { say } from '../ui.js';

export interface RecommendOptions {
  given: GivenAnswers;
  mode: InterviewMode;
  json: boolean;
}

/** The interview and the recommendation with its reasons; nothing is written. */
export async function runRecommend(options: RecommendOptions): Promise<ExitCodeValue> {
  // --json is for machines: it never asks, whatever the terminal.
  const mode = options.json ? { ...options.mode, interactive: false } : options.mode;
  const { consumer, freshness, intake } = await askConsumer(options.given, mode);
  const recommendation = recommend(consumer, freshness, intake);
  if (options.json) {
    say(JSON.stringify(recommendation));
  } else {
    say();
    printRecommendation(recommendation, loadTemplateSet());
    say();
    say(`Generate it: steel-thread new DIR --consumer ${consumer} --freshness ${freshness}${intake ? ` --intake ${intake}` : ''} --delivery ${recommendation.delivery}`);
  }
  return ExitCode.ok;
}
