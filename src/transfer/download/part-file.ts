/**
 * The on-disk side of a download: `<name>.part` holds the bytes at their final offsets,
 * `<name>.part.json` says which ranges are valid, who sent them and which sources were
 * tried or banned. The state file is replaced atomically (temp file + rename) and only
 * after the data it describes has been flushed (fdatasync), so after a crash it may lag
 * the data but never claims bytes that are not on disk.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/log.js';
import { TransferError } from '../../core/errors.js';
import { numberedName, placeNoClobber } from './file-name.js';
import { RangeMap } from './range-map.js';

const STATE_VERSION = 1;
/** Ranges read back from one state file at most. */
export const MAX_STATE_RANGES = 1_000_000;
/** Part names tried (`name.part`, `name (1).part`, …) before giving up. */
const MAX_PART_ATTEMPTS = 100;
const HASH_CHUNK = 1024 * 1024;

const OPEN_RW = constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);
const OPEN_TMP = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0);

/** What `.part.json` holds. Ranges are `[start, end)` plus the key of the source that sent them. */
export interface PartStateFile {
  version: number;
  name: string;
  urn?: string;
  size?: number;
  completed: [number, number, string][];
  sources: string[];
  banned: string[];
}

export interface PartIdentity {
  name: string;
  urn: string | undefined;
  size: number | undefined;
}

function isInt(n: unknown, max: number): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= max;
}

/** Validates a parsed state file; undefined when it is not one of ours. */
function validState(raw: unknown, maxFileBytes: number): PartStateFile | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  if (s.version !== STATE_VERSION || typeof s.name !== 'string') return undefined;
  if (s.urn !== undefined && typeof s.urn !== 'string') return undefined;
  if (s.size !== undefined && !isInt(s.size, maxFileBytes)) return undefined;
  if (!Array.isArray(s.completed) || s.completed.length > MAX_STATE_RANGES) return undefined;
  if (!Array.isArray(s.sources) || !Array.isArray(s.banned)) return undefined;
  const limit = (s.size as number | undefined) ?? maxFileBytes;
  for (const r of s.completed as unknown[]) {
    if (!Array.isArray(r) || r.length !== 3) return undefined;
    const [a, b, k] = r as unknown[];
    if (!isInt(a, limit) || !isInt(b, limit) || a >= b || typeof k !== 'string') return undefined;
  }
  if (!(s.sources as unknown[]).every((k) => typeof k === 'string')) return undefined;
  if (!(s.banned as unknown[]).every((k) => typeof k === 'string')) return undefined;
  return s as unknown as PartStateFile;
}

/** Two descriptions name the same file when every field known on both sides agrees. */
function sameFile(a: PartIdentity, b: PartStateFile): boolean {
  if (a.urn !== undefined && b.urn !== undefined)
    return a.urn === b.urn && (a.size === undefined || b.size === undefined || a.size === b.size);
  if (a.urn !== undefined || b.urn !== undefined) return false;
  return a.name === b.name && (a.size === undefined || b.size === undefined || a.size === b.size);
}

export class PartFile {
  /** bytes known to be on disk, labelled with the key of the source that sent them */
  readonly completed = new RangeMap<string>();
  readonly sourcesTried = new Set<string>();
  readonly banned = new Set<string>();

  private constructor(
    readonly dir: string,
    readonly partPath: string,
    readonly statePath: string,
    private readonly fh: FileHandle,
    private readonly log: Logger,
  ) {}

  /**
   * Opens (or creates) the part file for `id` in `dir`. An existing part whose state
   * names the same file is resumed; one that belongs to another file is left alone and
   * the next numbered part name is used.
   */
  static async open(
    dir: string,
    id: PartIdentity,
    maxFileBytes: number,
    maxStateBytes: number,
    log: Logger,
  ): Promise<{ part: PartFile; state: PartStateFile | undefined }> {
    for (let n = 0; n < MAX_PART_ATTEMPTS; n++) {
      const partPath = join(dir, `${numberedName(id.name, n)}.part`);
      const statePath = `${partPath}.json`;
      const state = await PartFile.readState(statePath, maxFileBytes, maxStateBytes, log);
      const partExists = await stat(partPath).then(
        () => true,
        () => false,
      );
      if (state !== undefined && !sameFile(id, state)) continue;
      if (
        state === undefined &&
        partExists &&
        (await stat(statePath).then(
          () => true,
          () => false,
        ))
      ) {
        continue; // an unreadable state beside a part: keep both for a human to look at
      }
      let fh: FileHandle;
      try {
        fh = await open(partPath, OPEN_RW, 0o644);
      } catch (e) {
        throw new TransferError('E_IO', `cannot open ${partPath}: ${(e as Error).message}`, { cause: e });
      }
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        throw new TransferError('E_IO', `${partPath} is not a regular file`);
      }
      const part = new PartFile(dir, partPath, statePath, fh, log);
      if (state !== undefined) {
        for (const [a, b, k] of state.completed) {
          // never trust a range past what the part file really holds
          const end = Math.min(b, st.size);
          if (a < end) part.completed.set(a, end, k);
        }
        for (const k of state.sources) part.sourcesTried.add(k);
        for (const k of state.banned) part.banned.add(k);
      }
      return { part, state };
    }
    throw new TransferError('E_NO_FREE_NAME', `no free part-file name for ${id.name}`);
  }

  private static async readState(
    path: string,
    maxFileBytes: number,
    maxStateBytes: number,
    log: Logger,
  ): Promise<PartStateFile | undefined> {
    try {
      const st = await stat(path);
      if (!st.isFile() || st.size > maxStateBytes) {
        log.warn({ path, size: st.size }, 'ignoring oversized or odd download state file');
        return undefined;
      }
      const parsed = validState(JSON.parse(await readFile(path, 'utf8')), maxFileBytes);
      if (parsed === undefined) log.warn({ path }, 'ignoring malformed download state file');
      return parsed;
    } catch {
      return undefined;
    }
  }

  async write(buf: Buffer, offset: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, offset + done);
      if (bytesWritten <= 0) throw new TransferError('E_IO', `short write at ${offset + done}`);
      done += bytesWritten;
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf.subarray(0, done);
  }

  /** Flushes data, then atomically replaces the state file. */
  async checkpoint(id: PartIdentity): Promise<void> {
    const state: PartStateFile = {
      version: STATE_VERSION,
      name: id.name,
      ...(id.urn !== undefined ? { urn: id.urn } : {}),
      ...(id.size !== undefined ? { size: id.size } : {}),
      completed: this.completed.list().map((r) => [r.start, r.end, r.label]),
      sources: [...this.sourcesTried],
      banned: [...this.banned],
    };
    await this.fh.datasync();
    const tmp = `${this.statePath}.tmp`;
    const h = await open(tmp, OPEN_TMP, 0o644);
    try {
      await h.writeFile(JSON.stringify(state));
      await h.datasync();
    } finally {
      await h.close();
    }
    await rename(tmp, this.statePath);
  }

  async truncate(size: number): Promise<void> {
    await this.fh.truncate(size);
  }

  async sha1(size: number): Promise<Buffer> {
    const hash = createHash('sha1');
    const buf = Buffer.alloc(Math.min(HASH_CHUNK, Math.max(1, size)));
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await this.fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (bytesRead === 0) throw new TransferError('E_IO', `part file shorter than ${size} bytes`);
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return hash.digest();
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => {});
  }

  /** Deletes the part and its state (after a failed verification or a discarding cancel). */
  async discard(): Promise<void> {
    await this.close();
    for (const p of [this.partPath, this.statePath, `${this.statePath}.tmp`]) await unlink(p).catch(() => {});
  }

  /** Moves the finished part to its final name (never replacing a file) and drops the state. */
  async finalise(name: string): Promise<string> {
    await this.fh.datasync();
    await this.close();
    const path = await placeNoClobber(this.partPath, this.dir, name);
    await unlink(this.statePath).catch(() => {});
    this.log.debug({ path }, 'download placed');
    return path;
  }
}
