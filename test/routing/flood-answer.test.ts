import { describe, expect, it } from 'vitest';
import { keywords } from '../../src/core/keywords.js';
import {
  decodeMessage,
  encodeMessage,
  payloadLength,
  queryFlagsToMinSpeed,
} from '../../src/protocol/index.js';
import type { Query, QueryHit } from '../../src/protocol/messages.js';
import type { SharedFileInfo } from '../../src/routing/types.js';
import { complianceFile } from '../compliance/router.js';
import { extra, guid, SELF_ADDR, SELF_ID, single } from './fake-transport.js';

const query = (search: string, over: Partial<Query> = {}): Query => ({
  type: 'query',
  guid: guid(),
  ttl: 3,
  hops: 1,
  minSpeed: 0,
  search,
  urns: [],
  ...over,
});

const LIBRARY: SharedFileInfo[] = [
  complianceFile(1, 'Café del Mar - Sunset.mp3', 1000),
  complianceFile(2, 'Sunset Boulevard.avi', 2000),
  complianceFile(3, 'Morning Sunrise.ogg', 3000),
  {
    index: 4,
    name: 'Unhashed Sunset Draft.txt',
    size: 40,
    urn: undefined,
    keywords: keywords('Unhashed Sunset Draft.txt'),
  },
];

/** The hits the router sent back to link 'a' for `q`. */
async function answer(q: Query, files: readonly SharedFileInfo[] = LIBRARY, init = {}): Promise<QueryHit[]> {
  const { router, t } = await single(init);
  router.publish(files);
  t.deliver('a', q);
  return t
    .take()
    .filter((s) => s.to === 'a')
    .map((s) => s.msg)
    .filter((m): m is QueryHit => m.type === 'queryhit');
}

const names = (hits: QueryHit[]): string[] => hits.flatMap((h) => h.results.map((r) => r.name));

describe('answering queries', () => {
  it('needs every query word, case- and accent-insensitively', async () => {
    expect(names(await answer(query('sunset')))).toEqual([
      'Café del Mar - Sunset.mp3',
      'Sunset Boulevard.avi',
      'Unhashed Sunset Draft.txt',
    ]);
    expect(names(await answer(query('SUNSET cafe')))).toEqual(['Café del Mar - Sunset.mp3']);
    expect(names(await answer(query('sunset morning')))).toEqual([]);
    expect(names(await answer(query('suns')))).toEqual([]);
  });

  it('matches nothing for queries made only of 1-char words, or empty ones', async () => {
    expect(await answer(query('a b c'))).toEqual([]);
    expect(await answer(query(''))).toEqual([]);
    // 1-char words are ignored next to real ones
    expect(names(await answer(query('a sunrise')))).toEqual(['Morning Sunrise.ogg']);
  });

  it('matches urn:sha1 queries by URN, in any case', async () => {
    const urn = LIBRARY[2]?.urn as string;
    expect(names(await answer(query('\\', { urns: [urn] })))).toEqual(['Morning Sunrise.ogg']);
    const lower = `urn:sha1:${urn.slice(9).toLowerCase()}`;
    expect(names(await answer(query('', { urns: [lower] })))).toEqual(['Morning Sunrise.ogg']);
    expect(await answer(query('\\', { urns: ['urn:sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] }))).toEqual([]);
  });

  it('answers the index query "    " (TTL 1, hops 0) with everything, capped', async () => {
    expect(names(await answer(query('    ', { ttl: 1, hops: 0 })))).toHaveLength(4);
    expect(await answer(query('    ', { ttl: 2, hops: 0 }))).toEqual([]);
    expect(await answer(query('    ', { ttl: 1, hops: 1 }))).toEqual([]);
    const many = Array.from({ length: 300 }, (_, i) => complianceFile(i, `file ${i}.bin`, i));
    const hits = await answer(query('    ', { ttl: 1, hops: 0 }), many);
    expect(names(hits)).toHaveLength(100);
  });

  it('fills our address, speed, vendor, servent ID, URN and TTL = hops + 2', async () => {
    const [hit] = await answer(query('cafe', { hops: 2, ttl: 3 }));
    expect(hit).toMatchObject({
      ttl: 4,
      hops: 0,
      ip: SELF_ADDR.ip,
      port: SELF_ADDR.port,
      speed: 1000,
      vendor: 'SRVT',
      flags: { push: false, busy: false },
      serventId: SELF_ID,
    });
    // through the codec: the urn rides as the HUGE text extension
    const back = decodeMessage(encodeMessage(hit as QueryHit)) as QueryHit;
    expect(back.results[0]).toMatchObject({
      index: 1,
      size: 1000,
      name: LIBRARY[0]?.name,
      urns: [LIBRARY[0]?.urn],
    });
    expect(back.flags).toEqual({ push: false, busy: false });
  });

  it('caps the hit TTL at maxTtl', async () => {
    const [hit] = await answer(query('cafe', { hops: 6, ttl: 1 }), LIBRARY, { maxTtl: 7 });
    expect(hit?.ttl).toBe(7);
  });

  it('sets the push flag when firewalled and the busy flag when busy', async () => {
    const [hit] = await answer(query('cafe'), LIBRARY, {
      firewalled: () => true,
      busy: () => true,
      vendor: 'ABCD',
    });
    expect(hit?.flags).toEqual({ push: true, busy: true });
    expect(hit?.vendor).toBe('ABCD');
  });

  it('does not answer a firewalled querier when firewalled itself', async () => {
    const fwQuery = query('cafe', { minSpeed: queryFlagsToMinSpeed({ firewalled: true }) });
    const { router, t } = await single({ firewalled: () => true });
    router.publish(LIBRARY);
    t.deliver('a', fwQuery);
    expect(t.take().filter((s) => s.msg.type === 'queryhit')).toEqual([]);
    expect(extra(router, 'skippedFirewalled')).toBe(1);
    // an open servent answers it
    expect(await answer(query('cafe', { minSpeed: fwQuery.minSpeed }))).toHaveLength(1);
  });

  it('splits many results over several hits: ≤ 16 results and ≤ 4 KiB each, ≤ 100 in all', async () => {
    const many = Array.from({ length: 150 }, (_, i) => complianceFile(i, `common take ${i}.wav`, i));
    const hits = await answer(query('common take'), many);
    expect(hits.map((h) => h.results.length)).toEqual([16, 16, 16, 16, 16, 16, 4]);
    const long = Array.from({ length: 40 }, (_, i) =>
      complianceFile(i, `${'very long name '.repeat(20)}${i}.wav`, i),
    );
    const big = await answer(query('very long name'), long);
    expect(big.length).toBeGreaterThan(3);
    for (const h of big) expect(payloadLength(h)).toBeLessThanOrEqual(4096);
    expect(names(big)).toHaveLength(40);
  });

  it('uses the newest publish() list, and answers nothing after publish([])', async () => {
    const { router, t } = await single();
    router.publish(LIBRARY);
    router.publish([complianceFile(9, 'Only This One.txt', 1)]);
    t.deliver('a', query('sunset'));
    t.deliver('a', query('only one'));
    const hits = t.take().filter((s) => s.msg.type === 'queryhit');
    expect(hits.map((s) => (s.msg as QueryHit).results[0]?.name)).toEqual(['Only This One.txt']);
    router.publish([]);
    t.deliver('a', query('only one'));
    expect(t.take().filter((s) => s.msg.type === 'queryhit')).toEqual([]);
    expect(extra(router, 'queriesAnswered')).toBe(1);
  });
});
