#!/usr/bin/env node
// Writes src/shadowed-names.ts: the Python names a generated project's package must not take,
// because the project, its dependencies or its test tools import a module of that name (a
// package `src/dateutil` would be imported instead of pandas' own dependency) or because the
// project keeps or ignores a folder of that name (`.gitignore`'s `records/` hides `src/records`).
//
// Read from the templates, never kept by hand: the requirements in templates/registry.json (each
// form's dependency lists) and in templates/base/pyproject.toml.hbs, rendered for every form and
// parsed as TOML (build-system, [project] dependencies, optional dependencies, dependency
// groups); the layers' top-level folders, the forms' artifact folders and the folders the base
// .gitignore names. Distributions map to import names by the table below where the two differ,
// with the dependencies whose modules they bring along (pytest's own, pandas', …).
//
// Rerun after changing the templates: `node scripts/shadowed-names.mjs`. A test runs it with
// `--out` to a temp file and fails when the checked-in module differs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { parse as parseToml } from 'smol-toml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const templates = path.join(root, 'templates');

/** Top-level modules a distribution installs, where they are not its name with `_` for `-`. */
const provides = {
  'annotated-types': ['annotated_types'],
  attrs: ['attr', 'attrs'],
  hypothesis: ['hypothesis', '_hypothesis_ftz_detector', '_hypothesis_globals', '_hypothesis_pytestplugin'],
  'hypothesis-jsonschema': ['hypothesis_jsonschema'],
  mypy: ['mypy', 'mypyc'],
  'mypy-extensions': ['mypy_extensions'],
  'pandas-stubs': [],
  'psycopg-binary': ['psycopg_binary'],
  'psycopg2-binary': ['psycopg2'],
  'pydantic-core': ['pydantic_core'],
  pytest: ['pytest', '_pytest', 'py', 'conftest'], // conftest: the name pytest imports each conftest.py under
  'python-dateutil': ['dateutil'],
  'python-multipart': ['multipart', 'python_multipart'],
  pyyaml: ['yaml', '_yaml'],
  'scikit-learn': ['sklearn'],
  setuptools: ['setuptools', 'pkg_resources', '_distutils_hack'],
  'typing-extensions': ['typing_extensions'],
  'typing-inspection': ['typing_inspection'],
  'types-pytz': [],
};

/** Distributions a distribution installs with it, as far as their modules matter here. */
const requires = {
  anyio: ['idna', 'sniffio'],
  fastapi: ['starlette', 'pydantic', 'typing-extensions'],
  hatchling: ['packaging', 'pathspec', 'pluggy', 'trove-classifiers'],
  httpcore: ['certifi', 'h11'],
  httpx: ['anyio', 'certifi', 'httpcore', 'idna'],
  hypothesis: ['attrs', 'sortedcontainers'],
  mypy: ['mypy-extensions', 'pathspec', 'typing-extensions'],
  pandas: ['numpy', 'python-dateutil', 'pytz', 'tzdata'],
  'pandas-stubs': ['numpy', 'types-pytz'],
  pydantic: ['annotated-types', 'pydantic-core', 'typing-extensions', 'typing-inspection'],
  pytest: ['iniconfig', 'packaging', 'pluggy', 'pygments'],
  'python-dateutil': ['six'],
  schemathesis: ['attrs', 'click', 'httpx', 'hypothesis', 'hypothesis-jsonschema', 'jsonschema', 'pyyaml', 'requests', 'starlette', 'werkzeug'],
  'scikit-learn': ['joblib', 'numpy', 'scipy', 'threadpoolctl'],
  scipy: ['numpy'],
  sqlalchemy: ['greenlet', 'typing-extensions'],
  starlette: ['anyio'],
  uvicorn: ['click', 'h11'],
};

/** PEP 503's normal form: "SQLAlchemy" and "typing_extensions" as the tables above spell them. */
const normal = (name) => name.toLowerCase().replace(/[-_.]+/g, '-');

function requirementName(requirement, where) {
  const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement);
  if (!match) throw new Error(`${where}: "${requirement}" is not a requirement`);
  return normal(match[1]);
}

const registry = JSON.parse(fs.readFileSync(path.join(templates, 'registry.json'), 'utf8'));
const forms = Object.entries(registry.delivery);
const ciEntries = Object.entries(registry.ci);

/** Direct requirements, each with where it was found. */
const direct = new Map();
const addRequirement = (requirement, where) => {
  const name = requirementName(requirement, where);
  if (!direct.has(name)) direct.set(name, where);
};

// The registry: every list of requirements an entry holds ("dependencies", "testDependencies", …).
for (const [kind, entries] of [['delivery', forms], ['ci', ciEntries]]) {
  for (const [key, entry] of entries) {
    for (const [field, value] of Object.entries(entry)) {
      if (/dependencies$/i.test(field) && Array.isArray(value)) {
        for (const requirement of value) addRequirement(requirement, `registry ${kind}.${key}.${field}`);
      }
    }
  }
}

// pyproject.toml, rendered for every form as the generator would, then read as TOML.
const hb = Handlebars.create();
const literal = (value) => JSON.stringify(String(value));
hb.registerHelper({ toml: literal, yaml: literal, py: literal, json: literal, md: String, replace: (text, a, b) => String(text).split(String(a)).join(String(b)) });
const partialsOf = (folder) => {
  const dir = path.join(templates, folder, '_partials');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.hbs')).map((f) => [f.slice(0, -4), fs.readFileSync(path.join(dir, f), 'utf8')]) : [];
};
const pyproject = fs.readFileSync(path.join(templates, registry.base, 'pyproject.toml.hbs'), 'utf8');
for (const [key, form] of forms) {
  for (const [ciKey, ci] of ciEntries) {
    for (const name of Object.keys(hb.partials)) hb.unregisterPartial(name);
    for (const [name, text] of [...partialsOf(registry.base), ...partialsOf(form.folder), ...partialsOf(ci.folder)]) hb.registerPartial(name, text);
    const context = { name: 'x', package: 'x', distribution: 'x', delivery: key, ci: ciKey, form, ciProvider: ci, generator: { version: '0.0.0' }, recommendation: { delivery: key, reasons: [], followed: true } };
    const where = `pyproject.toml (${key}, ${ciKey})`;
    const toml = parseToml(hb.compile(pyproject, { noEscape: true })(context));
    const lists = [
      ['build-system.requires', toml['build-system']?.requires],
      ['project.dependencies', toml.project?.dependencies],
      ...Object.entries(toml.project?.['optional-dependencies'] ?? {}).map(([group, list]) => [`project.optional-dependencies.${group}`, list]),
      ...Object.entries(toml['dependency-groups'] ?? {}).map(([group, list]) => [`dependency-groups.${group}`, list]),
    ];
    for (const [field, list] of lists) {
      // Strings are requirements; tables such as {include-group = "test"} only point at other groups.
      for (const requirement of list ?? []) if (typeof requirement === 'string') addRequirement(requirement, `${where} ${field}`);
    }
  }
}

/** Every module name, with the distribution that brings it and why it is there. */
const modules = new Map();
const visit = (distribution, why) => {
  for (const module of provides[distribution] ?? [distribution.replace(/-/g, '_')]) {
    if (!modules.has(module)) modules.set(module, why);
  }
  for (const dependency of requires[distribution] ?? []) visit(dependency, `${dependency}, which ${distribution} needs`);
};
for (const name of [...direct.keys()].sort()) visit(name, name);
// The environment's own tools: a plain venv has pip; make setup runs uv, which pip can install too.
for (const tool of ['pip', 'uv']) if (!modules.has(tool)) modules.set(tool, `${tool}, which the project's environment runs`);

/** Folders: the layers' own, the forms' artifacts, and what .gitignore hides at any depth. */
const folders = new Set();
const layers = [registry.base, ...forms.map(([, form]) => form.folder), ...ciEntries.map(([, ci]) => ci.folder)];
for (const layer of layers) {
  for (const entry of fs.readdirSync(path.join(templates, layer), { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.name.startsWith('_')) folders.add(entry.name);
  }
}
for (const [, form] of forms) for (const artifact of form.artifacts ?? []) folders.add(artifact.split('/')[0]);
const gitignore = path.join(templates, registry.base, '.gitignore');
if (fs.existsSync(gitignore)) {
  for (const line of fs.readFileSync(gitignore, 'utf8').split('\n')) {
    const match = /^([A-Za-z0-9_]+)\/$/.exec(line.trim());
    if (match) folders.add(match[1]);
  }
}
const identifiers = (names) => [...names].filter((name) => /^[a-z_][a-z0-9_]*$/.test(name)).sort();

const moduleLines = identifiers(modules.keys()).map((module) => `  ${JSON.stringify(module)}: ${JSON.stringify(modules.get(module))},`);
const output = `// Generated by scripts/shadowed-names.mjs from the templates (registry.json, base/pyproject.toml.hbs,
// the layers' folders and .gitignore): do not edit. Rerun the script when they change; a test
// fails while this file differs from what it writes.

/** Modules a generated project, its dependencies or its test tools import, each with the distribution that brings it. */
export const dependencyModules: Readonly<Record<string, string>> = {
${moduleLines.join('\n')}
};

/** Folders a generated project has, makes, or ignores at any depth: a package of that name would clash with one. */
export const projectFolders: readonly string[] = [${identifiers(folders).map((f) => JSON.stringify(f)).join(', ')}];
`;

const outFlag = process.argv.indexOf('--out');
const out = outFlag >= 0 ? path.resolve(process.argv[outFlag + 1]) : path.join(root, 'src', 'shadowed-names.ts');
fs.writeFileSync(out, output);
