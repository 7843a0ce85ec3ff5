/**
 * Defaults and validation of `KelipsInit` (docs/LIMITS.md "Kelips" lists them with their
 * reasons). Gossip parameters default to the paper's experimental configuration (§4):
 * a round every 2 s, messages of at most 272 bytes, 6 targets of which 3 are contacts.
 *
 * Timeouts scale with the expected group size g = n/k: the paper notes that, because a
 * message's rations do not grow with n, a heartbeat needs O(√n·log² n) time to reach a
 * whole group, and its timeouts must be at least that. Ours: a member entry is refreshed
 * at a node when a higher heartbeat for it arrives; each node hears about
 * `inTargets × rations.members` entries per round from its group, so a given entry comes
 * by every ≈ g / (that) rounds; the timeout allows many such gaps (config below), and is
 * never below 30 rounds. Contacts hear of each other far less often (only the few
 * cross-group messages carry their heartbeats), so each round a node also pings its
 * contact heard from longest ago; the contact timeout allows three full cycles of those
 * pings (c(k−1) rounds each). Tuples are refreshed by their holder's re-announcements,
 * hence 3 × republishMs.
 */
import { ConfigError } from '../../core/errors.js';
import { KelipsLimits } from '../../protocol/kelips/constants.js';
import { groupsFor } from './hash.js';
import type { KelipsInit, KelipsRations } from './types.js';

export const KELIPS_DEFAULTS = {
  expectedNodes: 1024,
  contactsPerGroup: 2,
  roundMs: 2000,
  gossipBytes: 272,
  gossipTargets: 6,
  foreignTargets: 3,
  rations: { members: 5, contacts: 3, tuples: 2, foreignMembers: 10, foreignContacts: 8 } as KelipsRations,
  freshSends: 4,
  rttExponent: 2,
  defaultRttMs: 100,
  /** member timeout = roundMs × max(minTimeoutRounds, timeoutGaps × g / (inTargets × rations.members)) */
  minTimeoutRounds: 40,
  timeoutGaps: 10,
  /** contact timeout = roundMs × max(minTimeoutRounds, contactSweeps × c(k−1) / refreshPerRound) */
  contactSweeps: 3,
  republishMs: 10 * 60_000,
  tupleTimeoutFactor: 3,
  sweepRounds: 2,
  rpcTimeoutMs: 1000,
  lookupTries: 4,
  walkTtl: 1,
  relayFanout: 2,
  storeTries: 3,
  searchTimeoutMs: 10_000,
  maxResults: 32,
  probesPerRound: 1,
  refreshPerRound: 1,
  joinRetryMs: 5000,
  maxSnapshotParts: 64,
  maxTuples: 100_000,
  maxTuplesPerKey: 1000,
  maxPublished: 50_000,
  maxKeysPerFile: 16,
  maxDatagram: KelipsLimits.MAX_MESSAGE,
  relayPerSec: 100,
  maxActiveSearches: 64,
  gossip: true,
  includeOwnFiles: false,
} as const;

/** the smallest gossip bound: header + gossip fields + one membership entry */
export const MIN_GOSSIP_BYTES = 36;

export interface KelipsConfig {
  readonly k: number;
  /** expected members per group */
  readonly groupSize: number;
  readonly c: number;
  readonly roundMs: number;
  readonly gossipBytes: number;
  readonly inTargets: number;
  readonly foreignTargets: number;
  readonly rations: KelipsRations;
  readonly freshSends: number;
  readonly rttExponent: number;
  readonly defaultRttMs: number;
  readonly memberTimeoutMs: number;
  readonly contactTimeoutMs: number;
  readonly tupleTimeoutMs: number;
  readonly republishMs: number;
  readonly sweepMs: number;
  readonly rpcTimeoutMs: number;
  readonly lookupTries: number;
  readonly walkTtl: number;
  readonly relayFanout: number;
  readonly storeTries: number;
  readonly searchTimeoutMs: number;
  readonly maxResults: number;
  readonly probesPerRound: number;
  readonly refreshPerRound: number;
  readonly joinRetryMs: number;
  readonly maxSnapshotParts: number;
  readonly maxView: number;
  readonly maxTuples: number;
  readonly maxTuplesPerKey: number;
  readonly maxPublished: number;
  readonly maxKeysPerFile: number;
  readonly maxDatagram: number;
  readonly relayPerSec: number;
  readonly maxActiveSearches: number;
  readonly includeOwnFiles: boolean;
}

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(
      'E_KELIPS_CONFIG',
      `kelips: ${name} must be an integer in ${min}..${max}, got ${v}`,
    );
  }
  return v;
}

function num(name: string, v: number, min: number, max: number): number {
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError('E_KELIPS_CONFIG', `kelips: ${name} must be a number in ${min}..${max}, got ${v}`);
  }
  return v;
}

const DAY = 24 * 3600_000;

/** k the node starts with: `groups`, else from `expectedNodes` when it founds the overlay, else unknown (0). */
export function initialGroups(init: KelipsInit): number {
  if (init.groups !== undefined) return int('groups', init.groups, 1, KelipsLimits.MAX_GROUPS);
  const joining = bootstrapList(init).length > 0;
  if (joining && init.expectedNodes === undefined) return 0;
  const n = int('expectedNodes', init.expectedNodes ?? KELIPS_DEFAULTS.expectedNodes, 1, 2 ** 32);
  return Math.min(KelipsLimits.MAX_GROUPS, groupsFor(n));
}

export function bootstrapList(init: KelipsInit): readonly string[] {
  const b = init.bootstrap;
  return b === undefined ? [] : typeof b === 'string' ? [b] : b;
}

/** The full configuration for an overlay of `k` groups. */
export function resolveKelipsConfig(init: KelipsInit, k: number): KelipsConfig {
  const d = KELIPS_DEFAULTS;
  int('groups', k, 1, KelipsLimits.MAX_GROUPS);
  // without an expected size, assume the balanced design n = k², i.e. k members a group
  const groupSize = Math.max(1, Math.ceil(init.expectedNodes !== undefined ? init.expectedNodes / k : k));
  const roundMs = int('roundMs', init.roundMs ?? d.roundMs, 1, DAY);
  const gossipBytes = int(
    'gossipBytes',
    init.gossipBytes ?? d.gossipBytes,
    MIN_GOSSIP_BYTES,
    KelipsLimits.MAX_MESSAGE,
  );
  const targets = int('gossipTargets', init.gossipTargets ?? d.gossipTargets, 0, 64);
  const foreignTargets = int('foreignTargets', init.foreignTargets ?? d.foreignTargets, 0, targets);
  const r = { ...d.rations, ...init.rations };
  const rations: KelipsRations = {
    members: int('rations.members', r.members, 0, KelipsLimits.MAX_MEMBERS),
    contacts: int('rations.contacts', r.contacts, 0, KelipsLimits.MAX_MEMBERS),
    tuples: int('rations.tuples', r.tuples, 0, KelipsLimits.MAX_TUPLES),
    foreignMembers: int('rations.foreignMembers', r.foreignMembers, 0, KelipsLimits.MAX_MEMBERS),
    foreignContacts: int('rations.foreignContacts', r.foreignContacts, 0, KelipsLimits.MAX_MEMBERS),
  };
  const inTargets = targets - foreignTargets;
  const perRound = Math.max(1, inTargets * rations.members);
  const memberTimeoutMs = int(
    'memberTimeoutMs',
    init.memberTimeoutMs ??
      roundMs * Math.max(d.minTimeoutRounds, Math.ceil((d.timeoutGaps * groupSize) / perRound)),
    1,
    DAY,
  );
  const c = int('contactsPerGroup', init.contactsPerGroup ?? d.contactsPerGroup, 1, 16);
  const refreshPerRound = int('refreshPerRound', init.refreshPerRound ?? d.refreshPerRound, 0, 64);
  // with refresh pings every contact is pinged at least every c(k−1)/refreshPerRound rounds;
  // without, a contact's heartbeat comes only by cross-group gossip: about every
  // (k−1)/foreignTargets × g/foreignMembers rounds
  const contactGap =
    refreshPerRound > 0
      ? (c * (k - 1)) / refreshPerRound
      : (Math.max(1, k - 1) / Math.max(1, foreignTargets)) *
        (groupSize / Math.max(1, rations.foreignMembers));
  const contactRounds = Math.max(d.minTimeoutRounds, Math.ceil(d.contactSweeps * contactGap));
  const republishMs = int('republishMs', init.republishMs ?? d.republishMs, 1, DAY);
  const maxView = int('maxView', init.maxView ?? Math.max(64, 4 * groupSize), 1, 1_000_000);
  return {
    k,
    groupSize,
    c,
    roundMs,
    gossipBytes,
    inTargets,
    foreignTargets,
    rations,
    freshSends: int('freshSends', init.freshSends ?? d.freshSends, 1, 1000),
    rttExponent: num('rttExponent', init.rttExponent ?? d.rttExponent, 0, 8),
    defaultRttMs: num('defaultRttMs', init.defaultRttMs ?? d.defaultRttMs, 1, 60_000),
    memberTimeoutMs,
    contactTimeoutMs: int('contactTimeoutMs', init.contactTimeoutMs ?? roundMs * contactRounds, 1, DAY),
    tupleTimeoutMs: int(
      'tupleTimeoutMs',
      init.tupleTimeoutMs ?? d.tupleTimeoutFactor * republishMs,
      1,
      7 * DAY,
    ),
    republishMs,
    sweepMs: int('sweepMs', init.sweepMs ?? d.sweepRounds * roundMs, 1, DAY),
    rpcTimeoutMs: int('rpcTimeoutMs', init.rpcTimeoutMs ?? d.rpcTimeoutMs, 1, 600_000),
    lookupTries: int('lookupTries', init.lookupTries ?? d.lookupTries, 1, 16),
    walkTtl: int('walkTtl', init.walkTtl ?? d.walkTtl, 0, KelipsLimits.MAX_TTL - 1),
    relayFanout: int('relayFanout', init.relayFanout ?? d.relayFanout, 1, 8),
    storeTries: int('storeTries', init.storeTries ?? d.storeTries, 1, 16),
    searchTimeoutMs: int('searchTimeoutMs', init.searchTimeoutMs ?? d.searchTimeoutMs, 1, 3_600_000),
    maxResults: int('maxResults', init.maxResults ?? d.maxResults, 1, KelipsLimits.MAX_RESULTS),
    probesPerRound: int('probesPerRound', init.probesPerRound ?? d.probesPerRound, 0, 64),
    refreshPerRound,
    joinRetryMs: int('joinRetryMs', init.joinRetryMs ?? d.joinRetryMs, 1, DAY),
    maxSnapshotParts: int(
      'maxSnapshotParts',
      init.maxSnapshotParts ?? d.maxSnapshotParts,
      1,
      KelipsLimits.MAX_PART + 1,
    ),
    maxView,
    maxTuples: int('maxTuples', init.maxTuples ?? d.maxTuples, 1, 100_000_000),
    maxTuplesPerKey: int('maxTuplesPerKey', init.maxTuplesPerKey ?? d.maxTuplesPerKey, 1, 1_000_000),
    maxPublished: int('maxPublished', init.maxPublished ?? d.maxPublished, 0, 10_000_000),
    maxKeysPerFile: int('maxKeysPerFile', init.maxKeysPerFile ?? d.maxKeysPerFile, 1, 256),
    maxDatagram: int('maxDatagram', init.maxDatagram ?? d.maxDatagram, 256, KelipsLimits.MAX_MESSAGE_CEILING),
    relayPerSec: int('relayPerSec', init.relayPerSec ?? d.relayPerSec, 0, 1_000_000),
    maxActiveSearches: int('maxActiveSearches', init.maxActiveSearches ?? d.maxActiveSearches, 1, 100_000),
    includeOwnFiles: init.includeOwnFiles ?? d.includeOwnFiles,
  };
}
