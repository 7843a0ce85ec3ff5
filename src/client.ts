/**
 * A client session for `servent search` and `servent get`: a servent that shares nothing,
 * runs as a leaf (it relays nothing), listens on an ephemeral loopback port only so that
 * firewalled holders can reach it with GIV, and lives in a temporary data directory (so
 * its servent ID never collides with the user's own running servent).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSystemClock } from './core/clock.js';
import type { Logger } from './core/log.js';
import { createRng } from './core/rng.js';
import { DEFAULT_CONFIG, seedFromCrypto, startServent } from './servent.js';
import type { Servent } from './servent.js';

export interface ClientSessionOptions {
  readonly peers: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly ttl?: number;
  readonly log: Logger;
  /** where GIV callbacks may reach us (default 127.0.0.1, ephemeral port) */
  readonly listenHost?: string;
}

export interface ClientSession {
  readonly servent: Servent;
  /** number of peers we could connect to */
  readonly connected: number;
  close(): Promise<void>;
}

export async function openClientSession(opts: ClientSessionOptions): Promise<ClientSession> {
  const dataDir = await mkdtemp(join(tmpdir(), 'servent-client-'));
  const servent = await startServent(
    {
      ...DEFAULT_CONFIG,
      dataDir,
      listen: { host: opts.listenHost ?? '127.0.0.1', port: 0 },
      share: false,
      leaf: true,
      minPeers: 0,
      watch: false,
      ttl: opts.ttl ?? DEFAULT_CONFIG.ttl,
    },
    { clock: createSystemClock(), rng: createRng(seedFromCrypto()), log: opts.log },
  );
  let connected = 0;
  for (const p of opts.peers) if (await servent.connect(p.host, p.port)) connected++;
  return {
    servent,
    connected,
    async close() {
      await servent.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
