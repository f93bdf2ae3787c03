#!/usr/bin/env node
// npm run bench: steel-thread side by side with its peers and its floor, and the generated
// projects under load. Prints a table, writes bench/results.json. Needs what `bash .ci/install`
// installs (hyperfine, cookiecutter, uv; PostgreSQL is not used) and a built dist/. Each
// generated project runs in its own environment, made by its `make setup`.
//
//   npm run bench                 everything (about 5 minutes)
//   npm run bench -- --quick      fewer runs and rows, to try the script itself
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Outside the checkout: a project made inside another repository gets no repository of its own.
const work = path.join(os.tmpdir(), 'steel-thread-bench');
const quick = process.argv.includes('--quick');
const python = process.env.PYTHON ?? 'python3';
const cli = path.join(root, 'bin', 'steel-thread.js');
const plop = path.join(root, 'node_modules', '.bin', 'plop');
const name = 'Bench Propensity';
const names = { name, package: 'bench_propensity', distribution: 'bench-propensity' };
const answers = ['--consumer', 'people', '--freshness', 'daily', '--yes', '--no-git'];
const results = { machine: machine(), generator: {}, scale: [], projects: {}, targets: [] };

function sh(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}
const quote = (arg) => `'${String(arg).replace(/'/g, `'\\''`)}'`;
const command = (...args) => args.map(quote).join(' ');

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.arch()}`,
    python: sh(python, ['--version']).trim(),
    hyperfine: sh('hyperfine', ['--version']).trim(),
    cookiecutter: sh('cookiecutter', ['--version']).trim().split(' from ')[0],
  };
}

/** Medians (ms) of hyperfine runs of named shell commands, each after its own `prepare`. */
function hyperfine(benchmarks, runs = quick ? 5 : 20) {
  const out = path.join(work, 'hyperfine.json');
  const args = ['--style', 'none', '--warmup', '3', '--runs', String(runs), '--export-json', out];
  for (const { label, run, prepare } of benchmarks) {
    args.push('--prepare', prepare ?? 'true', '--command-name', label, run);
  }
  sh('hyperfine', args, { cwd: work, stdio: 'inherit' });
  const { results: rows } = JSON.parse(fs.readFileSync(out, 'utf8'));
  return Object.fromEntries(rows.map((r) => [r.command, Math.round(r.median * 10000) / 10]));
}

/* ------------------------------------------------------------------------------------------
 * The same template for every tool: our own rendered CSV project, with the names put back as
 * placeholders in each engine's syntax, and everything else escaped so it renders as itself.
 * ---------------------------------------------------------------------------------------- */

function renderedFiles(dir, rel = '') {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((entry) => {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    return entry.isDirectory() ? renderedFiles(dir, child) : [child];
  });
}

/** Text with our names replaced by `placeholder(key)` and every other part passed through `literal`. */
function templated(text, placeholder, literal) {
  const pattern = new RegExp(Object.values(names).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const keyOf = Object.fromEntries(Object.entries(names).map(([k, v]) => [v, k]));
  let out = '';
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    out += literal(text.slice(last, match.index)) + placeholder(keyOf[match[0]]);
    last = match.index + match[0].length;
  }
  return out + literal(text.slice(last));
}

function derivePeerTemplates(project) {
  const plopDir = path.join(work, 'peers', 'plop');
  const ccDir = path.join(work, 'peers', 'cookiecutter');
  const ccRoot = path.join(ccDir, '{{cookiecutter.project}}');
  const files = renderedFiles(project).filter((f) => f !== '.steel-thread.json');
  for (const rel of files) {
    const content = fs.readFileSync(path.join(project, rel), 'utf8');
    const hbs = templated(content, (k) => `{{${k}}}`, (s) => s.replace(/\{\{/g, '\\{{'));
    const jinja = templated(content, (k) => `{{ cookiecutter.${k} }}`, (s) => (/\{\{|\{%|\{#/.test(s) ? `{% raw %}${s}{% endraw %}` : s));
    const plopPath = path.join(plopDir, 'template', templated(rel, (k) => `{{${k}}}`, (s) => s));
    const ccPath = path.join(ccRoot, templated(rel, (k) => `{{cookiecutter.${k}}}`, (s) => s));
    for (const [file, text] of [[`${plopPath}.hbs`, hbs], [ccPath, jinja]]) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
  }
  fs.writeFileSync(
    path.join(ccDir, 'cookiecutter.json'),
    JSON.stringify({ project: 'out', ...names }, null, 2),
  );
  // plop: one generator, its answers given on the command line, one addMany over the template.
  fs.writeFileSync(
    path.join(plopDir, 'plopfile.cjs'),
    `module.exports = (plop) => plop.setGenerator('project', {
  prompts: ${JSON.stringify(Object.keys(names).map((k) => ({ type: 'input', name: k })))},
  actions: [{ type: 'addMany', destination: 'out', base: 'template', templateFiles: 'template/**/*', globOptions: { dot: true }, stripExtensions: ['hbs'] }],
});\n`,
  );
  return { plopDir, ccDir, files: files.length };
}

/** A template set of `count` files in its base layer, for the scale benchmark. */
function syntheticSet(count) {
  const dir = path.join(work, 'synthetic', String(count));
  const file = '# {{md name}}\n\nname = {{toml name}}\ntitle: {{yaml name}}\nNAME = {{py name}}\n{{#each recommendation.reasons}}\n- {{this}}\n{{/each}}\n';
  for (let i = 0; i < count; i++) {
    const rel = path.join(dir, 'base', `part-${Math.floor(i / 100)}`, `file-${i}.md.hbs`);
    fs.mkdirSync(path.dirname(rel), { recursive: true });
    fs.writeFileSync(rel, file.replace('# ', `# ${i} `));
  }
  for (const layer of ['form', 'ci']) {
    fs.mkdirSync(path.join(dir, layer), { recursive: true });
    fs.writeFileSync(path.join(dir, layer, `${layer}.txt`), layer);
  }
  fs.writeFileSync(
    path.join(dir, 'registry.json'),
    JSON.stringify({ format: 1, name: 'synthetic', base: 'base', delivery: { csv: { title: 'CSV', folder: 'form' } }, ci: { github: { title: 'GitHub', folder: 'ci' } } }),
  );
  return dir;
}

async function benchGenerator() {
  const reference = path.join(work, 'reference');
  sh('node', [cli, 'new', reference, '--name', name, ...answers]);
  const { plopDir, ccDir, files } = derivePeerTemplates(reference);
  results.generator.files = files;

  // update: a committed project with team edits, brought to a changed copy of the templates.
  const templates = path.join(work, 'templates-v2');
  fs.cpSync(path.join(root, 'templates'), templates, { recursive: true });
  // A git identity for the commits made here (hyperfine's commands inherit it too).
  Object.assign(process.env, { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@example.com' });
  const env = process.env;
  const updated = path.join(work, 'update-original');
  sh('node', [cli, 'new', updated, '--name', name, '--consumer', 'people', '--freshness', 'daily', '--yes', '--templates', templates], { env });
  fs.appendFileSync(path.join(updated, 'README.md'), '\nA team note.\n');
  fs.appendFileSync(path.join(updated, 'Makefile'), '\n# a team comment\n');
  sh('git', ['commit', '-qam', 'team edits'], { cwd: updated, env });
  for (const file of ['base/README.md.hbs', 'base/Makefile.hbs', 'base/pyproject.toml.hbs']) {
    const t = path.join(templates, file);
    fs.writeFileSync(t, `# template v2\n${fs.readFileSync(t, 'utf8')}`.replace(/^# template v2\n(#!|\[build)/, '$1'));
  }

  const out = path.join(work, 'out');
  const fresh = `rm -rf ${quote(out)} && mkdir -p ${quote(out)}`;
  Object.assign(
    results.generator,
    hyperfine([
      { label: 'node -e 0', run: 'node -e 0' },
      { label: 'steel-thread --version', run: command('node', cli, '--version') },
      { label: 'steel-thread --help', run: command('node', cli, '--help') },
      { label: 'steel-thread new', run: command('node', cli, 'new', path.join(out, 'st'), '--name', name, ...answers), prepare: fresh },
      // new as users run it by default: with git init and the first commit, like update uses git.
      { label: 'steel-thread new (with git)', run: command('node', cli, 'new', path.join(out, 'st'), '--name', name, ...answers.filter((a) => a !== '--no-git')), prepare: fresh },
      { label: 'plop CLI', run: `cd ${quote(plopDir)} && ${command(plop, '--plopfile', 'plopfile.cjs', '--dest', out, '--no-progress', 'project', ...Object.values(names))}`, prepare: fresh },
      { label: 'cookiecutter', run: command('cookiecutter', '--no-input', '-o', out, ccDir), prepare: fresh },
      {
        label: 'steel-thread update',
        run: command('node', cli, 'update', path.join(out, 'up'), '--templates', templates),
        prepare: `${fresh} && cp -a ${quote(updated)} ${quote(path.join(out, 'up'))}`,
      },
    ]),
  );

  for (const count of quick ? [10, 100] : [10, 100, 1000]) {
    const set = syntheticSet(count);
    const { run } = hyperfine([{ label: 'run', run: command('node', cli, 'new', path.join(out, 'synthetic'), '--templates', set, ...answers), prepare: fresh }], quick ? 3 : 10);
    results.scale.push({ files: count, ms: run, ms_per_file: Math.round((run / count) * 1000) / 1000 });
  }
  for (const [i, row] of results.scale.entries()) {
    if (i === 0) continue;
    const prev = results.scale[i - 1];
    row.marginal_ms_per_file = Math.round(((row.ms - prev.ms) / (row.files - prev.files)) * 1000) / 1000;
  }
}

/* ------------------------------------------------------------------------------------------
 * Generated projects.
 * ---------------------------------------------------------------------------------------- */

/** A generated project with its own environment (`make setup`): its targets use .venv. */
function generate(form) {
  const dir = path.join(work, 'projects', `bench-${form}`);
  sh('node', [cli, 'new', dir, '--delivery', form, '--yes', '--no-git']);
  sh('make', ['setup'], { cwd: dir, env: { ...process.env, UV_PYTHON_DOWNLOADS: 'never' } });
  return dir;
}

function measure(args, cwd, env = {}) {
  const out = sh(python, [path.join(root, 'bench', 'measure.py'), ...args], { cwd, env: { ...process.env, ...env } });
  const result = JSON.parse(out);
  if (result.code !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return result;
}

function scoringData(rows) {
  const file = path.join(work, 'data', `scoring-${rows}.csv`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    sh(python, [path.join(root, 'scripts', 'make-sample-data.py'), '--rows', String(rows), '--unlabelled', '--out', file]);
  }
  return file;
}

async function benchProjects() {
  const csv = generate('csv');
  const table = generate('table');
  results.projects.thread_ms = hyperfine([{ label: 'make thread', run: `cd ${quote(csv)} && make thread` }], quick ? 2 : 5)['make thread'];

  results.projects.batch = [];
  for (const rows of quick ? [10_000, 100_000] : [100_000, 1_000_000]) {
    const data = scoringData(rows);
    for (const [form, dir] of [['csv', csv], ['table', table]]) {
      fs.rmSync(path.join(dir, 'outbox'), { recursive: true, force: true });
      const run = measure(['make', 'thread'], dir, { SCORING_DATA: data, RUN_ID: 'bench' });
      results.projects.batch.push({ form, rows, seconds: run.seconds, rows_per_second: Math.round(rows / run.seconds), peak_mb: run.peak_mb });
    }
  }
  results.projects.api = await benchApi(generate('api'));
}

const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/**
 * Requests at a constant rate, each timed from the moment it was due (not from when it was sent),
 * so a stalled server shows in the latencies instead of slowing the load: what wrk2 does.
 * autocannon's own rate option sends each second's requests in a burst at the start of the
 * second, which measures queueing behind the burst, not the service at that rate.
 */
async function constantRate({ port, body, rate, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies = [];
  let errors = 0;
  const start = performance.now() + 50;
  const requests = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    requests.push(
      new Promise((resolve) => {
        const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
        const req = http.request({ host: '127.0.0.1', port, path: '/predict', method: 'POST', agent, headers }, (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - due);
            if (res.statusCode !== 200) errors++;
            resolve();
          });
        });
        req.on('error', () => {
          errors++;
          resolve();
        });
        req.end(body);
      }),
    );
  }
  await Promise.all(requests);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const quantile = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10;
  return { requests_per_second: rate, p50_ms: quantile(0.5), p99_ms: quantile(0.99), errors, requests: requests.length };
}

/** A bare FastAPI endpoint beside the project's: the same request model, a constant answer. */
/** A generated project's package: its folder's name, as `new` makes it. */
const packageOf = (project) => path.basename(project).replace(/-/g, '_');

function bareApp(project) {
  const file = path.join(work, 'bare_api.py');
  const pkg = packageOf(project);
  fs.writeFileSync(
    file,
    [
      'from pathlib import Path',
      '',
      'from fastapi import FastAPI',
      '',
      `from ${pkg}.api import create_app`,
      `from ${pkg}.model import Model`,
      `from ${pkg}.schema import load`,
      '',
      '# The very request model the service checks requests with, taken from its /predict route.',
      'schema = load()',
      'service = create_app(Model("constant", 0.0, schema.encoding()), schema, Path("records"))',
      'route = next(r for r in service.routes if getattr(r, "path", "") == "/predict")',
      'Row = route.endpoint.__annotations__["row"]  # type: ignore[attr-defined]',
      'app = FastAPI()',
      '',
      '',
      '@app.post("/predict")',
      'async def predict(row: Row) -> dict[str, float]:',
      '    return {"score": 0.5}',
      '',
    ].join('\n'),
  );
  return file;
}

/** One uvicorn worker on a free port (in PORT, and in `argsFor(port)`), ready; `stop` ends it. */
async function serveApi(project, argsFor, env = {}) {
  const port = await freePort();
  const server = spawn(path.join(project, '.venv', 'bin', 'python'), argsFor(port), {
    cwd: project,
    env: { ...process.env, PYTHONPATH: `${path.join(project, 'src')}:${work}`, PORT: String(port), ...env },
    stdio: 'ignore',
    detached: true,
  });
  for (let i = 0; i < 150; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/openapi.json`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { port, stop: () => process.kill(-server.pid, 'SIGTERM') };
}

async function maximum(port, body, seconds) {
  const max = await autocannon({ url: `http://127.0.0.1:${port}/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body, duration: seconds, connections: 10 });
  return {
    requests_per_second: Math.round(max.requests.average),
    p50_ms: max.latency.p50,
    p99_ms: max.latency.p99,
    errors: max.errors + max.timeouts + max.non2xx,
    requests: max.requests.total,
  };
}

async function benchApi(project) {
  sh('make', ['thread'], { cwd: project });
  const body = fs.readFileSync(path.join(project, 'contract', 'example-request.json'), 'utf8');
  const seconds = quick ? 5 : 30;
  const ours = await serveApi(project, () => ['-m', packageOf(project), 'serve']);
  try {
    const fixed = await constantRate({ port: ours.port, body, rate: 200, seconds });
    const max = await maximum(ours.port, body, seconds);
    // The bare endpoint right after, on the same machine and load generator.
    bareApp(project);
    const bare = await serveApi(project, (port) => ['-m', 'uvicorn', 'bare_api:app', '--log-level', 'warning', '--port', String(port)]);
    try {
      return { fixed_200: fixed, maximum: max, bare_fastapi: await maximum(bare.port, body, seconds), seconds_each: seconds };
    } finally {
      bare.stop();
    }
  } finally {
    ours.stop();
  }
}

/* ------------------------------------------------------------------------------------------
 * Targets, as ratios.
 * ---------------------------------------------------------------------------------------- */

function targets() {
  const g = results.generator;
  const t = [];
  const ratio = (a, b) => Math.round((a / b) * 100) / 100;
  t.push({ target: 'new ≤ 0.5 × cookiecutter', value: ratio(g['steel-thread new'], g.cookiecutter), limit: 0.5 });
  t.push({ target: 'new ≤ 0.7 × plop CLI', value: ratio(g['steel-thread new'], g['plop CLI']), limit: 0.7 });
  t.push({ target: 'new − node -e 0 ≤ 150 ms', value: Math.round(g['steel-thread new'] - g['node -e 0']), limit: 150 });
  t.push({ target: '--version ≤ 1.5 × node -e 0', value: ratio(g['steel-thread --version'], g['node -e 0']), limit: 1.5 });
  t.push({ target: 'update ≤ 2 × new (both with git)', value: ratio(g['steel-thread update'], g['steel-thread new (with git)']), limit: 2 });
  t.push({ target: 'update ≤ 2 × new --no-git', value: ratio(g['steel-thread update'], g['steel-thread new']), limit: 2 });
  // Flat: the cost of each further file is the same from 100 to 1,000 files as from 10 to 100.
  const [, s100, s1000] = results.scale;
  if (s1000) t.push({ target: 'per-file cost flat: marginal ms per file, 100→1,000 over 10→100', value: ratio(s1000.marginal_ms_per_file, s100.marginal_ms_per_file), limit: 1.1 });
  const big = results.projects.batch.filter((b) => b.rows === Math.max(...results.projects.batch.map((x) => x.rows)));
  const small = results.projects.batch.filter((b) => b.rows === Math.min(...results.projects.batch.map((x) => x.rows)));
  for (const [form, floor] of [['csv', 100_000], ['table', 50_000]]) {
    const b = big.find((x) => x.form === form);
    const s = small.find((x) => x.form === form);
    t.push({ target: `${form}: ${b.rows.toLocaleString('en')} rows ≥ ${floor.toLocaleString('en')} rows/s`, value: b.rows_per_second, limit: floor, atLeast: true });
    t.push({ target: `${form}: peak memory < 400 MB`, value: b.peak_mb, limit: 400 });
    t.push({ target: `${form}: peak memory ≤ 1.5 × the small run's`, value: ratio(b.peak_mb, s.peak_mb), limit: 1.5 });
  }
  const api = results.projects.api.fixed_200;
  t.push({ target: 'API p99 < 20 ms at 200 req/s', value: api.p99_ms, limit: 20 });
  t.push({ target: 'API errors at 200 req/s', value: api.errors, limit: 0 });
  const { maximum: most, bare_fastapi: bare } = results.projects.api;
  t.push({ target: 'API /predict ≥ 0.7 × bare FastAPI, req/s', value: ratio(most.requests_per_second, bare.requests_per_second), limit: 0.7, atLeast: true });
  for (const row of t) row.met = row.atLeast ? row.value >= row.limit : row.value <= row.limit;
  results.targets = t;
}

function print() {
  const g = results.generator;
  const node = g['node -e 0'];
  console.log(`\n## Generator (median of hyperfine runs, ms; ${g.files}-file CSV project)\n`);
  console.log('| command | median ms | × node -e 0 | × steel-thread new |');
  console.log('|---|---:|---:|---:|');
  for (const [label, ms] of Object.entries(g).filter(([k]) => k !== 'files')) {
    console.log(`| ${label} | ${ms} | ${(ms / node).toFixed(2)} | ${(ms / g['steel-thread new']).toFixed(2)} |`);
  }
  console.log('\n## Scale (synthetic template sets)\n\n| files | median ms | ms per file | marginal ms per file |\n|---:|---:|---:|---:|');
  for (const s of results.scale) console.log(`| ${s.files} | ${s.ms} | ${s.ms_per_file} | ${s.marginal_ms_per_file ?? ''} |`);
  console.log(`\n## Generated projects\n\nmake thread on the shipped sample (CSV): ${results.projects.thread_ms} ms (median)\n`);
  console.log('| form | rows | seconds | rows/s | peak MB |\n|---|---:|---:|---:|---:|');
  for (const b of results.projects.batch) console.log(`| ${b.form} | ${b.rows.toLocaleString('en')} | ${b.seconds} | ${b.rows_per_second.toLocaleString('en')} | ${b.peak_mb} |`);
  const { fixed_200: f, maximum: m, seconds_each } = results.projects.api;
  console.log(`\nAPI, one uvicorn worker, ${seconds_each} s each (fixed rate: constant arrivals; maximum: autocannon, 10 connections):\n\n| load | req/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|`);
  console.log(`| fixed 200 req/s | ${f.requests_per_second} | ${f.p50_ms} | ${f.p99_ms} | ${f.errors} |`);
  console.log(`| maximum | ${m.requests_per_second} | ${m.p50_ms} | ${m.p99_ms} | ${m.errors} |`);
  const b = results.projects.api.bare_fastapi;
  console.log(`| maximum, bare FastAPI (same request model, constant answer) | ${b.requests_per_second} | ${b.p50_ms} | ${b.p99_ms} | ${b.errors} |`);
  console.log('\n## Targets\n\n| target | measured | limit | met |\n|---|---:|---:|---|');
  for (const t of results.targets) console.log(`| ${t.target} | ${t.value} | ${t.limit} | ${t.met ? 'yes' : 'NO'} |`);
}

fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
await benchGenerator();
await benchProjects();
targets();
print();
fs.writeFileSync(path.join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwritten: bench/results.json');
