/**
 * Seed corpora from fixtures/: captured Gnutella descriptors (both capture sets, in
 * capture order so that QRP RESET/PATCH sequences stay together) and captured handshake
 * blocks. Also the saved crash fixtures of fixtures/fuzz/.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures');
export const FUZZ_FIXTURES = join(FIXTURES, 'fuzz');

function walk(dir: string, keep: (name: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(name)) out.push(p);
  }
  return out;
}

/** Every captured descriptor (23-byte header + payload), in file order. */
export function capturedDescriptors(): Buffer[] {
  return walk(join(FIXTURES, 'captures'), (n) => n.endsWith('.bin') && !n.includes('http-body')).map((p) =>
    readFileSync(p),
  );
}

/** Every captured handshake block (hello, reply, final), as sent. */
export function capturedHandshakes(): Buffer[] {
  return walk(join(FIXTURES, 'handshakes'), (n) => n.endsWith('.txt')).map((p) => readFileSync(p));
}

export interface SavedFinding {
  readonly file: string;
  readonly target: string;
  readonly input: Buffer;
}

/** fixtures/fuzz/<target>-<hash>.bin */
export function savedFindings(): SavedFinding[] {
  if (!existsSync(FUZZ_FIXTURES)) return [];
  return readdirSync(FUZZ_FIXTURES)
    .filter((n) => n.endsWith('.bin'))
    .sort()
    .map((file) => ({
      file,
      target: file.slice(0, file.lastIndexOf('-')),
      input: readFileSync(join(FUZZ_FIXTURES, file)),
    }));
}
