import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RenderedFile } from './render/index.js';

/**
 * A file's fingerprint is its git mode and git blob id ("100644 3b18e5…"): computed here without
 * git, yet the very id under which git stores the content, so a recorded base can be read back
 * from the repository's object store.
 */
export function blobId(content: Buffer): string {
  return crypto.createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

export const modeOf = (executable: boolean): string => (executable ? '100755' : '100644');

export function fingerprint(content: Buffer, executable: boolean): string {
  return `${modeOf(executable)} ${blobId(content)}`;
}

export function parseFingerprint(value: string): { executable: boolean; blob: string } {
  const [mode, blob = ''] = value.split(' ');
  return { executable: mode === '100755', blob };
}

/** Fingerprints of the rendered files in `dir`. */
export function fingerprintRender(dir: string, files: RenderedFile[]): Record<string, string> {
  return Object.fromEntries(
    files.map((file) => [file.path, fingerprint(fs.readFileSync(path.join(dir, file.path)), file.executable)]),
  );
}
