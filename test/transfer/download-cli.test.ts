import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getCommand } from '../../src/cli/commands/get.js';
import { createTestnet } from '../../src/testnet.js';
import { content, FakeSource, listDir, tempDir, urnOf } from './download-fixture.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'servent');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'get', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The command's handler in-process (usage errors surface as ConfigError; main.ts maps them to exit 2). */
function handler(args: Record<string, unknown>): Promise<void> {
  const h = getCommand.handler as (a: Record<string, unknown>) => Promise<void>;
  return h({ out: '.', sources: 4, timeout: 5, ttl: 4, logLevel: 'silent', _: [], $0: 'servent', ...args });
}

describe('servent get', () => {
  it('downloads a hit URL (spawned: prints the path, exits 0) and a magnet (in-process)', async () => {
    const data = content(200_000, 41);
    const src = await new FakeSource(data).start();
    const t = tempDir();
    cleanups.push(t.cleanup, () => src.close());
    const r1 = await run([`http://127.0.0.1:${src.port}/get/3/Some%20File.bin`, '--out', t.dir]);
    expect(r1.stderr).toContain('not verified');
    expect(r1.code).toBe(0);
    expect(r1.stdout.trim()).toBe(join(t.dir, 'Some File.bin'));
    const magnet = `magnet:?xt=${urnOf(data)}&dn=Some%20File.bin&xl=${data.length}&xs=http://127.0.0.1:${src.port}/uri-res/N2R?${urnOf(data)}`;
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await handler({ source: magnet, out: t.dir, sources: 2 });
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
    expect(process.exitCode ?? 0).toBe(0);
    expect(out.join('').trim()).toBe(join(t.dir, 'Some File (1).bin'));
    expect(readFileSync(join(t.dir, 'Some File (1).bin')).equals(data)).toBe(true);
  });

  it('rejects bad usage with E_USAGE / parse codes (exit 2 when spawned)', async () => {
    await expect(handler({})).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(handler({ source: 'magnet:?dn=nothing' })).rejects.toMatchObject({ code: 'E_BAD_MAGNET' });
    await expect(handler({ source: 'http://127.0.0.1:1/x', sources: 0 })).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    await expect(handler({ search: 'words' })).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(
      handler({ source: 'http://h/x', search: 'words', peer: ['127.0.0.1:1'] }),
    ).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    expect((await run([])).code).toBe(2);
  });

  it('exits 1 on a failed download, keeping the part', async () => {
    const t = tempDir();
    const src = await new FakeSource(content(10, 1), { notFound: true }).start();
    cleanups.push(t.cleanup, () => src.close());
    const r = await run([`http://127.0.0.1:${src.port}/get/1/x`, '--out', t.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_NO_SOURCES');
    expect(r.stderr).toContain('E_HTTP_NOT_FOUND');
    expect(listDir(t.dir)).toEqual(['x.part', 'x.part.json']);
  });

  it('--search finds the file on two servents and downloads it from both', async () => {
    const data = content(3 * 1024 * 1024, 42);
    const net = await createTestnet(2, { files: () => ({ 'music/Blue Moon Sonata.ogg': data }) });
    const t = tempDir();
    cleanups.push(t.cleanup, () => net.close());
    await net.waitConnected();
    const { ip, port } = (net.servents[0] as (typeof net.servents)[number]).address();
    const r = await run([
      '--search',
      'moon sonata',
      '--peer',
      `${ip}:${port}`,
      '--out',
      t.dir,
      '--timeout',
      '2',
    ]);
    expect(r.stderr).toContain('from 2 sources');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(join(t.dir, 'Blue Moon Sonata.ogg'));
    expect(readFileSync(r.stdout.trim()).equals(data)).toBe(true);
  });
});
