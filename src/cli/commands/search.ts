/**
 * `servent search WORDS... --peer HOST:PORT`: connect, send one Query, print hits as they
 * arrive (a table, or one JSON object per hit with --json), end after the timeout.
 */
import { formatBytes } from '../../core/format.js';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../core/errors.js';
import { parseApiAddress, searchThroughApi } from '../../api/index.js';
import { openClientSession } from '../../client.js';
import type { SearchHit } from '../../routing/types.js';
import { createLogger } from '../logger.js';
import type { LogLevel } from '../logger.js';
import { parseHostPortOption } from '../options.js';

type SearchArgs = ArgumentsCamelCase<{
  words: string[];
  peer: string[];
  timeout: number;
  ttl: number;
  json: boolean;
  urn: string | undefined;
  logLevel: string;
  api: string | undefined;
  apiToken: string | undefined;
}>;

const COLUMNS: ReadonlyArray<readonly [string, number]> = [
  ['NAME', 40],
  ['SIZE', 10],
  ['HOST', 21],
  ['SPEED', 7],
  ['URN', 41],
  ['HOPS', 4],
];

function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

export function tableHeader(): string {
  return COLUMNS.map(([h, w]) => cell(h, w)).join(' ');
}

export function tableRow(h: SearchHit): string {
  const values = [
    h.file.name,
    formatBytes(h.file.size),
    `${h.holder.ip}:${h.holder.port}${h.holder.needsPush ? '*' : ''}`,
    h.speed === undefined ? '' : String(h.speed),
    h.file.urn ?? '',
    String(h.hops),
  ];
  return values.map((v, i) => cell(v, (COLUMNS[i] as readonly [string, number])[1])).join(' ');
}

/** The JSON form of a hit (also what `--json` prints, one per line). */
export function hitJson(h: SearchHit): Record<string, unknown> {
  return {
    name: h.file.name,
    size: h.file.size,
    index: h.file.index,
    urn: h.file.urn ?? null,
    host: h.holder.ip,
    port: h.holder.port,
    serventId: h.holder.serventId,
    push: h.holder.needsPush,
    speed: h.speed ?? null,
    vendor: h.vendor ?? null,
    hops: h.hops,
    url: `http://${h.holder.ip}:${h.holder.port}/get/${h.file.index}/${encodeURIComponent(h.file.name)}`,
  };
}

export const searchCommand: CommandModule<object, SearchArgs> = {
  command: 'search <words..>',
  describe: 'search the overlay through a peer and print the hits as they arrive',
  builder: (y: Argv) =>
    y.positional('words', { type: 'string', array: true, describe: 'keywords (all must match)' }).options({
      peer: {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'servent to search through (HOST:PORT)',
      },
      api: { type: 'string', describe: "search through a running servent's control API (HOST:PORT) instead" },
      'api-token': { type: 'string', describe: 'token of that API (or SERVENT_API_TOKEN)' },
      timeout: { type: 'number', default: 5, describe: 'seconds to wait for hits' },
      ttl: { type: 'number', default: 4, describe: 'query TTL' },
      json: { type: 'boolean', default: false, describe: 'one JSON object per hit' },
      urn: { type: 'string', describe: 'search by urn:sha1:… instead of (or with) words' },
      'log-level': { type: 'string', default: 'warn', describe: 'log level (logs go to stderr)' },
    }) as unknown as Argv<SearchArgs>,
  handler: async (args) => {
    const peers = args.peer.map((p) => parseHostPortOption(p, '--peer'));
    const text = args.words.join(' ');
    if (args.urn !== undefined && !/^urn:sha1:[A-Za-z2-7]{32}$/.test(args.urn)) {
      throw new ConfigError('E_BAD_URN', `--urn: expected urn:sha1:<32 base32 chars>, got "${args.urn}"`);
    }
    if (args.api !== undefined) {
      const token = args.apiToken ?? process.env['SERVENT_API_TOKEN'];
      if (!args.json) process.stdout.write(`${tableHeader()}\n`);
      const n = await searchThroughApi(
        {
          api: parseApiAddress(args.api),
          text,
          ttl: args.ttl,
          timeoutS: args.timeout,
          ...(args.urn !== undefined ? { urn: args.urn } : {}),
          ...(token !== undefined && token !== '' ? { token } : {}),
        },
        (h) => process.stdout.write(`${args.json ? JSON.stringify(hitJson(h)) : tableRow(h)}\n`),
      );
      if (!args.json) process.stderr.write(`${n} hit${n === 1 ? '' : 's'}\n`);
      return;
    }
    if (peers.length === 0) throw new ConfigError('E_USAGE', 'give --peer HOST:PORT (or --api HOST:PORT)');
    const log = createLogger(args.logLevel as LogLevel, 2);
    const session = await openClientSession({ peers, ttl: args.ttl, log });
    try {
      if (session.connected === 0) {
        process.stderr.write(`servent search: could not connect to ${args.peer.join(', ')}\n`);
        process.exitCode = 1;
        return;
      }
      if (!args.json) process.stdout.write(`${tableHeader()}\n`);
      let hits = 0;
      const signal = AbortSignal.timeout(args.timeout * 1000);
      const urn =
        args.urn === undefined ? undefined : `urn:sha1:${args.urn.slice('urn:sha1:'.length).toUpperCase()}`;
      const query = { text, ttl: args.ttl, ...(urn !== undefined ? { urn } : {}) };
      for await (const h of session.servent.router.search(query, signal)) {
        hits++;
        process.stdout.write(`${args.json ? JSON.stringify(hitJson(h)) : tableRow(h)}\n`);
      }
      if (!args.json) process.stderr.write(`${hits} hit${hits === 1 ? '' : 's'}\n`);
    } finally {
      await session.close();
    }
  },
};
