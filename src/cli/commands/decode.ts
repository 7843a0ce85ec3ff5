/**
 * `servent decode [FILE ...]`: print the Gnutella descriptors in files (or stdin), one
 * JSON object per line. Input is raw descriptors by default, hex text with --hex, or a
 * pcap capture with --pcap (each Gnutella TCP stream: handshake skipped, inflated when
 * negotiated). Malformed input: what decoded first, then one stderr line with the byte
 * offset and the error code, exit status 2.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { runDecode, type DecodeIo } from '../decode/index.js';

/** Inputs are read whole (a pcap needs random access); larger ones are refused. */
export const MAX_INPUT_BYTES = 1024 * 1024 * 1024;

type DecodeArgs = { files: string[]; hex: boolean; pcap: boolean };

async function readBounded(path: string): Promise<Buffer> {
  const s = await stat(path);
  if (s.size > MAX_INPUT_BYTES) throw new Error(`larger than ${MAX_INPUT_BYTES} bytes`);
  return readFile(path);
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > MAX_INPUT_BYTES) throw new Error(`larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function processDecodeIo(): DecodeIo {
  return { stdout: process.stdout, stderr: process.stderr, readFile: readBounded, readStdin };
}

export const decodeCommand: CommandModule<object, DecodeArgs> = {
  command: 'decode [files..]',
  describe: 'print the Gnutella descriptors in files, hex text or a pcap, one JSON object per line',
  builder: (y: Argv): Argv<DecodeArgs> =>
    y
      .positional('files', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'input files; none or "-" reads standard input',
      })
      .option('hex', {
        type: 'boolean',
        default: false,
        describe: 'the input is hex text (whitespace ignored)',
      })
      .option('pcap', {
        type: 'boolean',
        default: false,
        describe: 'the input is a pcap capture: decode its Gnutella TCP streams',
      })
      .example('$0 decode d0001.bin', 'one descriptor file')
      .example('echo "0001…" | $0 decode --hex', 'hex from stdin')
      .example(
        '$0 decode --pcap capture.pcap',
        'every Gnutella stream of a capture',
      ) as unknown as Argv<DecodeArgs>,
  handler: async (argv: ArgumentsCamelCase<DecodeArgs>) => {
    // `servent decode … | head` closes stdout early: that is not an error
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
    process.exitCode = await runDecode(
      { files: argv.files, hex: argv.hex, pcap: argv.pcap },
      processDecodeIo(),
    );
  },
};
