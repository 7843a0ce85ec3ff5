import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import type { SearchHit } from '../../src/routing/types.js';
import { sourceFromHit, startDownload } from '../../src/transfer/download/index.js';
import type { PushSource } from '../../src/transfer/download/index.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';

let tn: Testnet | undefined;
let out: string | undefined;
afterEach(async () => {
  await tn?.close();
  tn = undefined;
  if (out !== undefined) await rm(out, { recursive: true, force: true });
});

const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) & 0xff));

describe.each(['tcp', 'memory'] as const)('Push → GIV between real servents (%s)', (transport) => {
  it('a firewalled holder (no inbound connections) is reached through the overlay and the file verifies', async () => {
    // 0 = downloader, 1 = relay, 2 = firewalled holder (it dials out; nobody can dial it)
    tn = await createTestnet(3, {
      transport,
      topology: [
        [0, 1],
        [2, 1],
      ],
      files: (i) => (i === 2 ? { 'behind the wall.flac': content } : {}),
      config: (i) => (i === 2 ? { firewalled: true } : {}),
    });
    await tn.waitConnected();
    const [downloader, , holder] = tn.servents;
    const hits: SearchHit[] = [];
    for await (const h of downloader!.router.search({ text: 'behind wall' }, AbortSignal.timeout(800)))
      hits.push(h);
    expect(hits).toHaveLength(1);
    const hit = hits[0]!;
    expect(hit.holder.needsPush).toBe(true);
    expect(hit.holder.serventId).toBe(holder!.serventIdHex);

    out = await mkdtemp(join(tmpdir(), 'push-dl-'));
    let pushes = 0;
    const dl = startDownload({
      sources: [sourceFromHit(hit)],
      ...(hit.file.urn !== undefined ? { urn: hit.file.urn } : {}),
      name: hit.file.name,
      size: hit.file.size,
      outDir: out,
      clock: createSystemClock(),
      log: silentLogger,
      pushBroker: downloader!.pushBroker,
      requestPush: (s: PushSource) => {
        pushes++;
        return s.hit !== undefined && downloader!.requestPush(s.hit);
      },
      ...(transport === 'memory'
        ? { connect: () => Promise.reject(new Error('no direct route in memory mode')) }
        : {}),
    });
    const done = await dl.done;
    expect(pushes).toBeGreaterThan(0);
    expect(done.verified).toBe(true);
    const bytes = await readFile(done.path);
    expect(createHash('sha1').update(bytes).digest('hex')).toBe(
      createHash('sha1').update(content).digest('hex'),
    );
    expect(await readdir(out)).toEqual(['behind the wall.flac']);
  });
});
