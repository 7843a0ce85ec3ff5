/**
 * The side-by-side table of docs/RESULTS.md, from the result.json files that the
 * compare-*.json scenarios wrote into docs/results/compare/<back-end>[-churn]/ (run after
 * them):
 *
 *   node --import tsx docs/results/compare/table.ts
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, table } from '../../../src/sim/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const BACKENDS = ['flood', 'chord', 'kelips'] as const;

type Metrics = Record<string, unknown>;

function load(dir: string): Metrics | undefined {
  try {
    return JSON.parse(readFileSync(join(here, dir, 'result.json'), 'utf8')) as Metrics;
  } catch {
    return undefined;
  }
}

function at(m: Metrics | undefined, path: string): number | undefined {
  let cur: unknown = m;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return typeof cur === 'number' ? cur : undefined;
}

const ROWS: readonly [string, string, boolean][] = [
  ['hops of the first hit (mean)', 'hops.mean', false],
  ['hops p99', 'hops.p99', false],
  ['lookup messages per search (requests + replies)', 'messagesPerLookup', false],
  ['lookup bytes per search', 'bytesPerLookup', false],
  ['latency to the first hit, p50 (ms)', 'latencyMs.p50', false],
  ['success (searches with a live holder found)', 'successOfResolvable', false],
  ['state per node (bytes, back-end model)', 'stateBytesPerNode.mean', false],
  ['background messages per node per second', 'backgroundMessagesPerNodePerSec', false],
  ['background bytes per node per second', 'backgroundBytesPerNodePerSec', false],
  ['success under churn (live holder found)', 'successOfResolvable', true],
  ['hops under churn (mean)', 'hops.mean', true],
  ['lookup messages per search under churn', 'messagesPerLookup', true],
  ['background bytes per node per second under churn', 'backgroundBytesPerNodePerSec', true],
];

const steady = BACKENDS.map((b) => load(b));
const churn = BACKENDS.map((b) => load(`${b}-churn`));
const rows = ROWS.map(([label, path, c]) => [label, ...(c ? churn : steady).map((m) => fmt(at(m, path)))]);
process.stdout.write(table(['', ...BACKENDS], rows));
