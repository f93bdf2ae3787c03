import fs from 'node:fs';

/**
 * Temporary folders to remove if the user interrupts (SIGINT, SIGTERM, SIGHUP). A kill that
 * cannot be caught (SIGKILL) may leave one behind: a hidden staging folder, never a half project.
 */
const temporaries = new Set<string>();

export function removeOnInterrupt(dir: string): () => void {
  temporaries.add(dir);
  return () => temporaries.delete(dir);
}

export function removeTemporaries(): void {
  for (const dir of temporaries) fs.rmSync(dir, { recursive: true, force: true });
  temporaries.clear();
}
