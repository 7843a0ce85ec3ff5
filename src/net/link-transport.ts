/**
 * The flood router's `Transport` over live Gnutella connections: one peer id per
 * connection. Flow control happens here: while our queue towards a peer is backed up,
 * queries from that peer are dropped (wire reference §7.9).
 */
import type { Message } from '../protocol/messages.js';
import type { PeerId, Transport, TransportHandler } from '../routing/types.js';
import type { Connection } from './connection.js';

export class LinkTransport implements Transport<Message> {
  readonly localId: PeerId = 'local';
  private handler: TransportHandler<Message> | undefined;
  private readonly links = new Map<PeerId, Connection>();
  droppedForFlowControl = 0;

  setHandler(handler: TransportHandler<Message>): void {
    this.handler = handler;
  }

  send(to: PeerId, msg: Message): boolean {
    const c = this.links.get(to);
    return c !== undefined && c.send(msg);
  }

  attach(conn: Connection): void {
    const i = conn.info;
    this.links.set(i.id, conn);
    this.handler?.peerUp?.({
      id: i.id,
      ...(i.listen !== undefined ? { address: i.listen } : {}),
      userAgent: i.userAgent,
      ultrapeer: i.remoteUltrapeer,
      weAreLeaf: i.weAreLeaf,
    });
  }

  detach(conn: Connection): void {
    if (this.links.get(conn.info.id) !== conn) return;
    this.links.delete(conn.info.id);
    this.handler?.peerDown?.(conn.info.id);
  }

  deliver(conn: Connection, msg: Message): void {
    if (msg.type === 'query' && conn.congested) {
      this.droppedForFlowControl++;
      return;
    }
    this.handler?.message(conn.info.id, msg);
  }

  connections(): Connection[] {
    return [...this.links.values()];
  }
}
