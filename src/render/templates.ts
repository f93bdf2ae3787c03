import fs from 'node:fs';
import path from 'node:path';
import { checkChoice, type Answers, type TemplateSetId } from '../answers.js';
import { UserError } from '../errors.js';
import { builtInTemplatesDir, generatorVersion } from '../package.js';

/**
 * A template set is data: a registry (registry.json) naming the layers, and folders of files.
 * Files ending in `.hbs` are rendered with Handlebars; all others are copied byte for byte.
 * `_partials/NAME.hbs` in a layer defines the partial NAME, so a delivery form fills the slots the
 * base layer leaves (`{{> makefile-targets}}`). Nothing in a set is ever executed.
 */

export interface LayerEntry {
  title: string;
  folder: string;
  /** Anything else in the entry is data for the templates, seen as `form.*` or `ciProvider.*`. */
  [data: string]: unknown;
}

export interface Registry {
  format: number;
  name: string;
  version?: string;
  base: string;
  delivery: Record<string, LayerEntry>;
  ci: Record<string, LayerEntry>;
}

export interface TemplateFile {
  /** Path inside the layer, with `/` separators: "src/{{package}}/model.py". */
  path: string;
  absolute: string;
  executable: boolean;
  /** The template's text, for `.hbs` files (others are copied from `absolute` as they are). */
  text?: string;
}

export interface Layer {
  folder: string;
  files: TemplateFile[];
  partials: Map<string, string>;
}

export interface TemplateSet {
  root: string;
  registry: Registry;
  builtIn: boolean;
  /** Its name and version, as the project record keeps them. */
  id: TemplateSetId;
}

/** How messages and conflict markers name a set: "steel-thread 0.1.0". */
export const setLabel = (id: TemplateSetId): string => `${id.name}${id.version ? ` ${id.version}` : ''}`;

const registryFile = 'registry.json';
const partialsFolder = '_partials';
const keyPattern = /^[a-z][a-z0-9-]{0,30}$/;

function fail(root: string, problem: string): never {
  throw new UserError(`template set ${root}: ${problem}`);
}

/** Limits no real template set comes near; past them a set is refused, not read. */
const maxFileBytes = 16 * 1024 * 1024;
const maxFiles = 5000;
const maxDepth = 24;
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * A layer's folder, each part of its path checked without following links: a linked `delivery`
 * would otherwise carry the whole layer in from outside the set.
 */
function checkFolder(root: string, folder: unknown, what: string): string {
  if (typeof folder !== 'string' || folder === '') fail(root, `${what} has no "folder"`);
  const resolved = path.resolve(root, folder);
  if (path.isAbsolute(folder) || !resolved.startsWith(root + path.sep) || controlCharacters.test(folder)) {
    fail(root, `${what} names the folder ${JSON.stringify(folder)}, which is outside the set`);
  }
  let current = root;
  for (const part of path.relative(root, resolved).split(path.sep)) {
    current = path.join(current, part);
    const stat = fs.lstatSync(current, { throwIfNoEntry: false });
    if (!stat) fail(root, `${what} names the folder "${folder}", which does not exist`);
    if (!stat.isDirectory()) fail(root, `${what} names "${folder}", which is not a folder (links are not followed)`);
  }
  return folder;
}

/**
 * A file of the set, opened without following a link (so a link swapped in after the folder was
 * listed is refused too) and without blocking on a pipe; never larger than `maxFileBytes`.
 */
export function readSetFile(root: string, absolute: string): Buffer {
  const shown = path.relative(root, absolute).split(path.sep).join('/');
  let fd: number;
  try {
    fd = fs.openSync(absolute, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(root, code === 'ELOOP' ? `${shown} is a symbolic link; a template set holds plain files only` : code === 'ENOENT' ? `${shown} is missing` : `${shown} cannot be read`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) fail(root, `${shown} is not a regular file`);
    if (stat.size > maxFileBytes) fail(root, `${shown} is larger than ${maxFileBytes / 1024 / 1024} MiB: a template set holds small files`);
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A template's text: UTF-8 or refused (decoding leniently would turn bad bytes into U+FFFD unseen). */
function readSetText(root: string, absolute: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(readSetFile(root, absolute));
  } catch (error) {
    if (error instanceof UserError) throw error;
    fail(root, `${path.relative(root, absolute).split(path.sep).join('/')} is not UTF-8 text: save it as UTF-8, or drop its .hbs ending to copy it byte for byte`);
  }
}

function checkEntries(root: string, raw: unknown, kind: string): Record<string, LayerEntry> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) {
    fail(root, `${registryFile} has no "${kind}" entries`);
  }
  const entries: Record<string, LayerEntry> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!keyPattern.test(key)) fail(root, `"${kind}.${key}" is not a valid key (lower-case letters, digits, dashes)`);
    if (typeof value !== 'object' || value === null) fail(root, `"${kind}.${key}" is not an object`);
    const entry = value as LayerEntry;
    if (typeof entry.title !== 'string') fail(root, `"${kind}.${key}" has no "title"`);
    entries[key] = { ...entry, folder: checkFolder(root, entry.folder, `"${kind}.${key}"`) };
  }
  return entries;
}

export function loadTemplateSet(dir?: string): TemplateSet {
  const builtIn = dir === undefined;
  const root = path.resolve(dir ?? builtInTemplatesDir);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(root);
  } catch {
    stat = undefined;
  }
  if (!stat?.isDirectory()) throw new UserError(`--templates ${dir}: not a folder`);
  if (!fs.lstatSync(path.join(root, registryFile), { throwIfNoEntry: false })) fail(root, `has no ${registryFile}`);
  const registryText = readSetText(root, path.join(root, registryFile));
  let raw: Partial<Registry>;
  try {
    raw = JSON.parse(registryText) as Partial<Registry>;
  } catch {
    fail(root, `${registryFile} is not valid JSON`);
  }
  if (typeof raw !== 'object' || raw === null) fail(root, `${registryFile} is not an object`);
  if (raw.format !== 1) fail(root, `${registryFile} has format ${String(raw.format)}; this steel-thread reads format 1`);
  const name = typeof raw.name === 'string' && raw.name.trim() !== '' ? raw.name : 'custom';
  const version = typeof raw.version === 'string' ? raw.version : undefined;
  // Both reach messages, conflict markers and the record, whose reader refuses control characters.
  for (const [key, value] of [['name', name], ['version', version ?? 'x']]) {
    if (controlCharacters.test(value as string) || (value as string).length > 100) fail(root, `${registryFile} has a "${key}" with control characters or over 100 characters`);
  }
  const registry: Registry = {
    format: 1,
    name,
    ...(version ? { version } : {}),
    base: checkFolder(root, raw.base ?? 'base', '"base"'),
    delivery: checkEntries(root, raw.delivery, 'delivery'),
    ci: checkEntries(root, raw.ci, 'ci'),
  };
  const id = builtIn ? { name, version: generatorVersion } : { name, version: version ?? null };
  return { root, registry, builtIn, id };
}

/** The delivery form and CI provider must be ones this set offers. */
export function checkSetChoices(set: TemplateSet, answers: Pick<Answers, 'delivery' | 'ci'>): void {
  checkChoice(answers.delivery, Object.keys(set.registry.delivery), '--delivery');
  checkChoice(answers.ci, Object.keys(set.registry.ci), '--ci');
}

/** Reads one layer: its files (sorted, so renders are deterministic) and its partials. */
export function readLayer(set: TemplateSet, folder: string): Layer {
  const layerRoot = path.join(set.root, folder);
  const files: TemplateFile[] = [];
  const partials = new Map<string, string>();
  const walk = (relative: string, depth: number) => {
    if (depth > maxDepth) fail(set.root, `${folder}/${relative} is nested deeper than ${maxDepth} folders`);
    const here = path.join(layerRoot, relative);
    for (const entry of fs.readdirSync(here).sort()) {
      const rel = relative === '' ? entry : `${relative}/${entry}`;
      if (controlCharacters.test(entry)) fail(set.root, `${folder}/${JSON.stringify(rel).slice(1, -1)} has a control character or line break in its name`);
      const absolute = path.join(here, entry);
      const stat = fs.lstatSync(absolute);
      if (stat.isSymbolicLink()) fail(set.root, `${folder}/${rel} is a symbolic link; a template set holds plain files only`);
      if (stat.isDirectory()) {
        if (rel === partialsFolder) readPartials(absolute, `${folder}/${rel}`);
        else walk(rel, depth + 1);
      } else if (stat.isFile()) {
        if (files.length >= maxFiles) fail(set.root, `${folder} holds more than ${maxFiles} files`);
        if (stat.size > maxFileBytes) fail(set.root, `${folder}/${rel} is larger than ${maxFileBytes / 1024 / 1024} MiB: a template set holds small files`);
        const executable = (stat.mode & 0o111) !== 0;
        files.push({ path: rel, absolute, executable, ...(rel.endsWith('.hbs') ? { text: readSetText(set.root, absolute) } : {}) });
      } else {
        fail(set.root, `${folder}/${rel} is not a regular file`);
      }
    }
  };
  const readPartials = (absolute: string, shown: string) => {
    for (const entry of fs.readdirSync(absolute).sort()) {
      const file = path.join(absolute, entry);
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]*\.hbs$/.test(entry) || !fs.lstatSync(file).isFile()) fail(set.root, `${shown}/${JSON.stringify(entry).slice(1, -1)}: partials are plain NAME.hbs files`);
      partials.set(entry.slice(0, -'.hbs'.length), readSetText(set.root, file));
    }
  };
  walk('', 0);
  return { folder, files, partials };
}
