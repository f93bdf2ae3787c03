import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, tempDir } from './support/cli.js';
import { make, setup, slow, venvPython } from './support/python.js';
import { freePort } from './support/net.js';
import { objects, startS3, startSftp, type S3, type Sftp } from './support/remote.js';

const bucket = 'steel';
const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

/** The drop's two files, checked as a consumer would: the manifest describes the CSV it follows. */
function checkDrop(csv: Buffer, manifestBytes: Buffer, runId: string): { model_version: string } {
  const manifest = JSON.parse(manifestBytes.toString('utf8'));
  expect(manifest).toMatchObject({ file: `predictions-${runId}.csv`, run_id: runId, sha256: sha256(csv) });
  expect(manifest.rows).toBe(csv.toString('utf8').trimEnd().split('\r\n').length - 1);
  return manifest;
}

describe('a generated CSV-drop project delivering to SFTP and to S3-compatible storage, for real', () => {
  let sftp: Sftp;
  let s3: S3;
  let project: string;
  let training: string;
  beforeAll(async () => {
    [sftp, s3] = await Promise.all([startSftp(), startS3(bucket)]);
    project = await generate(tempDir(), 'remote', ['--consumer', 'people', '--freshness', 'daily']);
    await setup(project);
    training = path.join(project, 'data', 'sample', 'training.csv');
    const scoring = fs.readFileSync(path.join(project, 'data', 'sample', 'scoring.csv'));
    const put = await fetch(`${s3.endpoint}/${bucket}/in/scoring.csv`, { method: 'PUT', body: scoring });
    expect(put.ok, await put.text()).toBe(true);
    fs.mkdirSync(sftp.local('in'));
    fs.copyFileSync(training, sftp.local('in/training.csv'));
  }, slow);
  afterAll(async () => {
    await Promise.all([sftp?.stop(), s3?.stop()]);
  });

  it('delivers to SFTP (reading its training data there too): renamed in, the manifest last, the same bytes again', async () => {
    const env = { HOME: sftp.home, RUN_ID: 'sftp1', OUTBOX: sftp.url('outbox'), TRAINING_DATA: sftp.url('in/training.csv'), MODEL_STORE: path.join(tempDir(), 'models') };
    const first = await make(project, 'thread', env);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain(`delivered 200 predictions to ${sftp.url('outbox/predictions-sftp1.csv')}`);
    const [csvFile, manifestFile] = ['csv', 'manifest.json'].map((end) => sftp.local(`outbox/predictions-sftp1.${end}`)) as [string, string];
    checkDrop(fs.readFileSync(csvFile), fs.readFileSync(manifestFile), 'sftp1');
    expect(fs.statSync(csvFile).mtimeMs).toBeLessThan(fs.statSync(manifestFile).mtimeMs);
    expect(fs.readdirSync(sftp.local('outbox/.partial'))).toEqual([]);
    const before = [fs.readFileSync(csvFile), fs.readFileSync(manifestFile)];
    const again = await make(project, 'thread', env);
    expect(again.code, again.output).toBe(0);
    expect([fs.readFileSync(csvFile), fs.readFileSync(manifestFile)]).toEqual(before);
    expect(fs.readdirSync(sftp.local('outbox')).sort()).toEqual(['.partial', 'predictions-sftp1.csv', 'predictions-sftp1.manifest.json']);

    // The server's host key is checked: without it in known_hosts, nothing is delivered.
    fs.writeFileSync(path.join(sftp.home, '.ssh', 'known_hosts'), '');
    const unknown = await make(project, 'thread', { ...env, RUN_ID: 'sftp2' });
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toMatch(/Host key is not trusted/);
    expect(fs.existsSync(sftp.local('outbox/predictions-sftp2.manifest.json'))).toBe(false);
  }, slow);

  it('delivers to S3 with its model store there: a second fresh copy is gated against the first one’s live model, and the API serves it', async () => {
    const places = { OUTBOX: `s3://${bucket}/outbox`, MODEL_STORE: `s3://${bucket}/models`, SCORING_DATA: `s3://${bucket}/in/scoring.csv` };
    const env = { ...s3.env, ...places, RUN_ID: 's3-1' };
    const first = await make(project, 'thread', env);
    expect(first.code, first.output).toBe(0);
    expect(first.output).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
    const python = venvPython(project);
    const outbox = await objects(s3, python, `${bucket}/outbox`);
    expect([...outbox.keys()]).toEqual([`${bucket}/outbox/predictions-s3-1.csv`, `${bucket}/outbox/predictions-s3-1.manifest.json`]);
    const live = checkDrop(outbox.get(`${bucket}/outbox/predictions-s3-1.csv`)!, outbox.get(`${bucket}/outbox/predictions-s3-1.manifest.json`)!, 's3-1').model_version;
    const promotionsOf = async () => [...(await objects(s3, python, `${bucket}/models/promotions`)).keys()];
    expect(await promotionsOf()).toEqual([expect.stringMatching(new RegExp(`^${bucket}/models/promotions/\\d{8}T\\d{12}Z-${live}\\.json$`))]);
    const again = await make(project, 'thread', env);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain(`model ${live}`);
    expect(await objects(s3, python, `${bucket}/outbox`)).toEqual(outbox);
    expect(await promotionsOf()).toHaveLength(1);

    // A fresh copy of the project, trained on other rows (the first half of the history):
    // a new candidate, judged against the live model the first copy left in the store.
    const second = await generate(tempDir(), 'remote', ['--consumer', 'people', '--freshness', 'daily']);
    const half = fs.readFileSync(training, 'utf8').split('\n');
    const halfFile = path.join(tempDir(), 'training-half.csv');
    fs.writeFileSync(halfFile, half.slice(0, Math.ceil(half.length / 2)).join('\n') + '\n');
    const gated = await make(second, 'thread', { ...env, RUN_ID: 's3-2', TRAINING_DATA: halfFile, PYTHON: venvPython(project) });
    expect(gated.code, gated.output).toBe(0);
    expect(gated.output).toMatch(/: AUC [\d.]+ vs live model [\d.]+/);
    const promotions = await promotionsOf();
    const promoted = /promoted (\S+)/.exec(gated.output)?.[1];
    const nowLive = promoted ?? live;
    expect(promotions).toHaveLength(promoted ? 2 : 1);
    expect(promotions.at(-1)).toContain(nowLive);
    expect(fs.existsSync(path.join(second, 'records', 's3-2.json'))).toBe(true);
    const secondDrop = await objects(s3, python, `${bucket}/outbox/predictions-s3-2.manifest.json`);
    const secondManifest = JSON.parse([...secondDrop.values()][0]!.toString('utf8'));
    expect(secondManifest.model_version).toBe(nowLive);
    expect(fs.existsSync(path.join(second, 'models'))).toBe(false);

    // The API form loads the store's live model at start-up.
    const api = await generate(tempDir(), 'remote_api', ['--delivery', 'api', '--consumer', 'service', '--freshness', 'realtime']);
    await setup(api);
    const port = await freePort();
    const server = execa('make', ['serve'], { cwd: api, env: { ...s3.env, MODEL_STORE: places.MODEL_STORE, PORT: String(port), UV_PYTHON_DOWNLOADS: 'never' }, reject: false, all: true, detached: true });
    try {
      let version: Response | undefined;
      for (let tries = 0; tries < 300 && !version?.ok; tries++) {
        version = await fetch(`http://127.0.0.1:${port}/version`).catch(() => undefined);
        if (!version?.ok) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(version?.ok, 'make serve did not answer /version within 30 s').toBe(true);
      expect(await version!.json()).toMatchObject({ model_version: nowLive });
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
    } finally {
      process.kill(-(server.pid ?? 0), 'SIGTERM');
      const stopped = await server;
      expect(stopped.all ?? '').not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
    }
  }, 3 * slow);
});
