import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { tempDir } from './cli.js';
import { freePort } from './net.js';

/**
 * Throwaway servers on loopback for the remote places a generated project delivers to: an SFTP
 * server (Debian's OpenSSH sshd, with its own config, host key and authorized key in a temp
 * folder, key authentication only) and an S3-compatible one (moto in server mode). Both are
 * installed by `bash .ci/install`; a missing one fails the test, never skips it. Each is stopped
 * by `stop()`, and at the latest by a time limit of its own.
 */
const howToInstall = 'run `bash .ci/install` (as root), as CI does';
const lifetime = '1800'; // seconds: a server outlives no test run, even one killed before stop()

/** Resolves once `port` accepts a connection; fails after `seconds`, with the server's output. */
async function listening(port: number, server: ResultPromise, what: string, seconds = 30): Promise<void> {
  const output: string[] = [];
  server.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  let exited = false;
  void server.then(() => (exited = true), () => (exited = true));
  for (let waited = 0; waited < seconds * 10; waited++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    if (exited) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  server.kill('SIGKILL');
  throw new Error(`${what} did not listen on 127.0.0.1:${port}:\n${output.join('')}`);
}

export interface Sftp {
  /** sftp://user@127.0.0.1:port/<folder>/<name>: a folder on the server, for a setting. */
  url(name: string): string;
  /** The same place on this machine's disk (the server serves this machine's files). */
  local(name: string): string;
  /** A HOME whose ~/.ssh holds the client's key and the server's host key: SSH's usual way. */
  home: string;
  stop(): Promise<void>;
}

export async function startSftp(): Promise<Sftp> {
  const sshd = '/usr/sbin/sshd';
  if (!fs.existsSync(sshd)) throw new Error(`no ${sshd} (Debian's openssh-server): ${howToInstall}`);
  const dir = tempDir('steel-thread-sftp-');
  const home = path.join(dir, 'home');
  const served = path.join(dir, 'served');
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(served);
  const keygen = (file: string) => execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'steel-thread-test', '-f', file]);
  await keygen(path.join(dir, 'host_key'));
  await keygen(path.join(home, '.ssh', 'id_ed25519'));
  fs.copyFileSync(path.join(home, '.ssh', 'id_ed25519.pub'), path.join(dir, 'authorized_keys'));
  const port = await freePort();
  const hostKey = fs.readFileSync(path.join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(dir, 'host_key')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'AuthenticationMethods publickey',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'StrictModes no', // the temp folder sits in the world-writable /tmp
    'UsePAM no',
    'Subsystem sftp internal-sftp',
  ];
  fs.writeFileSync(path.join(dir, 'sshd_config'), `${config.join('\n')}\n`);
  // sshd wants its privilege separation folder, which only the system service's start makes.
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const server = execa('timeout', [lifetime, sshd, '-D', '-e', '-f', path.join(dir, 'sshd_config')], { reject: false, stdin: 'ignore' });
  await listening(port, server, 'sshd');
  const user = os.userInfo().username;
  return {
    url: (name) => `sftp://${user}@127.0.0.1:${port}${path.join(served, name)}`,
    local: (name) => path.join(served, name),
    home,
    stop: async () => {
      server.kill('SIGTERM');
      await server;
    },
  };
}

export interface S3 {
  /** What a project needs in its environment to reach the server: AWS_* and AWS_ENDPOINT_URL. */
  env: Record<string, string>;
  endpoint: string;
  stop(): Promise<void>;
}

/** moto in server mode on loopback, with `bucket` made; its binary from PATH or MOTO_SERVER. */
export async function startS3(bucket: string): Promise<S3> {
  const binary = process.env.MOTO_SERVER ?? 'moto_server';
  const found = await execa('sh', ['-c', `command -v "${binary}"`], { reject: false });
  if (found.exitCode !== 0) throw new Error(`no ${binary} on PATH (moto in server mode, from PyPI): ${howToInstall}`);
  const port = await freePort();
  const server = execa('timeout', [lifetime, binary, '-H', '127.0.0.1', '-p', String(port)], { reject: false, stdin: 'ignore', cwd: tempDir('steel-thread-s3-') });
  await listening(port, server, 'moto_server');
  const endpoint = `http://127.0.0.1:${port}`;
  const made = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
  if (!made.ok) throw new Error(`moto_server would not make the bucket ${bucket}: ${made.status} ${await made.text()}`);
  return {
    endpoint,
    env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing-secret', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint },
    stop: async () => {
      server.kill('SIGTERM');
      await server;
    },
  };
}

/**
 * Every object under `prefix` (bucket/...) and its bytes, read with s3fs by `python` (a generated
 * project's, which has it): moto refuses unsigned reads.
 */
export async function objects(s3: S3, python: string, prefix: string): Promise<Map<string, Buffer>> {
  const script = 'import base64, json, sys, fsspec; fs = fsspec.filesystem("s3"); keys = fs.find(sys.argv[1]); print(json.dumps({k: base64.b64encode(fs.cat_file(k)).decode() for k in keys}))';
  const read = await execa(python, ['-c', script, prefix], { env: s3.env, reject: false });
  if (read.exitCode !== 0) throw new Error(`reading s3://${prefix}: ${read.stderr}`);
  return new Map(Object.entries(JSON.parse(read.stdout) as Record<string, string>).map(([key, text]) => [key, Buffer.from(text, 'base64')]));
}
