/**
 * node-plop imports at load time three packages for features steel-thread never uses: inquirer
 * (plop's own prompts: steel-thread asks with prompts), resolve (loading other plopfiles) and
 * tinyglobby (the built-in addMany action: steel-thread renders with an action type of its own).
 * Loading them costs over 100 ms of a 120 ms start, so the bundle carries these stand-ins in
 * their place (scripts/build.mjs). Each throws if anything ever calls it.
 */
const unused = (what: string) => (): never => {
  throw new Error(`${what} is not used by steel-thread`);
};

export default {
  registerPrompt: unused('inquirer'),
  createPromptModule: unused('inquirer'),
  prompt: unused('inquirer'),
  sync: unused('resolve'),
};

export const globSync = unused('tinyglobby');
