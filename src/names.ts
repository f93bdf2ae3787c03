import { UserError } from './errors.js';
import { dependencyModules, projectFolders } from './shadowed-names.js';

/**
 * The display name is free text (it lands in READMEs, TOML and YAML through escaping helpers);
 * the Python package name is derived from it and must be a safe, importable identifier.
 */

const maxNameLength = 100;
const maxPackageLength = 40;

/** Python keywords, soft keywords included: `import match` reads badly even where it parses. */
const pythonKeywords = new Set(
  'false none true and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case type'.split(
    ' ',
  ),
);

/** Top-level modules of Python's standard library (3.10 to 3.13): a package of that name shadows them. */
const standardLibrary = new Set(
  `abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii bisect
builtins bz2 cprofile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys compileall
concurrent configparser contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses datetime dbm
decimal difflib dis distutils doctest email encodings ensurepip enum errno faulthandler fcntl filecmp fileinput
fnmatch fractions ftplib functools gc genericpath getopt getpass gettext glob graphlib grp gzip hashlib heapq
hmac html http idlelib imaplib imghdr imp importlib inspect io ipaddress itertools json keyword lib2to3
linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder msilib msvcrt
multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator optparse os ossaudiodev pathlib
pdb pickle pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty pwd
py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource rlcompleter runpy
sched secrets select selectors shelve shlex shutil signal site smtpd smtplib sndhdr socket socketserver spwd
sqlite3 sre_compile sre_constants sre_parse ssl stat statistics string stringprep struct subprocess sunau
symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios textwrap this threading time timeit
tkinter token tokenize tomllib trace traceback tracemalloc tty turtle turtledemo types typing unicodedata
unittest urllib uu uuid venv warnings wave weakref webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp
zipfile zipimport zlib zoneinfo test`.split(/\s+/),
);

/** Characters that never belong in a name: control characters, line and paragraph separators. */
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

export interface ProjectNames {
  /** What people read: "Churn Propensity". */
  name: string;
  /** What Python imports: "churn_propensity". */
  package: string;
  /** The distribution name in pyproject.toml: "churn-propensity". */
  distribution: string;
  /** Set when the package name had to be made from a name that was not one already. */
  derivedFrom?: string;
}

export function checkDisplayName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw new UserError('the project name is empty: pass --name with some text');
  if (controlCharacters.test(name)) {
    throw new UserError('the project name holds control characters or line breaks: pass --name with plain text');
  }
  if (/[/\\]/.test(name)) {
    throw new UserError(`the project name "${name}" holds a slash: a name is not a path (give the folder as [dir])`);
  }
  if ([...name].length > maxNameLength) {
    throw new UserError(`the project name is longer than ${maxNameLength} characters: pass a shorter --name`);
  }
  return name;
}

/** Lower-case ASCII words joined by underscores: "Café Churn-Model 2" → "cafe_churn_model_2". */
export function packageFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function checkPackageName(pkg: string, flag = '--package'): string {
  if (!/^[a-z0-9_]+$/.test(pkg)) {
    throw new UserError(`"${pkg}" is not a Python package name: use lower-case letters, digits and underscores (${flag})`);
  }
  if (!/^[a-z]/.test(pkg)) {
    throw new UserError(`the Python package name "${pkg}" must start with a letter: pass ${flag} with a name that does`);
  }
  if (pkg.length > maxPackageLength) {
    throw new UserError(`the Python package name "${pkg}" is longer than ${maxPackageLength} characters: pass a shorter ${flag}`);
  }
  if (pythonKeywords.has(pkg)) {
    throw new UserError(`"${pkg}" is a Python keyword and cannot name a package: pass another ${flag}`);
  }
  if (standardLibrary.has(pkg)) {
    throw new UserError(`a package named "${pkg}" would shadow the module "${pkg}" it needs: pass another ${flag}`);
  }
  const dependency = Object.hasOwn(dependencyModules, pkg) ? dependencyModules[pkg] : undefined;
  if (dependency !== undefined) {
    throw new UserError(`a package named "${pkg}" would shadow the module "${pkg}" of ${dependency} (the project or its tests import it): pass another ${flag}`);
  }
  if (projectFolders.includes(pkg)) {
    throw new UserError(`a package named "${pkg}" would shadow the project's own folder ${pkg}/ (or be ignored with it): pass another ${flag}`);
  }
  return pkg;
}

/** The names of a project, from a display name and an optional explicit package name. */
export function projectNames(rawName: string, explicitPackage?: string): ProjectNames {
  const name = checkDisplayName(rawName);
  if (explicitPackage !== undefined) {
    const pkg = checkPackageName(explicitPackage);
    return { name, package: pkg, distribution: pkg.replace(/_/g, '-') };
  }
  const pkg = packageFromName(name);
  if (pkg === '') {
    throw new UserError(`no Python package name can be made from "${name}": pass --package with one`);
  }
  checkPackageName(pkg, '--package (or another --name)');
  return {
    name,
    package: pkg,
    distribution: pkg.replace(/_/g, '-'),
    ...(pkg === name ? {} : { derivedFrom: name }),
  };
}
