/**
 * Loads the captured descriptors of fixtures/captures (both capture sets) with their
 * independently decoded fields from the index.json files.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CAPTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/captures');

export interface CapturedDescriptor {
  /** which capture set: `bun` (gnutella-bun-client) or `gtk` (gtk-gnutella) */
  readonly source: 'bun' | 'gtk';
  readonly file: string;
  readonly bytes: Buffer;
  readonly type: string;
  readonly guid: string;
  readonly ttl: number;
  readonly hops: number;
  readonly payloadLength: number;
  readonly decoded: Record<string, unknown>;
}

interface BunEntry {
  file: string;
  type: string;
  guid: string;
  ttl: number;
  hops: number;
  payload_length: number;
  decoded: Record<string, unknown>;
}

interface GtkItem {
  kind: string;
  file: string;
  type?: string;
  guid?: string;
  ttl?: number;
  hops?: number;
  payload_length?: number;
  decoded?: Record<string, unknown>;
}

export function loadCaptured(): CapturedDescriptor[] {
  const out: CapturedDescriptor[] = [];
  const bunRoot = join(CAPTURES, 'gnutella-bun-client');
  const bun = JSON.parse(readFileSync(join(bunRoot, 'index.json'), 'utf8')) as BunEntry[];
  for (const e of bun) {
    out.push({
      source: 'bun',
      file: e.file,
      bytes: readFileSync(join(bunRoot, e.file)),
      type: e.type,
      guid: e.guid,
      ttl: e.ttl,
      hops: e.hops,
      payloadLength: e.payload_length,
      decoded: e.decoded,
    });
  }
  const gtkRoot = join(CAPTURES, 'gtk-gnutella/s1-ultra-plain');
  const gtk = JSON.parse(readFileSync(join(gtkRoot, 'index.json'), 'utf8')) as { items: GtkItem[] };
  for (const e of gtk.items) {
    if (e.kind !== 'descriptor') continue;
    out.push({
      source: 'gtk',
      file: e.file,
      bytes: readFileSync(join(gtkRoot, e.file)),
      type: e.type as string,
      guid: e.guid as string,
      ttl: e.ttl as number,
      hops: e.hops as number,
      payloadLength: e.payload_length as number,
      decoded: e.decoded ?? {},
    });
  }
  return out;
}

/** Every captured descriptor frame, in index order (the benchmark mix). */
export function capturedMix(): Buffer[] {
  return loadCaptured().map((d) => d.bytes);
}
