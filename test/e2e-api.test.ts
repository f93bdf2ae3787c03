import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, repoRoot, tempDir } from './support/cli.js';
import { lowestTests, make, setup, slow, venvPython } from './support/python.js';
import { readCsv, readSchema, type ProjectSchema } from './support/schema.js';
import { freePort } from './support/net.js';

type Body = string | Buffer | Buffer[];

/** One HTTP request on its own connection, given 30 s; chunked when the body is a list of parts. */
function request(port: number, method: string, route: string, body?: Body, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = body === undefined ? {} : { 'content-type': contentType };
    if (body !== undefined && !Array.isArray(body)) headers['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: '127.0.0.1', port, method, path: route, headers, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${route}: no answer in 30 s`)));
    req.on('error', reject);
    if (Array.isArray(body)) for (const part of body) req.write(part);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Every number under a "score" key, however deep: one per prediction, whatever the answer's shape. */
function scoresIn(value: unknown): number[] {
  if (Array.isArray(value)) return value.flatMap(scoresIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === 'score' && typeof inner === 'number' ? [inner] : scoresIn(inner)));
}

interface Endpoint {
  route: string;
  /** The endpoint's body for rows written as JSON text (a batch wraps them in {"rows": [...]}). */
  wrap: (rows: string[]) => string;
  maxRows: number;
}

/** The POST endpoints of the committed contract, each with how it takes rows. */
function endpoints(project: string): Endpoint[] {
  const openapi = JSON.parse(fs.readFileSync(path.join(project, 'contract', 'openapi.json'), 'utf8')) as {
    paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }>;
    components: { schemas: Record<string, { properties?: Record<string, { maxItems?: number }> }> };
  };
  return Object.entries(openapi.paths).flatMap(([route, operations]) => {
    if (!operations.post) return [];
    const ref = operations.post.requestBody.content['application/json']?.schema.$ref ?? '';
    const rows = openapi.components.schemas[ref.split('/').pop() ?? '']?.properties?.rows;
    return rows
      ? [{ route, wrap: (items: string[]) => `{"rows": [${items.join(', ')}]}`, maxRows: rows.maxItems ?? 1000 }]
      : [{ route, wrap: (items: string[]) => items[0] ?? '', maxRows: 1 }];
  });
}

/**
 * Requests no consumer should send, each as the endpoint takes it. All must get a 4xx: the
 * cases the generated project's own fuzzer once held, kept here where they cost the team nothing.
 */
function hostileRequests(schema: ProjectSchema, example: Record<string, unknown>, endpoint: Endpoint): [string, Body, string?][] {
  const row = (key: string, raw: string) =>
    `{${Object.entries(example).map(([k, v]) => `${JSON.stringify(k)}: ${k === key ? raw : JSON.stringify(v)}`).join(', ')}}`;
  const one = (key: string, raw: string) => endpoint.wrap([row(key, raw)]);
  const number = schema.features.find((field) => field.type === 'number');
  const whole = schema.features.find((field) => field.type === 'integer' && !field.constraints?.enum);
  const category = schema.features.find((field) => field.constraints?.enum);
  if (!number || !whole || !category) throw new Error('the schema has no number, whole number or category feature to test with');
  const { [whole.name]: _dropped, ...missing } = example;
  const exampleText = JSON.stringify(example);
  const cases: [string, Body, string?][] = [
    ['not JSON', 'not json'],
    ['truncated JSON', endpoint.wrap([exampleText]).slice(0, -3)],
    ['an empty object', '{}'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a missing field', endpoint.wrap([JSON.stringify(missing)])],
    ['an unknown field', endpoint.wrap([JSON.stringify({ ...example, not_in_the_schema: 1 })])],
    ['NaN', one(number.name, 'NaN')],
    ['Infinity', one(number.name, 'Infinity')],
    ['-Infinity', one(number.name, '-Infinity')],
    ['1e999', one(number.name, '1e999')],
    ['a string for a number', one(number.name, '"abc"')],
    ['a numeric string for a number', one(number.name, '"5"')],
    ['a fraction for a whole number', one(whole.name, `${(whole.constraints?.minimum ?? 0) + 0.5}`)],
    ['a whole number written as a fraction', one(whole.name, `${whole.constraints?.minimum ?? 0}.0`)],
    ['a number below its range', one(whole.name, `${(whole.constraints?.minimum ?? 0) - 1000}`)],
    ['a number above its range', one(number.name, `${(number.constraints?.maximum ?? 0) * 1000 + 1}`)],
    ['a boolean for a number', one(whole.name, 'true')],
    ['null for a feature', one(number.name, 'null')],
    ['a code not in the schema', one(category.name, '"not-a-code"')],
    ['a number for a category', one(category.name, '1')],
    ['a lone surrogate in the id', one(schema.id, '"\\ud800"')],
    ['an id over its length', one(schema.id, JSON.stringify('x'.repeat(100_000)))],
    ['deep nesting', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    ['deep nesting in a field', one(number.name, `${'['.repeat(10_000)}${']'.repeat(10_000)}`)],
    ['a 16 MB body', endpoint.wrap([JSON.stringify({ ...example, pad: 'x'.repeat(16_000_000) })])],
    ['a chunked oversized body', Array.from({ length: 40 }, () => Buffer.alloc(100_000, 0x20))],
    ['text/plain', endpoint.wrap([exampleText]), 'text/plain'],
    ['no content type', endpoint.wrap([exampleText]), ''],
  ];
  if (endpoint.maxRows > 1) {
    cases.push(['no rows', '{"rows": []}'], ['rows that are not a list', '{"rows": "x"}'], ['too many rows', endpoint.wrap(Array.from({ length: endpoint.maxRows + 1 }, () => exampleText))]);
  }
  return cases;
}

describe('a generated API project, served for real', () => {
  // One project and one environment for the file: setting up is the slow part.
  let project: string;
  let server: ReturnType<typeof execa> | undefined;
  let example: Record<string, unknown>;
  beforeAll(async () => {
    project = await generate(tempDir(), 'apidemo', ['--delivery', 'api']);
    example = JSON.parse(fs.readFileSync(path.join(project, 'contract', 'example-request.json'), 'utf8'));
    await setup(project);
  }, slow);
  afterAll(() => {
    if (server?.pid) process.kill(-server.pid, 'SIGKILL');
  });

  it('passes its tests and lint on the latest releases', async () => {
    const tests = await make(project, 'test');
    expect(tests.code, tests.output).toBe(0);
    const lint = await make(project, 'lint');
    expect(lint.code, lint.output).toBe(0);
  }, slow);

  it('passes its tests resolved to the lowest allowed releases, on the oldest Python', async () => {
    const tests = await lowestTests(project);
    expect(tests.code, tests.output).toBe(0);
  }, slow);

  it('passes its thread, every scoring row sent to the real service', async () => {
    const rows = readCsv(path.join(project, 'data', 'sample', 'scoring.csv')).length;
    const thread = await make(project, 'thread');
    expect(thread.code, thread.output).toBe(0);
    expect(thread.output).toMatch(new RegExp(`delivered ${rows} predictions to http://127\\.0\\.0\\.1:\\d+/predict`));
  }, slow);

  it('serves on $PORT: valid requests score, hostile ones get a 4xx and never take it down, and it stops cleanly', async () => {
    const port = await freePort();
    server = execa('make', ['serve'], { cwd: project, env: { PORT: String(port), UV_PYTHON_DOWNLOADS: 'never' }, reject: false, all: true, detached: true });
    let healthy = false;
    for (let i = 0; i < 150 && !healthy; i++) {
      healthy = await request(port, 'GET', '/health').then((r) => r.status === 200, () => false);
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (!healthy) {
      process.kill(-(server.pid ?? 0), 'SIGKILL');
      const failed = await server;
      server = undefined;
      throw new Error(`make serve did not answer /health within 30 s:\n${String(failed.all)}`);
    }
    expect((await request(port, 'GET', '/ready')).status).toBe(200);

    const schema = readSchema(project);
    const all = endpoints(project);
    expect(all.map((e) => e.route)).toContain('/predict');
    const answer = await request(port, 'POST', '/predict', JSON.stringify(example));
    expect(answer.status, answer.body).toBe(200);
    const prediction = JSON.parse(answer.body) as Record<string, unknown>;
    expect(prediction[schema.id]).toBe(example[schema.id]);
    expect(prediction.model_version).toMatch(/^logistic-[0-9a-f]{12}$/);
    const { version: generatorVersion } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(JSON.parse((await request(port, 'GET', '/version')).body)).toMatchObject({ model_version: prediction.model_version, generator_version: generatorVersion });

    const statuses: Record<string, number | string> = {};
    for (const endpoint of all) {
      const valid = await request(port, 'POST', endpoint.route, endpoint.wrap(Array.from({ length: Math.min(endpoint.maxRows, 3) }, () => JSON.stringify(example))));
      expect(valid.status, `${endpoint.route}: ${valid.body}`).toBe(200);
      const scores = scoresIn(JSON.parse(valid.body));
      expect(scores).toHaveLength(Math.min(endpoint.maxRows, 3));
      for (const score of scores) expect(score >= 0 && score <= 1, `score ${score}`).toBe(true);
      for (const [what, body, contentType] of hostileRequests(schema, example, endpoint)) {
        const key = `${endpoint.route}: ${what}`;
        statuses[key] = await request(port, 'POST', endpoint.route, body, contentType).then((r) => r.status, (error: Error) => error.message);
      }
    }
    const refusedWell = Object.fromEntries(Object.keys(statuses).map((key) => [key, true]));
    expect(Object.fromEntries(Object.entries(statuses).map(([key, status]) => [key, typeof status === 'number' && status >= 400 && status < 500]))).toEqual(refusedWell);
    // The refusals the contract names, for the cases that have one answer.
    expect(statuses).toMatchObject({ '/predict: not JSON': 400, '/predict: a 16 MB body': 413, '/predict: a chunked oversized body': 413, '/predict: text/plain': 415, '/predict: NaN': 422 });
    expect((await request(port, 'GET', '/health')).status).toBe(200);
    expect((await request(port, 'POST', '/predict', JSON.stringify(example))).status).toBe(200);

    process.kill(-(server.pid ?? 0), 'SIGTERM');
    const stopped = await server;
    server = undefined;
    expect(stopped.signal ?? stopped.exitCode, String(stopped.all)).not.toBe('SIGKILL');
    expect(await request(port, 'GET', '/health').then(() => 'up', () => 'down')).toBe('down');
    // A clean stop loses no record: the served predictions (no run id) are all there.
    const records = fs.readFileSync(path.join(project, 'records', 'predictions.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { run_id: string | null });
    const served = 2 + all.reduce((sum, endpoint) => sum + Math.min(endpoint.maxRows, 3), 0);
    expect(records.filter((record) => record.run_id === null)).toHaveLength(served);
  }, slow);

  it('refuses to start without a live model, with a clear message', async () => {
    const fresh = await generate(tempDir(), 'nomodel', ['--delivery', 'api']);
    const run = await execa('make', ['serve'], {
      cwd: fresh,
      env: { PYTHON: venvPython(project), PORT: String(await freePort()), UV_PYTHON_DOWNLOADS: 'never' },
      reject: false,
      all: true,
      timeout: 60_000,
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/no live model in .*models: run `make thread`/);
    expect(run.all).not.toContain('Traceback');
  }, slow);
});
