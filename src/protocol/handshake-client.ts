/**
 * The dialing side of a handshake, sans-IO: start() gives the hello to write, feed() takes
 * what the peer wrote and says what to write next and when the binary stage begins.
 *
 *   0.6:  start → CONNECT/0.6 ─► await reply ─ 200 ─► decideFinal → step 3 ─► done
 *                                           └ other code ─► failed (no step 3: just close)
 *   0.4 (legacy):  start → CONNECT/0.4 ─► await `GNUTELLA OK` ─► done
 *
 * A `GNUTELLA OK` answer to a 0.6 CONNECT is a failure by default (wire §2.2: gtk-gnutella
 * and gnutella-bun-client drop such peers) unless `allow04Reply` is set, in which case the
 * link continues as 0.4 (no headers, no compression).
 */
import { HandshakeHeaders, type HeaderInit } from './handshake-headers.js';
import {
  BlockReader,
  collectXTry,
  contentEncodingOf,
  finishedError,
  offersDeflate,
  protocolFailure,
  replyHeaders,
  resolveOptions,
  unexpected,
  unsupportedEncoding,
  type HandshakeMachineOptions,
  type HandshakeReply,
  type HandshakeStep,
} from './handshake-machine.js';
import type { HandshakeBlock } from './handshake-parse.js';
import { CONNECT_04, writeConnect06, writeResponse06 } from './handshake-write.js';

export interface ClientHandshakeOptions extends HandshakeMachineOptions {
  /** headers of our 0.6 CONNECT (see defaultHandshakeHeaders); ignored with `legacy` */
  readonly headers?: HeaderInit;
  /** speak 0.4: `GNUTELLA CONNECT/0.4\n\n`, expect `GNUTELLA OK\n\n` */
  readonly legacy?: boolean;
  /** accept `GNUTELLA OK` in answer to our 0.6 CONNECT as a 0.4 link (default false) */
  readonly allow04Reply?: boolean;
  /** we run as a leaf: when the peer is an ultrapeer, we are its leaf */
  readonly leaf?: boolean;
  /**
   * Step 3, after the server's 200: accept (200, e.g. with `X-Ultrapeer: False` to demote
   * ourselves) or refuse. Default: `200 OK` without headers. `Content-Encoding` is set by
   * the machine.
   */
  readonly decideFinal?: (serverReply: HandshakeBlock) => HandshakeReply;
}

type State = 'idle' | 'await-reply' | 'finished';

export class ClientHandshake {
  #state: State = 'idle';
  readonly #reader: BlockReader;
  readonly #hello: HandshakeHeaders;
  readonly #legacy: boolean;
  readonly #allow04Reply: boolean;
  readonly #leaf: boolean;
  readonly #decideFinal: (serverReply: HandshakeBlock) => HandshakeReply;
  readonly #compressOutbound: boolean;
  readonly #maxXTry: number;

  constructor(options: ClientHandshakeOptions = {}) {
    const o = resolveOptions(options);
    this.#reader = new BlockReader(o.limits);
    this.#compressOutbound = o.compressOutbound;
    this.#maxXTry = o.maxXTry;
    this.#legacy = options.legacy ?? false;
    this.#hello = this.#legacy ? new HandshakeHeaders() : HandshakeHeaders.from(options.headers ?? []);
    this.#allow04Reply = options.allow04Reply ?? false;
    this.#leaf = options.leaf ?? false;
    this.#decideFinal = options.decideFinal ?? (() => ({ code: 200, reason: 'OK', headers: [] }));
  }

  /** The hello to write once the TCP connection is up. */
  start(): HandshakeStep {
    if (this.#state !== 'idle') throw finishedError();
    this.#state = 'await-reply';
    return { send: this.#legacy ? Buffer.from(CONNECT_04) : writeConnect06(this.#hello) };
  }

  feed(bytes: Uint8Array): HandshakeStep {
    if (this.#state !== 'await-reply') throw finishedError();
    this.#reader.push(bytes);
    let step: HandshakeStep;
    try {
      const r = this.#reader.next();
      if (r.kind === 'need-more') return {};
      step = this.#legacy ? this.#onLegacyReply(r.block) : this.#onReply(r.block);
    } catch (e) {
      step = protocolFailure(e);
    }
    this.#state = 'finished';
    return step;
  }

  #onLegacyReply(block: HandshakeBlock): HandshakeStep {
    if (block.kind === 'ok04') return this.#done04();
    const reason = block.kind === 'response' ? (block.reason ?? '') : 'peer echoed a 0.4 hello';
    return {
      failed: {
        ...(block.code !== undefined ? { code: block.code } : {}),
        reason,
        side: 'remote',
        xTry: collectXTry([block.headers], this.#maxXTry),
      },
    };
  }

  #onReply(block: HandshakeBlock): HandshakeStep {
    if (block.kind === 'ok04') {
      if (this.#allow04Reply) return this.#done04();
      return { failed: { reason: 'gave a 0.4 reply to our 0.6 hello', side: 'protocol', xTry: [] } };
    }
    if (block.kind !== 'response') return unexpected(block, 'a GNUTELLA/0.6 status line');
    const code = block.code as number;
    const xTry = collectXTry([block.headers], this.#maxXTry);
    if (code !== 200) return { failed: { code, reason: block.reason ?? '', side: 'remote', xTry } };
    const inbound = contentEncodingOf(block.headers);
    if (inbound === undefined) return unsupportedEncoding(block.headers);

    const reply = this.#decideFinal(block);
    const final = replyHeaders(reply, block.headers, this.#compressOutbound);
    const send = writeResponse06(reply.code, reply.reason, final);
    if (reply.code !== 200) {
      return { send, failed: { code: reply.code, reason: reply.reason, side: 'local', xTry } };
    }
    const ours = HandshakeHeaders.from(this.#hello).override(final);
    const remoteUltrapeer = block.headers.isTrue('X-Ultrapeer');
    return {
      send,
      done: {
        version: '0.6',
        remoteHeaders: block.headers,
        ourFinalHeaders: ours,
        rest: this.#reader.takeRest(),
        compressIn: inbound === 'deflate',
        compressOut: offersDeflate(block.headers) && contentEncodingOf(final) === 'deflate',
        remoteUltrapeer,
        weAreLeaf: ours.isFalse('X-Ultrapeer') || (this.#leaf && remoteUltrapeer),
      },
    };
  }

  #done04(): HandshakeStep {
    return {
      done: {
        version: '0.4',
        remoteHeaders: new HandshakeHeaders(),
        ourFinalHeaders: new HandshakeHeaders(),
        rest: this.#reader.takeRest(),
        compressIn: false,
        compressOut: false,
        remoteUltrapeer: false,
        weAreLeaf: false,
      },
    };
  }
}
