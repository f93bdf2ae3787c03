import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Every entry below `dir` with its type, mode and content hash: equal listings mean nothing changed. */
export function treeListing(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel)).sort()) {
      const child = rel ? `${rel}/${entry}` : entry;
      const full = path.join(dir, child);
      const stat = fs.lstatSync(full);
      if (stat.isDirectory()) {
        out.push(`${child}/`);
        walk(child);
      } else if (stat.isSymbolicLink()) {
        out.push(`${child} -> ${fs.readlinkSync(full)}`);
      } else {
        const hash = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex').slice(0, 16);
        out.push(`${child} ${(stat.mode & 0o777).toString(8)} ${hash}`);
      }
    }
  };
  walk('');
  return out;
}

/** A project's files as one text: each file's path, mode and content (large data files as a hash). */
export function projectSnapshot(dir: string): string {
  return treeListing(dir)
    .filter((line) => !line.endsWith('/'))
    .map((line) => {
      const [rel = ''] = line.split(' ');
      const content = fs.readFileSync(path.join(dir, rel));
      const shown = content.length > 8000 ? `(${content.length} bytes, sha256 ${crypto.createHash('sha256').update(content).digest('hex')})\n` : content.toString('utf8');
      return `===== ${line.split(' ').slice(0, 2).join(' ')}\n${shown}`;
    })
    .join('\n');
}
