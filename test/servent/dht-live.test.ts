/**
 * Live DHT overlays: 50 real servents on loopback (TCP for transfers, UDP for the DHT on
 * the same port numbers) form an overlay; every published file is found; 20 servents
 * die; once the overlay has repaired itself, the files of live holders are still found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchHit } from '../../src/routing/types.js';
import type { RoutingKind, Servent, ServentConfig } from '../../src/servent.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';

const N = 50;
const KILL = 20;

// short periods so that a loopback overlay converges in seconds
const tuning: Record<
  'chord' | 'kelips',
  { config: Partial<ServentConfig>; settleMs: number; repairMs: number }
> = {
  chord: {
    config: {
      chord: {
        stabilizeMs: 250,
        fixFingersMs: 250,
        fingersPerRound: 8,
        checkPredecessorMs: 500,
        rpcTimeoutMs: 300,
        joinRetryMs: 300,
        republishMs: 2_000,
        searchTimeoutMs: 3_000,
      },
    },
    settleMs: 6_000,
    repairMs: 8_000,
  },
  kelips: {
    config: {
      kelips: {
        expectedNodes: N,
        roundMs: 500,
        rpcTimeoutMs: 300,
        joinRetryMs: 300,
        memberTimeoutMs: 4_000,
        contactTimeoutMs: 6_000,
        republishMs: 2_000,
        searchTimeoutMs: 3_000,
      },
    },
    settleMs: 16_000,
    repairMs: 16_000,
  },
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function find(s: Servent, text: string): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  for await (const h of s.router.search({ text }, AbortSignal.timeout(3_000))) hits.push(h);
  return hits;
}

/** Searches every holder's file from another live node; returns the holders not found. */
async function missingFiles(tn: Testnet, holders: number[]): Promise<number[]> {
  const missing: number[] = [];
  // a few searches at a time, as users make them
  for (let at = 0; at < holders.length; at += 4) {
    await Promise.all(
      holders.slice(at, at + 4).map(async (i, j) => {
        const from = tn.servents[holders[(at + j + 5) % holders.length]!]!;
        const hits = await find(from, `n${i}x livetest`);
        if (!hits.some((h) => h.holder.serventId === tn.servents[i]!.serventIdHex)) missing.push(i);
      }),
    );
  }
  return missing.sort((a, b) => a - b);
}

describe.each(['chord'] as const)(`a live %s overlay of ${N} servents on loopback`, (routing) => {
  let tn: Testnet;
  const t = tuning[routing];
  beforeAll(async () => {
    tn = await createTestnet(N, {
      transport: 'tcp',
      topology: [],
      files: (i) => ({ [`track-n${i}x livetest.ogg`]: `content of ${i}` }),
      config: (i, started) => ({
        routing: routing as RoutingKind,
        ...t.config,
        peers: i === 0 ? [] : [{ host: '127.0.0.1', port: started[0]!.address().port }],
      }),
    });
  }, 120_000);
  afterAll(async () => {
    await tn?.close();
  });

  it('finds every published file from another servent', async () => {
    await sleep(t.settleMs);
    expect(await missingFiles(tn, [...Array(N).keys()])).toEqual([]);
  }, 240_000);

  it(`after ${KILL} servents die and the overlay repairs, files of live holders are still found`, async () => {
    const dead = new Set<number>();
    for (let k = 0; k < KILL; k++) dead.add(1 + ((k * 7) % (N - 1)));
    await Promise.all([...dead].map((i) => tn.stop(i)));
    await sleep(t.repairMs);
    const live = [...Array(N).keys()].filter((i) => !dead.has(i));
    expect(await missingFiles(tn, live)).toEqual([]);
  }, 240_000);
});
