/**
 * Options shared by the commands, and the config file rule: `servent.config.json` in the
 * data directory may set any option; flags on the command line win.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Options } from 'yargs';
import { parseHostPort } from '../core/bytes.js';
import { ConfigError } from '../core/errors.js';
import { LOG_LEVELS } from './logger.js';

export const CONFIG_FILE = 'servent.config.json';

export function defaultDataDir(): string {
  return process.env['SERVENT_DATA'] ?? join(homedir(), '.servent');
}

/** Finds `--data DIR` in raw argv before yargs runs, so the config file can supply defaults. */
export function dataDirFromArgv(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--data' && i + 1 < argv.length) return resolve(argv[i + 1] as string);
    if (a.startsWith('--data=')) return resolve(a.slice('--data='.length));
  }
  return defaultDataDir();
}

/** Reads the config file; a missing file is an empty config, a malformed one an error. */
export function loadConfigFile(dataDir: string): Record<string, unknown> {
  const file = join(dataDir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('E_CONFIG_JSON', `${file}: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('E_CONFIG_SHAPE', `${file}: expected a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

export function parseHostPortOption(value: string, what: string): { host: string; port: number } {
  const hp = parseHostPort(value);
  if (hp === undefined) throw new ConfigError('E_BAD_ADDRESS', `${what}: expected HOST:PORT, got "${value}"`);
  return hp;
}

export const commonOptions = {
  data: {
    type: 'string',
    describe: 'data directory (host cache, hash cache, servent ID, default share)',
    default: defaultDataDir(),
    defaultDescription: '~/.servent',
  },
  'log-level': { type: 'string', choices: LOG_LEVELS, default: 'info', describe: 'log level' },
} as const satisfies Record<string, Options>;

export const overlayOptions = {
  routing: {
    type: 'string',
    choices: ['flood', 'chord', 'kelips'],
    default: 'flood',
    describe: 'search back-end',
  },
  peer: {
    type: 'string',
    array: true,
    default: [] as string[],
    describe: 'a servent to connect to (HOST:PORT, repeatable)',
  },
  ttl: { type: 'number', default: 4, describe: 'TTL of the queries we send' },
  leaf: { type: 'boolean', default: false, describe: 'run as a leaf (X-Ultrapeer: False): no relaying' },
  legacy: { type: 'boolean', default: false, describe: 'dial with the Gnutella 0.4 handshake' },
} as const satisfies Record<string, Options>;
