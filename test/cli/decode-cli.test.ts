import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const PING = readFileSync(
  join(ROOT, 'fixtures/captures/gnutella-bun-client/02_leaf_up_plain/d0001_c03_PING_B-to-A.bin'),
);

describe('servent decode (spawned, through yargs)', () => {
  it('reads hex from stdin, prints JSON lines, exits 2 with one stderr line on a cut descriptor', () => {
    const input = `${PING.toString('hex')}\n${PING.toString('hex').slice(0, 20)}\n`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'decode', '--hex'], {
      cwd: ROOT,
      input,
      encoding: 'utf8',
      env: { ...process.env, SERVENT_DATA: mkdtempSync(join(tmpdir(), 'servent-decode-')) },
      timeout: 60_000,
    });
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { type: string }).type),
    ).toEqual(['ping']);
    expect(r.stderr).toBe(
      `servent decode: stdin: offset 23: DECODE_TRUNCATED: the input ends inside a descriptor (10 bytes)\n`,
    );
    expect(r.status).toBe(2);
  });
});
