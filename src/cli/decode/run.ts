/**
 * `servent decode` without yargs or process globals: inputs come through `DecodeIo`, the
 * exit status is returned. Output: one JSON object per descriptor per line on stdout; on
 * malformed input, what decoded before the fault, then one line on stderr naming the byte
 * offset and the error code, and status 2. Status 1: an input could not be read.
 */
import { ProtocolError } from '../../core/errors.js';
import { readTcpConversations, type TcpConversation } from '../../protocol/pcap.js';
import type { DescriptorRecord } from './describe.js';
import {
  DecodeFaultCode,
  decodeDescriptorStream,
  parseHexText,
  type DecodeFault,
} from './descriptor-stream.js';
import { inflateLinkStream } from './inflate.js';
import { planConversation } from './pcap-streams.js';

export interface TextSink {
  write(text: string): unknown;
}

export interface DecodeIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readFile(path: string): Promise<Buffer>;
  readStdin(): Promise<Buffer>;
}

export interface DecodeRequest {
  /** files to decode in order; empty or `-` = standard input */
  readonly files: readonly string[];
  /** the input is hex text (whitespace ignored) */
  readonly hex: boolean;
  /** the input is a pcap capture: decode its Gnutella TCP streams */
  readonly pcap: boolean;
}

export const EXIT_OK = 0;
export const EXIT_UNREADABLE = 1;
export const EXIT_MALFORMED = 2;

class Printer {
  readonly #lines: string[] = [];
  constructor(readonly sink: TextSink) {}
  add(record: DescriptorRecord): void {
    this.#lines.push(JSON.stringify(record));
    // flush in batches: a large capture yields many lines
    if (this.#lines.length >= 1000) this.flush();
  }
  flush(): void {
    if (this.#lines.length === 0) return;
    this.sink.write(`${this.#lines.join('\n')}\n`);
    this.#lines.length = 0;
  }
}

export async function runDecode(req: DecodeRequest, io: DecodeIo): Promise<number> {
  const sources = req.files.length === 0 ? ['-'] : req.files;
  const out = new Printer(io.stdout);
  for (const source of sources) {
    const name = source === '-' ? 'stdin' : source;
    let input: Buffer;
    try {
      input = source === '-' ? await io.readStdin() : await io.readFile(source);
    } catch (e) {
      out.flush();
      io.stderr.write(`servent decode: ${name}: cannot read: ${(e as Error).message}\n`);
      return EXIT_UNREADABLE;
    }
    let failure: { where: string; fault: DecodeFault } | undefined;
    let bytes = input;
    if (req.hex) {
      const parsed = parseHexText(input.toString('latin1'));
      if ('fault' in parsed) failure = { where: name, fault: parsed.fault };
      else bytes = parsed.bytes;
    }
    if (failure === undefined) {
      failure = req.pcap
        ? await decodePcap(bytes, name, out)
        : wrap(
            name,
            decodeDescriptorStream(bytes, (r) => out.add(r)),
          );
    }
    out.flush();
    if (failure !== undefined) {
      const f = failure.fault;
      io.stderr.write(`servent decode: ${failure.where}: offset ${f.offset}: ${f.code}: ${f.message}\n`);
      return EXIT_MALFORMED;
    }
  }
  out.flush();
  return EXIT_OK;
}

function wrap(
  where: string,
  fault: DecodeFault | undefined,
): { where: string; fault: DecodeFault } | undefined {
  return fault === undefined ? undefined : { where, fault };
}

/**
 * Conversations in order of their first packet; in each, client→server then
 * server→client. Offsets in faults are TCP stream offsets of that direction, or offsets
 * in the inflated stream when the direction was compressed (the message says so).
 */
async function decodePcap(
  bytes: Buffer,
  name: string,
  out: Printer,
): Promise<{ where: string; fault: DecodeFault } | undefined> {
  let capture;
  try {
    capture = readTcpConversations(bytes, undefined, { allowTruncatedEnd: true });
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return { where: name, fault: { offset: e.offset ?? 0, code: e.code, message: e.message } };
  }
  // A capture cut inside a record (tcpdump killed) still yields what came before it; the
  // cut, not the descriptor it happens to split, is the fault to report.
  const cut = capture.truncated;
  const cutFault =
    cut === undefined
      ? undefined
      : { where: name, fault: { offset: cut.offset ?? 0, code: cut.code, message: cut.message } };
  const fault = await decodeConversations(capture.conversations, name, out);
  return cutFault ?? fault;
}

async function decodeConversations(
  conversations: readonly TcpConversation[],
  name: string,
  out: Printer,
): Promise<{ where: string; fault: DecodeFault } | undefined> {
  for (const conversation of conversations) {
    const plan = planConversation(conversation);
    if (plan.kind === 'skip') continue;
    if (plan.kind === 'fault') return { where: `${name}: ${plan.stream}`, fault: plan.fault };
    for (const dir of plan.directions) {
      const where = `${name}: ${dir.stream}`;
      const emit = (r: DescriptorRecord): void => out.add({ ...r, stream: dir.stream });
      if (!dir.deflate) {
        const fault = decodeDescriptorStream(dir.binary, emit);
        if (fault !== undefined) return { where, fault: { ...fault, offset: fault.offset + dir.offset } };
        continue;
      }
      const inflated = await inflateLinkStream(dir.binary);
      const fault = decodeDescriptorStream(inflated.out, emit);
      // a stream cut by a zlib error ends mid-descriptor: the zlib error is the cause
      const cutByZlib = inflated.fault !== undefined && fault?.code === DecodeFaultCode.TRUNCATED;
      if (fault !== undefined && !cutByZlib) {
        return { where, fault: { ...fault, message: `${fault.message} (offset in the inflated stream)` } };
      }
      if (inflated.fault !== undefined) {
        return { where, fault: { ...inflated.fault, offset: inflated.fault.offset + dir.offset } };
      }
    }
  }
  return undefined;
}
