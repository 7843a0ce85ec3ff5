/**
 * What the control API answers: plain JSON views of the servent's live objects. Kept
 * apart from the routes so the CLI client and the tests can name the shapes.
 */
import type { Connection } from '../net/connection.js';
import type { Servent } from '../servent.js';
import type { DownloadEntry } from './download-registry.js';
import type { ApiSearch } from './search-registry.js';

export interface AddressView {
  ip: string;
  port: number;
}

export interface SearchSummaryView {
  id: string;
  text: string;
  urn?: string;
  state: 'running' | 'ended';
  endReason?: string;
  hits: number;
  startedAt: number;
  endedAt?: number;
}

export function searchSummary(s: ApiSearch): SearchSummaryView {
  return {
    id: s.id,
    text: s.text,
    ...(s.urn !== undefined ? { urn: s.urn } : {}),
    state: s.running ? 'running' : 'ended',
    ...(s.endReason !== undefined ? { endReason: s.endReason } : {}),
    hits: s.hits.length,
    startedAt: s.startedAt,
    ...(s.endedAt !== undefined ? { endedAt: s.endedAt } : {}),
  };
}

export interface DownloadView {
  id: string;
  name: string;
  urn?: string;
  state: string;
  bytes: number;
  size?: number;
  rate: number;
  etaS?: number;
  sources: { active: number; total: number };
  sourceList: Array<{ key: string; status: string; code?: string; retryAt?: number }>;
  path?: string;
  partPath?: string;
  verified?: boolean;
  error?: { code: string; message: string };
  createdAt: number;
  finishedAt?: number;
}

export function downloadView(e: DownloadEntry): DownloadView {
  const d = e.download;
  const p = d.progress();
  const state = d.state();
  const size = p.size ?? e.result?.size;
  return {
    id: e.id,
    name: d.name,
    ...(e.urn !== undefined ? { urn: e.urn } : e.result?.urn !== undefined ? { urn: e.result.urn } : {}),
    state,
    // a finished download's meter may lag its last write: report the verified size
    bytes: state === 'done' && size !== undefined ? size : p.bytes,
    ...(size !== undefined ? { size } : {}),
    rate: state === 'running' ? p.rate : 0,
    ...(p.etaS !== undefined && state === 'running' ? { etaS: p.etaS } : {}),
    sources: { active: p.sources.active, total: p.sources.total },
    sourceList: d.sources().map((s) => ({
      key: s.key,
      status: s.status,
      ...(s.code !== undefined ? { code: s.code } : {}),
      ...(s.retryAt !== undefined ? { retryAt: s.retryAt } : {}),
    })),
    ...(e.result !== undefined ? { path: e.result.path, verified: e.result.verified } : {}),
    ...(d.partPath !== '' && state !== 'done' ? { partPath: d.partPath } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
    createdAt: e.createdAt,
    ...(e.finishedAt !== undefined ? { finishedAt: e.finishedAt } : {}),
  };
}

export interface PeerView {
  id: string;
  direction: 'in' | 'out';
  remote: AddressView;
  listen?: AddressView;
  userAgent: string;
  version: string;
  ultrapeer: boolean;
  weAreLeaf: boolean;
  compressed: boolean;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  droppedIn: number;
  droppedOut: number;
  queuedBytes: number;
  congested: boolean;
  connectedS: number;
}

export function peerView(c: Connection, now: number): PeerView {
  const i = c.info;
  return {
    id: i.id,
    direction: i.direction,
    remote: { ip: i.remote.ip, port: i.remote.port },
    ...(i.listen !== undefined ? { listen: { ip: i.listen.ip, port: i.listen.port } } : {}),
    userAgent: i.userAgent,
    version: i.version,
    ultrapeer: i.remoteUltrapeer,
    weAreLeaf: i.weAreLeaf,
    compressed: i.compressIn || i.compressOut,
    ...c.counters,
    queuedBytes: c.queuedBytes,
    congested: c.congested,
    connectedS: Math.max(0, (now - c.openedAt) / 1000),
  };
}

export interface UploadsView {
  /** false when the servent exposes no upload counters */
  available: boolean;
  /** the upload side counts, it does not list uploads one by one */
  perUpload: boolean;
  slots?: { total: number; active: number; queued: number; reserved: number; choked: number };
  counters?: Record<string, number>;
}

export function uploadsView(servent: Servent): UploadsView {
  const u = servent.uploads();
  if (u === undefined) return { available: false, perUpload: false };
  return {
    available: true,
    perUpload: false,
    slots: { total: servent.config.uploadSlots, ...u.slots },
    counters: { ...u.uploads },
  };
}
