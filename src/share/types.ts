/**
 * The shared-folder library's public contract. The transfer layer serves files by
 * `byIndex`/`byUrn`, routers publish `files()`, the control API shows `totals()`.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { SharedFileInfo } from '../routing/types.js';

export interface SharedFile extends SharedFileInfo {
  /** absolute real path on disk (symlinks resolved) */
  readonly path: string;
  /** path relative to its share root, '/' separators */
  readonly relPath: string;
  /** the share root (real path) it belongs to */
  readonly root: string;
  readonly mtimeMs: number;
}

export interface ShareChange {
  readonly added: SharedFile[];
  readonly removed: SharedFile[];
  /** same index, new content or newly known urn */
  readonly changed: SharedFile[];
}

export interface ShareQuery {
  readonly text: string;
  readonly urns: readonly string[];
}

export interface ShareTotals {
  files: number;
  bytes: number;
  hashed: number;
}

export interface ShareLibrary {
  files(): readonly SharedFile[];
  byIndex(index: number): SharedFile | undefined;
  /** accepts any case 'urn:sha1:…' */
  byUrn(urn: string): SharedFile | undefined;
  match(q: ShareQuery, limit?: number): SharedFile[];
  totals(): ShareTotals;
  onChange(listener: (ev: ShareChange) => void): () => void;
  rescan(): Promise<void>;
  /** resolves when every currently known file has been hashed (or found unreadable) */
  whenHashed(): Promise<void>;
  close(): Promise<void>;
}

/** Computes the SHA-1 of a file; injectable so tests can count calls. */
export type Hasher = (path: string) => Promise<Buffer>;

export interface ShareLibraryOptions {
  /** share roots; the caller passes `ensureDefaultShare(dataDir)` when the user gave none */
  roots: string[];
  /** where `hash-cache.json` lives */
  dataDir: string;
  log: Logger;
  clock: Clock;
  /** notice changes while running (default true) */
  watch?: boolean;
  /** files hashed at once (default 2) */
  hashConcurrency?: number;
  /** files indexed at most, over all roots (default 100,000) */
  maxFiles?: number;
  /** directory levels entered below a root (default 32) */
  maxDepth?: number;
  /** directories walked at most, over all roots (default 50,000) */
  maxDirs?: number;
  /** directories watched at most; past it the library rescans periodically (default 8,192) */
  maxWatches?: number;
  /** quiet time after a file-system event before the affected paths are rescanned (default 300 ms) */
  debounceMs?: number;
  /** periodic full rescan when watching is off, failed or capped, or a root is missing (default 300,000 ms; 0 = never) */
  rescanIntervalMs?: number;
  /** replaces the SHA-1 routine (tests) */
  hasher?: Hasher;
}
