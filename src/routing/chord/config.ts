/** Defaults and validation of `ChordInit` (docs/LIMITS.md "Chord" lists them). */
import { ConfigError } from '../../core/errors.js';
import { ChordLimits } from '../../protocol/chord/constants.js';
import type { ChordConfig, ChordInit } from './types.js';

export const CHORD_DEFAULTS = {
  idBits: 160,
  virtualNodes: 1,
  expectedNodes: 1024,
  replicas: 3,
  lookupMode: 'iterative',
  candidates: 3,
  rpcTimeoutMs: 1000,
  lookupTimeoutMs: 10_000,
  maxLookupHops: 128,
  maxPendingRpcs: 4096,
  stabilizeMs: 5000,
  fixFingersMs: 5000,
  fingersPerRound: 1,
  checkPredecessorMs: 10_000,
  maintenance: true,
  joinRetryMs: 5000,
  republishMs: 10 * 60_000,
  maxPointersPerKey: 1000,
  maxPointers: 100_000,
  publishConcurrency: 8,
  searchTimeoutMs: 15_000,
  maxFetchPages: 8,
  includeOwnFiles: false,
  indexUrns: true,
} as const;

/** the most virtual nodes one router may host (the wire allows 256) */
export const MAX_VIRTUAL_NODES = 64;

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError('E_CHORD_CONFIG', `chord: ${name} must be an integer in ${min}..${max}, got ${v}`);
  }
  return v;
}

/**
 * Defaults applied and every value checked. The result holds no per-node data, so many
 * routers (a simulated ring) may share one.
 */
export function resolveChordConfig(init: Omit<ChordInit, 'holder' | 'bootstrap'>): ChordConfig {
  const d = CHORD_DEFAULTS;
  const expectedNodes = int('expectedNodes', init.expectedNodes ?? d.expectedNodes, 1, 2 ** 40);
  const defaultR = Math.max(
    1,
    Math.min(ChordLimits.MAX_REFS, 2 * Math.ceil(Math.log2(Math.max(2, expectedNodes)))),
  );
  const successors = int('successors', init.successors ?? defaultR, 1, ChordLimits.MAX_REFS);
  const republishMs = int('republishMs', init.republishMs ?? d.republishMs, 1, 2 ** 31);
  const pointerTtlMs = int('pointerTtlMs', init.pointerTtlMs ?? 3 * republishMs, 1, ChordLimits.MAX_TTL_MS);
  const mode = init.lookupMode ?? d.lookupMode;
  if (mode !== 'iterative' && mode !== 'recursive') {
    throw new ConfigError(
      'E_CHORD_CONFIG',
      `chord: lookupMode must be iterative or recursive, got ${String(mode)}`,
    );
  }
  return {
    idBits: int('idBits', init.idBits ?? d.idBits, 1, 160),
    virtualNodes: int('virtualNodes', init.virtualNodes ?? d.virtualNodes, 1, MAX_VIRTUAL_NODES),
    expectedNodes,
    successors,
    replicas: int('replicas', Math.min(init.replicas ?? d.replicas, successors), 0, successors),
    lookupMode: mode,
    candidates: int('candidates', init.candidates ?? d.candidates, 1, 16),
    rpcTimeoutMs: int('rpcTimeoutMs', init.rpcTimeoutMs ?? d.rpcTimeoutMs, 1, 600_000),
    lookupTimeoutMs: int('lookupTimeoutMs', init.lookupTimeoutMs ?? d.lookupTimeoutMs, 1, 3_600_000),
    maxPendingRpcs: int('maxPendingRpcs', init.maxPendingRpcs ?? d.maxPendingRpcs, 1, 1_000_000),
    maxLookupHops: int('maxLookupHops', init.maxLookupHops ?? d.maxLookupHops, 1, ChordLimits.MAX_HOPS),
    stabilizeMs: int('stabilizeMs', init.stabilizeMs ?? d.stabilizeMs, 1, 2 ** 31),
    fixFingersMs: int('fixFingersMs', init.fixFingersMs ?? d.fixFingersMs, 1, 2 ** 31),
    fingersPerRound: int('fingersPerRound', init.fingersPerRound ?? d.fingersPerRound, 1, 160),
    checkPredecessorMs: int(
      'checkPredecessorMs',
      init.checkPredecessorMs ?? d.checkPredecessorMs,
      1,
      2 ** 31,
    ),
    maintenance: init.maintenance ?? d.maintenance,
    joinRetryMs: int('joinRetryMs', init.joinRetryMs ?? d.joinRetryMs, 1, 2 ** 31),
    republishMs,
    pointerTtlMs,
    sweepMs: int(
      'sweepMs',
      init.sweepMs ?? Math.max(1, Math.min(60_000, Math.floor(pointerTtlMs / 4))),
      1,
      2 ** 31,
    ),
    maxPointersPerKey: int('maxPointersPerKey', init.maxPointersPerKey ?? d.maxPointersPerKey, 1, 1_000_000),
    maxPointers: int('maxPointers', init.maxPointers ?? d.maxPointers, 1, 100_000_000),
    publishConcurrency: int('publishConcurrency', init.publishConcurrency ?? d.publishConcurrency, 1, 1024),
    searchTimeoutMs: int('searchTimeoutMs', init.searchTimeoutMs ?? d.searchTimeoutMs, 1, 3_600_000),
    maxFetchPages: int('maxFetchPages', init.maxFetchPages ?? d.maxFetchPages, 1, 4096),
    includeOwnFiles: init.includeOwnFiles ?? d.includeOwnFiles,
    indexUrns: init.indexUrns ?? d.indexUrns,
  };
}
