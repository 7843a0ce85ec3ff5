/**
 * The accepting side of a handshake, sans-IO: feed() takes what the dialer wrote and says
 * what to answer. The servent decides accept/refuse in `decide` (slots, roles, X-Try).
 *
 *   CONNECT/0.6+ ─► decide ─ 200 ─► reply ─► await step 3 ─ 200 ─► done
 *                         └ other ─► reply (e.g. 503 + X-Try-Ultrapeers) ─► failed
 *   CONNECT/0.4 ─► (accept04 and decide 200) ─► `GNUTELLA OK\n\n` ─► done; else silent close
 *
 * Higher versions (CONNECT/0.7, …) are answered as 0.6 (wire §2.2). A hello over a size
 * limit is answered `413` before failing, as gtk-gnutella does; other garbage gets no reply.
 */
import { ProtocolError } from '../core/errors.js';
import { HandshakeHeaders } from './handshake-headers.js';
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
  versionAtLeast06,
  type HandshakeMachineOptions,
  type HandshakeReply,
  type HandshakeStep,
} from './handshake-machine.js';
import { HandshakeErrorCode, type HandshakeBlock } from './handshake-parse.js';
import { OK_04, writeResponse06 } from './handshake-write.js';

export interface ServerHandshakeOptions extends HandshakeMachineOptions {
  /**
   * Accept or refuse the dialer's hello. For 0.6 the reply is sent as step 2
   * (`Content-Encoding` is set by the machine); for 0.4 only the code matters.
   */
  readonly decide: (remoteHello: HandshakeBlock) => HandshakeReply;
  /** answer `GNUTELLA CONNECT/0.4` with `GNUTELLA OK` (default false: close silently) */
  readonly accept04?: boolean;
}

type State = 'await-hello' | 'await-final' | 'finished';

export class ServerHandshake {
  #state: State = 'await-hello';
  readonly #reader: BlockReader;
  readonly #decide: (remoteHello: HandshakeBlock) => HandshakeReply;
  readonly #accept04: boolean;
  readonly #compressOutbound: boolean;
  readonly #maxXTry: number;
  #hello: HandshakeBlock | undefined;
  #ourReply: HandshakeHeaders | undefined;

  constructor(options: ServerHandshakeOptions) {
    const o = resolveOptions(options);
    this.#reader = new BlockReader(o.limits);
    this.#compressOutbound = o.compressOutbound;
    this.#maxXTry = o.maxXTry;
    this.#decide = options.decide;
    this.#accept04 = options.accept04 ?? false;
  }

  feed(bytes: Uint8Array): HandshakeStep {
    if (this.#state === 'finished') throw finishedError();
    this.#reader.push(bytes);
    let step: HandshakeStep;
    let send: Buffer | undefined;
    try {
      if (this.#state === 'await-hello') {
        const r = this.#reader.next();
        if (r.kind === 'need-more') return {};
        step = this.#onHello(r.block);
        // a pipelining dialer may already have sent its step 3 in the same bytes
        if (step.done === undefined && step.failed === undefined) {
          send = step.send;
          step = this.#tryFinal();
          if (step.done === undefined && step.failed === undefined) return send ? { send } : {};
        }
      } else {
        step = this.#tryFinal();
        if (step.done === undefined && step.failed === undefined) return step;
      }
    } catch (e) {
      step = this.#state === 'await-hello' ? helloFailure(e) : protocolFailure(e);
    }
    this.#state = 'finished';
    return send !== undefined ? { ...step, send: Buffer.concat([send, step.send ?? Buffer.alloc(0)]) } : step;
  }

  #onHello(hello: HandshakeBlock): HandshakeStep {
    if (hello.kind !== 'connect') return unexpected(hello, 'GNUTELLA CONNECT');
    this.#hello = hello;
    if (hello.version === '0.4') return this.#onHello04(hello);
    if (!versionAtLeast06(hello.version)) {
      return { failed: { reason: `unsupported version ${hello.version}`, side: 'protocol', xTry: [] } };
    }
    if (contentEncodingOf(hello.headers) === undefined) return unsupportedEncoding(hello.headers);
    const reply = this.#decide(hello);
    const headers = replyHeaders(reply, hello.headers, this.#compressOutbound);
    const send = writeResponse06(reply.code, reply.reason, headers);
    if (reply.code !== 200) {
      const xTry = collectXTry([hello.headers], this.#maxXTry);
      return { send, failed: { code: reply.code, reason: reply.reason, side: 'local', xTry } };
    }
    this.#ourReply = headers;
    this.#state = 'await-final';
    return { send };
  }

  #onHello04(hello: HandshakeBlock): HandshakeStep {
    if (!this.#accept04) return { failed: { reason: '0.4 handshakes are refused', side: 'local', xTry: [] } };
    const reply = this.#decide(hello);
    if (reply.code !== 200)
      return { failed: { code: reply.code, reason: reply.reason, side: 'local', xTry: [] } };
    return {
      send: Buffer.from(OK_04),
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

  #tryFinal(): HandshakeStep {
    const r = this.#reader.next();
    if (r.kind === 'need-more') return {};
    const final = r.block;
    const hello = this.#hello as HandshakeBlock;
    const ours = this.#ourReply as HandshakeHeaders;
    if (final.kind !== 'response') return unexpected(final, 'a GNUTELLA/0.6 status line');
    const code = final.code as number;
    if (code !== 200) {
      const xTry = collectXTry([final.headers, hello.headers], this.#maxXTry);
      return { failed: { code, reason: final.reason ?? '', side: 'remote', xTry } };
    }
    const inbound = contentEncodingOf(final.headers);
    if (inbound === undefined) return unsupportedEncoding(final.headers);
    const remote = HandshakeHeaders.fromParsedLines(hello.headers.lines()).override(final.headers);
    return {
      done: {
        version: '0.6',
        remoteHeaders: remote,
        ourFinalHeaders: ours,
        rest: this.#reader.takeRest(),
        compressIn: inbound === 'deflate',
        compressOut: offersDeflate(hello.headers) && contentEncodingOf(ours) === 'deflate',
        remoteUltrapeer: remote.isTrue('X-Ultrapeer'),
        weAreLeaf: ours.isFalse('X-Ultrapeer'),
      },
    };
  }
}

/** Over-limit hellos get gtk-gnutella's `413` before the close; other garbage gets nothing. */
function helloFailure(e: unknown): HandshakeStep {
  const step = protocolFailure(e);
  const error = step.failed?.error;
  if (!(error instanceof ProtocolError)) return step;
  const tooBig: string[] = [
    HandshakeErrorCode.LINE_TOO_LONG,
    HandshakeErrorCode.TOO_MANY_HEADERS,
    HandshakeErrorCode.BLOCK_TOO_LARGE,
  ];
  if (!tooBig.includes(error.code)) return step;
  const reason =
    error.code === HandshakeErrorCode.LINE_TOO_LONG ? 'Header line too long' : 'Too many headers';
  return { ...step, send: writeResponse06(413, reason, []) };
}
