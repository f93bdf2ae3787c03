import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/*
 * Where the package itself lives. This module sits at the top of src/ (dist/ once built), so the
 * package root is one level up whether the code runs from tsc's output or from a bundle.
 */
const packageRoot = new URL('../', import.meta.url);

/** The package's own version, from its package.json. */
export const generatorVersion: string = (
  JSON.parse(fs.readFileSync(new URL('package.json', packageRoot), 'utf8')) as { version: string }
).version;

/** The template set shipped with the package. */
export const builtInTemplatesDir = fileURLToPath(new URL('templates', packageRoot));
