/**
 * A control API app over a small in-memory testnet: node 0 carries the API, the others
 * share files. `inject()` drives the app; nothing listens.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApiApp } from '../../src/api/index.js';
import type { ApiAppOptions } from '../../src/api/index.js';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet, TestnetOptions } from '../../src/testnet.js';

export interface ApiNet {
  readonly net: Testnet;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export async function apiNet(
  n: number,
  files: TestnetOptions['files'],
  opts: Partial<Omit<ApiAppOptions, 'servent'>> & { topology?: TestnetOptions['topology'] } = {},
): Promise<ApiNet> {
  const net = await createTestnet(n, {
    transport: 'memory',
    topology: opts.topology ?? 'line',
    ...(files !== undefined ? { files } : {}),
  });
  try {
    await net.waitConnected();
    const app = await buildApiApp({
      clock: createSystemClock(),
      log: silentLogger,
      ...opts,
      servent: net.servents[0]!,
    });
    return {
      net,
      app,
      async close() {
        await app.close();
        await net.close();
      },
    };
  } catch (e) {
    await net.close();
    throw e;
  }
}

/** The JSON body of an answer. */
export function body<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

/** Parses a finished text/event-stream body into its events. */
export function sseEvents(text: string): Array<{ event: string; id?: string; data: unknown }> {
  const out: Array<{ event: string; id?: string; data: unknown }> = [];
  for (const block of text.split('\n\n')) {
    let event = 'message';
    let id: string | undefined;
    let data: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data = line.slice(6);
    }
    if (data !== undefined) out.push({ event, ...(id !== undefined ? { id } : {}), data: JSON.parse(data) });
  }
  return out;
}

export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
