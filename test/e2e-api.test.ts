import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, tempDir } from './support/cli.js';
import { make, python } from './support/python.js';

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** One HTTP request on its own connection; chunked when the body is a list of parts. */
function request(port: number, method: string, route: string, body?: string | Buffer | Buffer[], contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = body === undefined ? {} : { 'content-type': contentType };
    if (body !== undefined && !Array.isArray(body)) headers['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: '127.0.0.1', port, method, path: route, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (Array.isArray(body)) for (const part of body) req.write(part);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('a generated API project, served for real', () => {
  let project: string;
  let port: number;
  let server: ReturnType<typeof execa> | undefined;
  let example: Record<string, unknown>;

  beforeAll(async () => {
    project = await generate(tempDir(), 'apidemo', ['--delivery', 'api']);
    example = JSON.parse(fs.readFileSync(path.join(project, 'contract', 'example-request.json'), 'utf8'));
  });
  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('passes its tests and its thread', async () => {
    const tests = await make(project, 'test');
    expect(tests.code, tests.output).toBe(0);
    const thread = await make(project, 'thread');
    expect(thread.code, thread.output).toBe(0);
    expect(thread.output).toMatch(/delivered 200 predictions to http:\/\/127\.0\.0\.1:\d+\/predict\/batch/);
  });

  it('serves on $PORT: the example request scores, hostile ones get a 4xx, and it stops cleanly', async () => {
    port = await freePort();
    server = execa('make', ['serve'], { cwd: project, env: { PYTHON: python, PORT: String(port) }, reject: false, all: true, detached: true });
    let healthy = false;
    for (let i = 0; i < 100 && !healthy; i++) {
      healthy = await request(port, 'GET', '/health').then((r) => r.status === 200, () => false);
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(healthy).toBe(true);

    const answer = await request(port, 'POST', '/predict', JSON.stringify(example));
    expect(answer.status, answer.body).toBe(200);
    const prediction = JSON.parse(answer.body) as { score: number; model_version: string };
    expect(prediction.score).toBeGreaterThanOrEqual(0);
    expect(prediction.score).toBeLessThanOrEqual(1);
    expect(prediction.model_version).toMatch(/^logreg-[0-9a-f]{12}$/);
    const version = JSON.parse((await request(port, 'GET', '/version')).body);
    expect(version).toMatchObject({ model_version: prediction.model_version, generator_version: '0.1.0' });

    const withField = (key: string, raw: string) =>
      `{${Object.entries(example).map(([k, v]) => `${JSON.stringify(k)}: ${k === key ? raw : JSON.stringify(v)}`).join(', ')}}`;
    const numeric = Object.keys(example).find((k) => typeof example[k] === 'number' && !Number.isInteger(example[k])) ?? 'monthly_spend';
    const whole = Object.keys(example).find((k) => Number.isInteger(example[k])) ?? 'age';
    const { [whole]: _dropped, ...missing } = example;
    const hostile: [string, string | Buffer | Buffer[], string?][] = [
      ['not JSON', 'not json'],
      ['truncated JSON', JSON.stringify(example).slice(0, -3)],
      ['an empty object', '{}'],
      ['an array', '[]'],
      ['null', 'null'],
      ['a missing field', JSON.stringify(missing)],
      ['an unknown field', JSON.stringify({ ...example, colour: 'red' })],
      ['NaN', withField(numeric, 'NaN')],
      ['Infinity', withField(numeric, 'Infinity')],
      ['1e999', withField(numeric, '1e999')],
      ['a string for a number', withField(numeric, '"abc"')],
      ['a fraction for a whole number', withField(whole, '30.5')],
      ['a number out of range', withField(whole, '-5')],
      ['a boolean for a number', withField(whole, 'true')],
      ['deep nesting', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
      ['a 16 MB body', JSON.stringify({ ...example, pad: 'x'.repeat(16_000_000) })],
      ['a chunked oversized body', Array.from({ length: 40 }, () => Buffer.alloc(100_000, 0x20))],
      ['text/plain', JSON.stringify(example), 'text/plain'],
    ];
    const statuses: Record<string, number> = {};
    for (const [what, body, contentType] of hostile) statuses[what] = (await request(port, 'POST', '/predict', body, contentType)).status;
    for (const [what, status] of Object.entries(statuses)) {
      expect(status >= 400 && status < 500, `${what} → ${status}`).toBe(true);
    }
    expect((await request(port, 'POST', '/predict', JSON.stringify(example))).status).toBe(200);
    const records = fs.readFileSync(path.join(project, 'records', 'predictions.jsonl'), 'utf8').trim().split('\n');
    expect(records.length).toBeGreaterThanOrEqual(2);

    process.kill(-(server.pid ?? 0), 'SIGTERM');
    const stopped = await server;
    expect(stopped.signal ?? stopped.exitCode, stopped.all).not.toBe('SIGKILL');
    expect(await request(port, 'GET', '/health').then(() => 'up', () => 'down')).toBe('down');
    server = undefined;
  });

  it('refuses to start without a live model, with a clear message', async () => {
    const fresh = await generate(tempDir(), 'nomodel', ['--delivery', 'api']);
    const run = await execa('make', ['serve'], { cwd: fresh, env: { PYTHON: python, PORT: String(await freePort()) }, reject: false, all: true, timeout: 60_000 });
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/no live model in .*models: run `make thread`/);
    expect(run.all).not.toContain('Traceback');
  });
});
