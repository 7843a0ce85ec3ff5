/**
 * The flooding back-end's counters: plain numeric fields (one hidden class shared by
 * every router, no per-router Map), reported through `RouterStats.extra`.
 */
export class FloodCounters {
  messagesSent = 0;
  messagesReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;
  /** a send the transport refused (unknown link, queue full) */
  sendFailed = 0;
  /** broadcasts (Ping, Query, Push) already seen: dropped silently */
  duplicates = 0;
  /** TTL 0 on receipt, TTL above 15, or hops already at maxTtl */
  droppedTtl = 0;
  /** TTL lowered so that TTL + hops = maxTtl */
  ttlLowered = 0;
  /** Pong/QueryHit whose GUID we have no route for (or whose link is gone) */
  droppedNoRoute = 0;
  /** QueryHit for one of our searches that has ended or was cancelled */
  droppedSearchClosed = 0;
  /** Push for a servent ID we have no route for */
  droppedPushNoRoute = 0;
  /** Ping less than pingMinIntervalMs after the link's previous one */
  droppedPingRate = 0;
  /** a message we would relay but do not, because we are a leaf */
  notRelayedLeaf = 0;
  /** firewalled query while we are firewalled ourselves: no answer possible */
  skippedFirewalled = 0;
  /** a message from a peer that is not (or no longer) one of our links */
  droppedUnknownLink = 0;
  /** message types the flood router does not handle (Bye, QRP, vendor, unknown) */
  ignored = 0;
  pingsAnswered = 0;
  pongsRouted = 0;
  pongsCached = 0;
  /** distinct Queries processed (each at most once per node) */
  queriesHandled = 0;
  queriesForwarded = 0;
  queriesAnswered = 0;
  hitsSent = 0;
  resultsSent = 0;
  hitsRouted = 0;
  /** QueryHits received for our own searches */
  hitsReceived = 0;
  hitsDelivered = 0;
  duplicateHits = 0;
  pushesRouted = 0;
  pushesReceived = 0;
  searchesStarted = 0;
  qrpSent = 0;

  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this)) {
      if (typeof v === 'number' && !k.startsWith('messages') && !k.startsWith('bytes')) out[k] = v;
    }
    return out;
  }
}
