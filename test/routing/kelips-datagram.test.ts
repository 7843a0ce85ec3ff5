import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createRng } from '../../src/core/rng.js';
import { createDatagramTransport } from '../../src/net/datagram-transport.js';
import type { DatagramTransport } from '../../src/net/datagram-transport.js';
import { decodeKelipsMessage, encodeKelipsMessage } from '../../src/protocol/kelips/index.js';
import type { KelipsMessage } from '../../src/protocol/kelips/index.js';
import { createKelipsRouter } from '../../src/routing/kelips/index.js';
import type { KelipsRouter } from '../../src/routing/kelips/index.js';
import type { SearchHit } from '../../src/routing/types.js';
import { file } from './kelips-helpers.js';

// Kelips over real UDP sockets on 127.0.0.1 (the DHT datagram transport and the codec, as
// the servent wires them), with short periods.
const open: { close(): Promise<void> }[] = [];
const routers: KelipsRouter[] = [];

afterEach(async () => {
  for (const r of routers.splice(0)) await r.stop();
  while (open.length > 0) await open.pop()?.close();
});

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function node(i: number, bootstrap: string | undefined): Promise<KelipsRouter> {
  const transport: DatagramTransport<KelipsMessage> = await createDatagramTransport<KelipsMessage>({
    host: '127.0.0.1',
    port: 0,
    log: silentLogger,
    encode: (m) => encodeKelipsMessage(m),
    decode: (b) => decodeKelipsMessage(b),
  });
  open.push(transport);
  const r = createKelipsRouter(
    { clock: createSystemClock(), rng: createRng(100 + i), log: silentLogger, transport },
    {
      holder: {
        ip: '127.0.0.1',
        port: transport.address.port,
        serventId: (i + 1).toString(16).padStart(32, '0'),
      },
      bootstrap,
      // the first node founds the overlay with k = 2; the others learn k when they join
      ...(bootstrap === undefined ? { groups: 2 } : {}),
      roundMs: 100,
      rpcTimeoutMs: 300,
      joinRetryMs: 200,
    },
  );
  routers.push(r);
  await r.start();
  return r;
}

describe('Kelips over UDP (127.0.0.1)', () => {
  it('eight routers join through one, learn k, and find a file in one request', async () => {
    const first = await node(0, undefined);
    const rest: KelipsRouter[] = [];
    for (let i = 1; i < 8; i++) rest.push(await node(i, first.address));
    const all = [first, ...rest];
    // groups depend on the ephemeral ports, so their sizes vary from run to run
    const size = (g: number): number => all.filter((r) => r.group === g).length;
    await until(() =>
      all.every(
        (r) =>
          r.groups === 2 &&
          r.viewSize() === size(r.group) - 1 &&
          r.contactCount() === Math.min(2, size(1 - r.group)),
      ),
    );
    const holder = rest[2] as KelipsRouter;
    const f = file(5, 'Goldberg Variations Aria.flac');
    holder.publish([f]);
    const searcher = (all.find((r) => r !== holder && r.group !== r.groupOf('goldberg')) ??
      all.find((r) => r !== holder)) as KelipsRouter;
    const hits: SearchHit[] = [];
    await until(() => {
      if (hits.length > 0) return true;
      searcher.startSearch({ text: 'goldberg aria' }, { hit: (h) => hits.push(h), end: () => {} });
      return false;
    });
    await until(() => hits.length > 0);
    expect(hits[0]?.file).toEqual({ index: 5, name: f.name, size: f.size, urn: f.urn });
    expect(hits[0]?.holder.port).toBe(Number(holder.address.split(':')[1]));
    expect(hits[0]?.hops).toBeGreaterThanOrEqual(1);
  });
});
