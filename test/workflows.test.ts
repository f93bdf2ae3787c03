import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generate, templatesDir, tempDir } from './support/cli.js';

/**
 * The delivery each project's CI carries: a schedule at the consumer's freshness for the batch
 * forms, a release of the image for the API; every GitHub workflow held to a current actionlint
 * (with ShellCheck on its scripts). `.ci/install` installs both; a missing one fails the lint
 * test, never skips it, as the tests that need PostgreSQL or a server do.
 */
const actionlint = process.env.ACTIONLINT ?? 'actionlint';
const found = async (command: string) => (await execa(command, ['--version'], { reject: false })).exitCode === 0;
const [hasActionlint, hasShellcheck] = await Promise.all([found(actionlint), found('shellcheck')]);
const howToInstall = 'run `bash .ci/install` (as root), as CI does';

const registry = JSON.parse(fs.readFileSync(path.join(templatesDir, 'registry.json'), 'utf8')) as { delivery: Record<string, unknown>; ci: Record<string, unknown> };
const forms = Object.keys(registry.delivery);
const providers = Object.keys(registry.ci);
const freshnesses = ['realtime', 'daily', 'weekly'] as const;

/** Each freshness's slot: when the schedule fires, and the run id's date format (one id per slot). */
const slots = {
  realtime: { cron: '0 * * * *', format: '%Y-%m-%dT%H', example: /^\d{4}-\d\d-\d\dT\d\d$/ },
  daily: { cron: '0 6 * * *', format: '%Y-%m-%d', example: /^\d{4}-\d\d-\d\d$/ },
  weekly: { cron: '0 6 * * 1', format: '%G-W%V', example: /^\d{4}-W\d\d$/ },
};

/** The run id pattern the generated settings accept (settings.py). */
const runIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

interface Step {
  uses?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Job {
  permissions?: Record<string, string>;
  environment?: string;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown> & { schedule?: { cron: string }[] };
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}
interface GitlabJob {
  stage?: string;
  rules?: { if: string }[];
  script?: string[];
  environment?: string;
  resource_group?: string;
  interruptible?: boolean;
}

const scripts = (job: Job) => job.steps.map((step) => step.run ?? '').join('\n');
/** One temp folder for every project of the file (each temp folder costs an exit listener). */
const parent = tempDir();

describe.each(forms.flatMap((form) => providers.flatMap((ci) => freshnesses.map((freshness) => [form, ci, freshness] as const))))('%s form, %s CI, %s freshness', (form, ci, freshness) => {
  let project: string;
  beforeAll(async () => {
    const folder = path.join(parent, `${form}-${ci}-${freshness}`);
    fs.mkdirSync(folder);
    project = await generate(folder, 'demo', ['--delivery', form, '--ci', ci, '--freshness', freshness]);
  });
  const batch = form !== 'api';
  const slot = slots[freshness];

  if (ci === 'github') {
    const workflows = () => fs.readdirSync(path.join(project, '.github', 'workflows')).sort();
    const read = (name: string) => parseYaml(fs.readFileSync(path.join(project, '.github', 'workflows', name), 'utf8')) as Workflow;

    it('has workflows a current actionlint (with ShellCheck) passes', async () => {
      if (!hasActionlint) throw new Error(`${actionlint} is not installed: ${howToInstall}`);
      if (!hasShellcheck) throw new Error(`shellcheck is not installed, so actionlint would not check the scripts: ${howToInstall}`);
      expect(workflows()).toEqual(['ci.yml', 'deliver.yml']);
      const files = workflows().map((name) => path.join('.github', 'workflows', name));
      const lint = await execa(actionlint, ['-no-color', ...files], { cwd: project, reject: false, all: true });
      expect(lint.all, lint.all).toBe('');
      expect(lint.exitCode).toBe(0);
    });

    it('reads the code and nothing more, but where a job must write', () => {
      for (const name of workflows()) expect(read(name).permissions, name).toEqual({ contents: 'read' });
      const writers = Object.entries(read('deliver.yml').jobs).filter(([, job]) => job.permissions);
      expect(writers.map(([name, job]) => [name, job.permissions])).toEqual(batch ? [] : [['push', { packages: 'write' }]]);
    });

    if (batch) {
      it('delivers on the consumer’s schedule, one run id per slot, with the real settings, in production', async () => {
        const workflow = read('deliver.yml');
        expect(workflow.on.schedule).toEqual([{ cron: slot.cron }]);
        expect(workflow.on).toHaveProperty('workflow_dispatch');
        expect(workflow.concurrency).toEqual({ group: 'deliver', 'cancel-in-progress': false });
        const job = workflow.jobs.deliver!;
        expect(job.environment).toBe('production');
        const run = scripts(job);
        expect(run).toContain('uv sync --locked --no-dev');
        expect(run).toContain('make thread');
        expect(run).toContain(`RUN_ID=\${REQUESTED_RUN_ID:-$(date -u +${slot.format})}`);
        const today = (await execa('date', ['-u', `+${slot.format}`])).stdout;
        expect(today).toMatch(slot.example);
        expect(today).toMatch(runIdPattern);

        const deliver = job.steps.find((step) => step.run?.includes('make thread'))!;
        const destination = form === 'table' ? { DATABASE_URL: '${{ secrets.DATABASE_URL }}' } : { OUTBOX: '${{ secrets.OUTBOX }}' };
        expect(deliver.env).toMatchObject({
          REQUESTED_RUN_ID: '${{ inputs.run-id }}',
          TRAINING_DATA: '${{ secrets.TRAINING_DATA }}',
          SCORING_DATA: '${{ secrets.SCORING_DATA }}',
          MODEL_STORE: '${{ secrets.MODEL_STORE }}',
          ...destination,
        });
        // Secrets reach the one step that needs each, never a whole job.
        expect(job).not.toHaveProperty('env');
        const readme = fs.readFileSync(path.join(project, 'README.md'), 'utf8');
        expect(readme).toContain('## Scheduled delivery');
        expect(readme).toContain('60 days');
        expect(readme).toContain('id-token: write');
        for (const name of Object.keys(destination)) expect(readme).toContain(`\`${name}\``);
      });
    } else {
      it('releases the image built from the lock, start/stop tested before it is pushed to ghcr.io', () => {
        const workflow = read('deliver.yml');
        expect(Object.keys(workflow.on).sort()).toEqual(['push', 'workflow_dispatch']);
        expect(Object.keys(workflow.jobs)).toEqual(['image', 'push']);
        const image = scripts(workflow.jobs.image!);
        expect(image).toContain('uv sync --locked --no-dev');
        expect(image).toContain('-d @contract/example-request.json');
        expect(image).toContain('/app/models:ro');
        const build = workflow.jobs.image!.steps.find((step) => step.uses?.startsWith('docker/build-push-action@'));
        expect(build).toMatchObject({ with: { load: true } });
        expect(build).not.toMatchObject({ with: { push: true } });
        expect(workflow.jobs.push).toMatchObject({ needs: 'image' });
        expect(scripts(workflow.jobs.push!)).toContain('docker push');
        expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toContain('## Release: the image');
      });
    }
  } else {
    const read = (file: string) => parseYaml(fs.readFileSync(path.join(project, file), 'utf8')) as Record<string, GitlabJob> & { include: { local: string }[]; stages: string[] };

    it('includes its delivery, which a scheduled pipeline runs alone', () => {
      const main = read('.gitlab-ci.yml');
      expect(main.include).toEqual([{ local: '.gitlab/deliver.yml' }]);
      expect(main.stages.at(-1)).toBe('deliver');
      for (const name of ['lint', 'test-latest', 'test-lowest', 'thread']) expect(main[name]?.rules, name).toEqual([{ if: '$CI_PIPELINE_SOURCE != "schedule"' }]);
      expect(fs.existsSync(path.join(project, '.github'))).toBe(false);
    });

    if (batch) {
      it('delivers in scheduled pipelines, one run id per slot, in production, one run at a time', () => {
        const deliver = read('.gitlab/deliver.yml').deliver!;
        expect(deliver.stage).toBe('deliver');
        expect(deliver.rules?.[0]).toEqual({ if: '$CI_PIPELINE_SOURCE == "schedule"' });
        expect(deliver).toMatchObject({ environment: 'production', resource_group: 'deliver', interruptible: false });
        const script = (deliver.script ?? []).join('\n');
        expect(script).toContain('uv sync --locked --no-dev');
        expect(script).toContain(`export RUN_ID="\${RUN_ID:-$(date -u +${slot.format})}"`);
        expect(script).toContain(form === 'table' ? 'MODEL_STORE DATABASE_URL;' : 'MODEL_STORE OUTBOX;');
        const readme = fs.readFileSync(path.join(project, 'README.md'), 'utf8');
        expect(readme).toContain('## Scheduled delivery');
        expect(readme).toContain(`the cron line\n\`${slot.cron}\``);
        expect(readme).toContain('id_tokens:');
      });
    } else {
      it('releases the image on a version tag, start/stop tested before the one login and push', () => {
        const jobs = read('.gitlab/deliver.yml');
        expect(Object.keys(jobs)).toEqual(['release-model', 'release']);
        const script = jobs.release!.script ?? [];
        const at = (text: string) => script.findIndex((line) => line.includes(text));
        expect(at('-d @contract/example-request.json')).toBeGreaterThan(at('docker build'));
        expect(at('docker login')).toBeGreaterThan(at('docker stop'));
        expect(at('docker push')).toBeGreaterThan(at('docker login'));
        expect(jobs.release!.rules).toEqual([{ if: '$CI_COMMIT_TAG =~ /^v/' }]);
        expect(fs.readFileSync(path.join(project, 'README.md'), 'utf8')).toContain('## Release: the image');
      });
    }
  }
});
