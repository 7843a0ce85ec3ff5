/**
 * The Kelips back-end's counters: plain numeric fields (one hidden class shared by every
 * router), reported through `RouterStats.extra`.
 */
export class KelipsCounters {
  messagesSent = 0;
  messagesReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;
  /** a send the transport refused */
  sendFailed = 0;
  gossipSent = 0;
  gossipReceived = 0;
  /** membership entries and tuples received in gossip and snapshots */
  entriesReceived = 0;
  tuplesReceived = 0;
  /** a message of an overlay with another k (or before ours was known) */
  wrongGroups = 0;
  /** a LOOKUP or STORE for a group we are not in, with no ttl or no contact left */
  misrouted = 0;
  /** forwards and third-party answers refused by the relay rate limit */
  relayLimited = 0;
  lookupsStarted = 0;
  /** LOOKUP requests we sent as origin (first tries and retries) */
  lookupRequests = 0;
  lookupRetries = 0;
  lookupTimeouts = 0;
  lookupsAnswered = 0;
  lookupsFailed = 0;
  /** answered from our own tuples (the key is in our group) */
  lookupsLocal = 0;
  /** LOOKUPs we answered for others, forwarded to another group, or walked on */
  lookupsServed = 0;
  lookupsForwarded = 0;
  lookupsWalked = 0;
  storesSent = 0;
  storeRetries = 0;
  storesAcked = 0;
  storesForwarded = 0;
  tuplesStored = 0;
  tuplesRefreshed = 0;
  tuplesRejected = 0;
  /** tuples for a key outside our group */
  tuplesMisplaced = 0;
  memberTimeouts = 0;
  contactTimeouts = 0;
  tupleTimeouts = 0;
  /** peers dropped because an RPC to them timed out */
  suspected = 0;
  /** pings sent: candidate probes and contact refreshes */
  probesSent = 0;
  contactRefreshes = 0;
  contactsReplaced = 0;
  joinsSent = 0;
  snapshotsServed = 0;
  snapshotsReceived = 0;

  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this)) {
      if (typeof v === 'number' && !k.startsWith('messages') && !k.startsWith('bytes')) out[k] = v;
    }
    return out;
  }
}
