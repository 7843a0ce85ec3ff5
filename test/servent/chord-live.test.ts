import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchHit } from '../../src/routing/types.js';
import type { Servent } from '../../src/servent.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';

const N = 50;
const KILL = 20;
// short periods so that a loopback ring stabilises in seconds
const chord = {
  stabilizeMs: 250,
  fixFingersMs: 250,
  fingersPerRound: 8,
  checkPredecessorMs: 500,
  rpcTimeoutMs: 300,
  joinRetryMs: 300,
  republishMs: 2_000,
  searchTimeoutMs: 3_000,
};

async function find(s: Servent, text: string): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  for await (const h of s.router.search({ text }, AbortSignal.timeout(3_000))) hits.push(h);
  return hits;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let tn: Testnet;
beforeAll(async () => {
  tn = await createTestnet(N, {
    transport: 'tcp',
    topology: [],
    files: (i) => ({ [`track-${i} chordtest.ogg`]: `content of ${i}` }),
    config: (i, started) => ({
      routing: 'chord',
      chord,
      peers: i === 0 ? [] : [{ host: '127.0.0.1', port: started[0]!.address().port }],
    }),
  });
}, 120_000);
afterAll(async () => {
  await tn?.close();
});

describe(`a live Chord ring of ${N} servents on loopback`, () => {
  it('finds every published file from another servent', async () => {
    await sleep(6_000);
    const missing: number[] = [];
    for (let i = 0; i < N; i++) {
      const from = tn.servents[(i + 7) % N]!;
      const hits = await find(from, `track-${i} chordtest`);
      if (!hits.some((h) => h.holder.serventId === tn.servents[i]!.serventIdHex)) missing.push(i);
    }
    expect(missing).toEqual([]);
  }, 240_000);

  it(`after ${KILL} servents die and the ring stabilises, files of live holders are still found`, async () => {
    const dead = new Set<number>();
    for (let k = 0; k < KILL; k++) dead.add(1 + ((k * 7) % (N - 1)));
    await Promise.all([...dead].map((i) => tn.stop(i)));
    await sleep(8_000);
    const live = [...Array(N).keys()].filter((i) => !dead.has(i));
    const missing: number[] = [];
    for (const i of live) {
      const from = tn.servents[live[(live.indexOf(i) + 5) % live.length]!]!;
      const hits = await find(from, `track-${i} chordtest`);
      if (!hits.some((h) => h.holder.serventId === tn.servents[i]!.serventIdHex)) missing.push(i);
    }
    expect(missing).toEqual([]);
  }, 240_000);
});
