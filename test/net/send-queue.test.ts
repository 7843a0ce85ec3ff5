import { describe, expect, it } from 'vitest';
import { Priority, SendQueue } from '../../src/net/send-queue.js';

const buf = (n: number, fill = 0): Buffer => Buffer.alloc(n, fill);

describe('SendQueue', () => {
  it('keeps FIFO order and takes in batches of at most maxBytes (at least one message)', () => {
    const q = new SendQueue({ maxBytes: 1000, hardMaxBytes: 2000 });
    q.enqueue(buf(100, 1), Priority.QUERY);
    q.enqueue(buf(100, 2), Priority.PONG);
    q.enqueue(buf(300, 3), Priority.PING);
    expect(q.bytes).toBe(500);
    const first = q.take(250);
    expect(first.map((b) => b[0])).toEqual([1, 2]);
    expect(q.take(10).map((b) => b[0])).toEqual([3]);
    expect(q.length).toBe(0);
  });

  it('evicts pings first, then pongs, then the queries with the most hops', () => {
    const q = new SendQueue({ maxBytes: 400, hardMaxBytes: 1000 });
    q.enqueue(buf(100, 1), Priority.QUERY, 1);
    q.enqueue(buf(100, 2), Priority.PING);
    q.enqueue(buf(100, 3), Priority.QUERY, 5);
    q.enqueue(buf(100, 4), Priority.PONG);
    // a routed hit needs 100 bytes: the ping goes
    expect(q.enqueue(buf(100, 5), Priority.QUERYHIT)).toBe('queued');
    expect(q.dropped).toBe(1);
    // a query with 2 hops: only a query with more hops may go (the 5-hop one)
    expect(q.enqueue(buf(100, 6), Priority.QUERY, 2)).toBe('queued');
    const ids = q.take(10_000).map((b) => b[0]);
    expect(ids).toEqual([1, 4, 5, 6]);
  });

  it('refuses droppable traffic when nothing less valuable can go', () => {
    const q = new SendQueue({ maxBytes: 200, hardMaxBytes: 400 });
    q.enqueue(buf(200, 1), Priority.QUERYHIT);
    expect(q.enqueue(buf(10), Priority.PING)).toBe('dropped');
    expect(q.enqueue(buf(10), Priority.QUERY, 0)).toBe('dropped');
    expect(q.bytes).toBe(200);
  });

  it('never drops our own replies, up to the hard bound; beyond it reports overflow', () => {
    const q = new SendQueue({ maxBytes: 200, hardMaxBytes: 400 });
    expect(q.enqueue(buf(150), Priority.OWN_REPLY)).toBe('queued');
    expect(q.enqueue(buf(150), Priority.OWN_REPLY)).toBe('queued');
    expect(q.bytes).toBe(300);
    expect(q.enqueue(buf(150), Priority.OWN_REPLY)).toBe('overflow');
    expect(q.bytes).toBe(300);
  });

  it('reports congestion above half the soft bound', () => {
    const q = new SendQueue({ maxBytes: 1000, hardMaxBytes: 2000 });
    q.enqueue(buf(400), Priority.QUERY);
    expect(q.congested).toBe(false);
    q.enqueue(buf(200), Priority.QUERY);
    expect(q.congested).toBe(true);
  });
});
