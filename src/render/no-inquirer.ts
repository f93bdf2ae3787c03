/**
 * node-plop imports inquirer for plop's own prompts at load time (over 100 ms). steel-thread
 * asks its questions with prompts and never runs node-plop's, so the bundle carries this
 * stand-in in inquirer's place (see scripts/build.mjs).
 */
const unused = () => {
  throw new Error('node-plop prompts are not used by steel-thread');
};

export default { registerPrompt: () => undefined, createPromptModule: () => unused, prompt: unused };
