/**
 * The command line as a face of a running servent: `servent search --api` and
 * `servent get --api` against a control API on loopback TCP.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, getThroughApi, searchThroughApi, startApiServer } from '../../src/api/index.js';
import type { ApiServer } from '../../src/api/index.js';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import type { SearchHit } from '../../src/routing/types.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';

const run = promisify(execFile);
const SONG = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7 + (i >> 9)) & 0xff));
const TOKEN = 'a-token-of-sufficient-length';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('search and get through the control API (loopback TCP, A – B)', () => {
  let net: Testnet;
  let api: ApiServer;
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'servent-cli-api-'));
    net = await createTestnet(2, {
      transport: 'tcp',
      files: (i) => (i === 1 ? { 'penny lane.mp3': SONG } : {}),
    });
    await net.waitConnected();
    api = await startApiServer({
      servent: net.servents[0]!,
      clock: createSystemClock(),
      log: silentLogger,
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      downloadDir: out,
    });
  });
  afterAll(async () => {
    await api.close();
    await net.close();
    await rm(out, { recursive: true, force: true });
  });

  it('ApiClient.search streams hits from the event stream and reports how the search ended', async () => {
    const client = new ApiClient({ host: '127.0.0.1', port: api.port, token: TOKEN });
    const gen = client.search({ text: 'penny', timeoutS: 0.5 });
    const hits: SearchHit[] = [];
    let r = await gen.next();
    while (r.done !== true) {
      hits.push(r.value);
      r = await gen.next();
    }
    expect(hits.map((h) => h.file.name)).toEqual(['penny lane.mp3']);
    expect(r.value).toBe('timeout');
    // leaving the loop early stops the search on the servent
    for await (const h of client.search({ text: 'penny', timeoutS: 30 })) {
      expect(h.file.name).toBe('penny lane.mp3');
      break;
    }
    const list = await client.request<Array<{ state: string; endReason?: string }>>('GET', '/api/searches');
    expect(list.at(-1)).toMatchObject({ state: 'ended', endReason: 'stopped' });
    const wrong = new ApiClient({ host: '127.0.0.1', port: api.port, token: 'not-the-token-at-all' });
    await expect(wrong.status()).rejects.toMatchObject({ code: 'E_API_UNAUTHORIZED', status: 401 });
  });

  it('searchThroughApi hands each hit to the printer', async () => {
    const seen: string[] = [];
    const n = await searchThroughApi(
      { api: { host: '127.0.0.1', port: api.port }, token: TOKEN, text: 'penny lane', timeoutS: 0.5 },
      (h) => seen.push(`${h.holder.port} ${h.file.name}`),
    );
    expect(n).toBe(1);
    expect(seen).toEqual([`${net.servents[1]!.address().port} penny lane.mp3`]);
  });

  it('getThroughApi --search: the servent downloads the best file, the command prints its path', async () => {
    const o = sink();
    const e = sink();
    const code = await getThroughApi({
      api: { host: '127.0.0.1', port: api.port },
      token: TOKEN,
      search: 'penny',
      timeoutS: 0.5,
      everyMs: 50,
      out: o.stream,
      err: e.stream,
    });
    expect(code).toBe(0);
    const path = o.text().trim();
    expect(path).toBe(join(out, 'penny lane.mp3'));
    expect((await readFile(path)).equals(SONG)).toBe(true);
    expect(e.text()).toContain('penny lane.mp3 (195.3 KiB) from 1 source');
    expect(e.text()).toContain('SHA-1 verified');
  });

  it('getThroughApi SOURCE: a bad magnet is reported with its code; no hits is exit 1', async () => {
    await expect(
      getThroughApi({
        api: { host: '127.0.0.1', port: api.port },
        token: TOKEN,
        source: 'magnet:?dn=nothing',
        timeoutS: 0.5,
      }),
    ).rejects.toMatchObject({ code: 'E_API_BAD_TARGET' });
    const e = sink();
    const code = await getThroughApi({
      api: { host: '127.0.0.1', port: api.port },
      token: TOKEN,
      search: 'no such words',
      timeoutS: 0.3,
      err: e.stream,
    });
    expect(code).toBe(1);
    expect(e.text()).toContain('no hits for "no such words"');
  });

  it('`servent search --api` (spawned) prints JSON hits from the running servent', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'search',
        'penny',
        '--api',
        `127.0.0.1:${api.port}`,
        '--timeout',
        '0.5',
        '--json',
      ],
      { env: { ...process.env, SERVENT_API_TOKEN: TOKEN }, timeout: 20_000 },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; port: number });
    expect(lines).toEqual([
      expect.objectContaining({ name: 'penny lane.mp3', port: net.servents[1]!.address().port }),
    ]);
  });
});
