#!/usr/bin/env node
// Builds dist/: one minified ESM bundle of the CLI and its dependencies, split where the code
// imports lazily (prompts only on a terminal, execa only for git and --verify), so start-up
// loads little. The published package then has no runtime dependencies to install.
import fs from 'node:fs';
import { build } from 'esbuild';

fs.rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  alias: { inquirer: './src/render/no-inquirer.ts' },
  // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
