/** A scripted Gnutella peer over a real socket, for the hostile-peer tests. */
import net from 'node:net';
import { encodeMessage } from '../../src/protocol/encode.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import type { Message } from '../../src/protocol/messages.js';

export const HELLO =
  'GNUTELLA CONNECT/0.6\r\nUser-Agent: test/1\r\nX-Ultrapeer: True\r\nBye-Packet: 0.1\r\n\r\n';
export const FINAL = 'GNUTELLA/0.6 200 OK\r\n\r\n';

export interface RawPeer {
  readonly socket: net.Socket;
  readonly messages: Message[];
  /** the servent's handshake reply */
  reply: string;
  closed: boolean;
  send(m: Message | Buffer | string): void;
  waitFor(pred: (m: Message) => boolean, ms?: number): Promise<Message | undefined>;
  close(): void;
}

/** Connects; with `handshake` (default) completes the 0.6 exchange before resolving. */
export function rawPeer(port: number, opts: { handshake?: boolean; read?: boolean } = {}): Promise<RawPeer> {
  const doHandshake = opts.handshake ?? true;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const decoder = new FrameDecoder();
    let buf = Buffer.alloc(0);
    let binary = !doHandshake;
    const peer: RawPeer = {
      socket,
      messages: [],
      reply: '',
      closed: false,
      send(m) {
        if (socket.destroyed) return;
        socket.write(typeof m === 'string' || Buffer.isBuffer(m) ? m : encodeMessage(m));
      },
      async waitFor(pred, ms = 2000) {
        const deadline = Date.now() + ms;
        for (;;) {
          const found = peer.messages.find(pred);
          if (found !== undefined || Date.now() > deadline || peer.closed) return found;
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      close() {
        socket.destroy();
      },
    };
    socket.on('error', () => {});
    socket.on('close', () => {
      peer.closed = true;
      // refused or closed before a reply: resolve so the caller sees `closed`
      resolve(peer);
    });
    socket.on('data', (d: Buffer) => {
      if (binary) {
        try {
          for (const r of decoder.push(d)) if (r.ok) peer.messages.push(r.message);
        } catch {
          // the servent should never send bad frames; a test will notice missing messages
        }
        return;
      }
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      peer.reply = buf.toString('latin1', 0, end);
      binary = true;
      if (!peer.reply.includes(' 200 ')) {
        resolve(peer);
        return;
      }
      socket.write(FINAL);
      // a peer that never reads: stop reading once the handshake is done
      if (opts.read === false) socket.pause();
      const rest = buf.subarray(end + 4);
      if (rest.length > 0) for (const r of decoder.push(rest)) if (r.ok) peer.messages.push(r.message);
      resolve(peer);
    });
    socket.once('connect', () => {
      if (doHandshake) socket.write(HELLO);
      else resolve(peer);
    });
    socket.once('error', reject);
  });
}
