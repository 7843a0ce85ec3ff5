import { afterEach, describe, expect, it } from 'vitest';
import type { SearchHit } from '../../src/routing/types.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';

async function searchFrom(
  net: Testnet,
  i: number,
  text: string,
  ttl: number,
  ms = 1500,
): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  for await (const h of net.servents[i]!.router.search({ text, ttl }, AbortSignal.timeout(ms))) hits.push(h);
  return hits;
}

let net: Testnet | undefined;
afterEach(async () => {
  await net?.close();
  net = undefined;
});

describe.each(['memory', 'tcp'] as const)('flood overlay of real servents over %s', (transport) => {
  it('a query reaches exactly the nodes within its TTL; hits come back with the right hop counts', async () => {
    // line 0 - 1 - 2 - 3 - 4, each node i shares "song-i.mp3" and "common.txt"
    net = await createTestnet(5, {
      transport,
      topology: 'line',
      files: (i) => ({ [`song-${i}.mp3`]: `song ${i}`, 'common.txt': `common ${i}` }),
    });
    await net.waitConnected();
    const ttl2 = await searchFrom(net, 0, 'common', 2);
    const hopsByHolder = new Map(ttl2.map((h) => [`${h.holder.ip}:${h.holder.port}`, h.hops]));
    const addr = (i: number): string =>
      `${net!.servents[i]!.address().ip}:${net!.servents[i]!.address().port}`;
    // TTL 2 from node 0: nodes 1 and 2 see the query, 3 and 4 do not
    expect(hopsByHolder.size).toBe(2);
    expect(hopsByHolder.get(addr(1))).toBe(1);
    expect(hopsByHolder.get(addr(2))).toBe(2);
    const ttl4 = await searchFrom(net, 0, 'common', 4);
    expect(new Set(ttl4.map((h) => `${h.holder.ip}:${h.holder.port}`)).size).toBe(4);
    expect(ttl4.map((h) => h.hops).sort()).toEqual([1, 2, 3, 4]);
    // the hit carries what the holder shares: index, size, urn, its servent ID
    const far = ttl4.find((h) => h.hops === 4)!;
    const holder = net.servents[4]!;
    const file = holder.library.files().find((f) => f.name === 'common.txt')!;
    expect(far.file).toEqual({ index: file.index, name: 'common.txt', size: file.size, urn: file.urn });
    expect(far.holder.serventId).toBe(holder.serventIdHex);
    expect(far.holder.needsPush).toBe(false);
  });

  it('every word must match, and a node leaving does not break routing among the others', async () => {
    // ring of 6: removing one node leaves a line, still connected
    net = await createTestnet(6, {
      transport,
      topology: 'ring',
      files: (i) => (i === 3 ? { 'penny lane.mp3': 'x', 'penny.txt': 'y' } : {}),
    });
    await net.waitConnected();
    const both = await searchFrom(net, 0, 'penny lane', 4);
    expect(both.map((h) => h.file.name)).toEqual(['penny lane.mp3']);
    await net.stop(2);
    await new Promise((r) => setTimeout(r, 100));
    const after = await searchFrom(net, 0, 'penny', 4);
    expect(after.map((h) => h.file.name).sort()).toEqual(['penny lane.mp3', 'penny.txt']);
  });
});

describe('a 30-servent overlay', () => {
  it('finds a file held by one servent from every other servent (random topology)', async () => {
    net = await createTestnet(30, {
      transport: 'memory',
      topology: 'random',
      degree: 4,
      seed: 7,
      files: (i) => (i === 17 ? { 'rare/needle in a haystack.txt': 'needle' } : { [`hay-${i}.txt`]: 'hay' }),
    });
    await net.waitConnected(20_000);
    const results = await Promise.all(
      net.servents.map((_, i) =>
        i === 17 ? Promise.resolve([]) : searchFrom(net!, i, 'needle haystack', 7, 2500),
      ),
    );
    const found = results.filter(
      (hits, i) => i !== 17 && hits.some((h) => h.holder.serventId === net!.servents[17]!.serventIdHex),
    );
    expect(found).toHaveLength(29);
    // directory words count: "rare" matches the file in the rare/ folder
    const rare = await searchFrom(net, 0, 'rare needle', 7, 2500);
    expect(rare).toHaveLength(1);
  });
});
