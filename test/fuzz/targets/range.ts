/**
 * Target `range`: the bytes (as Latin-1 text) of an HTTP `Range` header value, given to
 * the upload side's parser and to the 200/206/416 decision for files of several sizes.
 * The parser reports errors as values, so the oracle is: no exception at all, and every
 * 206 range lies inside the file. Generation: headers built from a model (unit, specs,
 * blanks, empty list elements) must get exactly the decision the model predicts.
 */
import fc from 'fast-check';
import { DEFAULT_RANGE_CAPS, decideRange, parseRangeHeader } from '../../../src/transfer/upload/range.js';
import type { RangeDecision } from '../../../src/transfer/upload/range.js';
import type { FuzzTarget, GeneratedInput } from '../lib/target.js';
import { violation } from '../lib/target.js';

const SIZES = [0, 1, 2, 1000, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];

function checkDecision(header: string, size: number, d: RangeDecision): void {
  if (d.kind === 'full')
    violation('full', `a Range header got a 200: ${JSON.stringify(header.slice(0, 80))}`);
  if (d.kind !== 'partial') return;
  const { start, end } = d.range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= size) {
    violation('bounds', `range ${start}-${end} for a file of ${size} bytes`);
  }
}

function run(input: Buffer): void {
  const header = input.toString('latin1');
  const parsed = parseRangeHeader(header);
  if (parsed.ok) {
    if (parsed.specs.length === 0 || parsed.specs.length > DEFAULT_RANGE_CAPS.maxRanges)
      violation('specs', `${parsed.specs.length} specs`);
    for (const s of parsed.specs) {
      const nums = s.kind === 'suffix' ? [s.length] : [s.start, ...(s.end === undefined ? [] : [s.end])];
      if (!nums.every((n) => Number.isSafeInteger(n) && n >= 0)) violation('number', JSON.stringify(s));
      if (s.kind === 'span' && s.end !== undefined && s.end < s.start) violation('order', JSON.stringify(s));
    }
  }
  for (const size of SIZES) checkDecision(header, size, decideRange(header, size));
}

// ---- generation: a header model and the decision it must get

type SpecModel =
  | { kind: 'span'; a: string; b: string }
  | { kind: 'open'; a: string }
  | { kind: 'suffix'; n: string }
  | { kind: 'empty' }
  | { kind: 'junk'; text: string };

const digits = fc.oneof(
  fc.integer({ min: 0, max: 2000 }).map(String),
  fc.stringMatching(/^[0-9]{1,15}$/),
  fc.stringMatching(/^[0-9]{16,20}$/), // too many digits: a syntax error
);
const blank = fc.constantFrom('', ' ', '\t', '  ');
const spec: fc.Arbitrary<SpecModel> = fc.oneof(
  fc.record({ kind: fc.constant('span' as const), a: digits, b: digits }),
  fc.record({ kind: fc.constant('open' as const), a: digits }),
  fc.record({ kind: fc.constant('suffix' as const), n: digits }),
  fc.constant({ kind: 'empty' as const }),
  fc.record({
    kind: fc.constant('junk' as const),
    text: fc.constantFrom('x', '1-2-3', '-', '--5', 'a-b', '5x-6'),
  }),
);
interface HeaderModel {
  unit: string;
  specs: Array<[SpecModel, string, string]>;
  pad: number;
}
const headerModel: fc.Arbitrary<HeaderModel> = fc.record({
  unit: fc.constantFrom('bytes', 'BYTES', ' bytes ', 'Bytes', 'byte', 'items', ''),
  specs: fc.array(fc.tuple(spec, blank, blank), { maxLength: 20 }),
  pad: fc.integer({ min: 0, max: 3 }),
});

function number(s: string): number | undefined {
  return s.length >= 1 && s.length <= 15 ? Number(s) : undefined;
}

/** What the header must get for a file of `size` bytes, from the model alone. */
function expected(m: HeaderModel, text: string, size: number): string {
  if (text.length > DEFAULT_RANGE_CAPS.maxHeaderLength) return 'RANGE_TOO_LONG';
  if (m.unit.trim().toLowerCase() !== 'bytes') return 'RANGE_UNIT';
  const ranges: Array<[number, number] | undefined> = [];
  for (const [s] of m.specs) {
    if (s.kind === 'empty') continue;
    if (ranges.length >= DEFAULT_RANGE_CAPS.maxRanges) return 'RANGE_TOO_MANY';
    if (s.kind === 'junk') return 'RANGE_SYNTAX';
    if (s.kind === 'suffix') {
      const n = number(s.n);
      if (n === undefined) return 'RANGE_SYNTAX';
      ranges.push(size > 0 && n > 0 ? [Math.max(0, size - n), size - 1] : undefined);
      continue;
    }
    const a = number(s.a);
    const b = s.kind === 'span' ? number(s.b) : Number.POSITIVE_INFINITY;
    if (a === undefined || b === undefined || b < a) return 'RANGE_SYNTAX';
    ranges.push(a < size ? [a, Math.min(b, size - 1)] : undefined);
  }
  if (ranges.length === 0) return 'RANGE_SYNTAX';
  const first = ranges.find((r) => r !== undefined);
  return first === undefined ? 'RANGE_UNSATISFIABLE' : `${first[0]}-${first[1]}`;
}

function render(m: HeaderModel): string {
  const parts = m.specs.map(([s, l, r]) => {
    const body =
      s.kind === 'span'
        ? `${s.a}${l}-${r}${s.b}`
        : s.kind === 'open'
          ? `${s.a}${l}-`
          : s.kind === 'suffix'
            ? `-${r}${s.n}`
            : s.kind === 'junk'
              ? s.text
              : '';
    return `${l}${body}${r}`;
  });
  return `${m.unit}=${parts.join(',')}${' '.repeat(m.pad)}`;
}

function generate(seed: number, n: number): GeneratedInput[] {
  return fc.sample(headerModel, { seed, numRuns: n }).map((m) => {
    const text = render(m);
    return {
      input: Buffer.from(text, 'latin1'),
      check: () => {
        for (const size of SIZES) {
          const d = decideRange(text, size);
          const got =
            d.kind === 'partial' ? `${d.range.start}-${d.range.end}` : d.kind === 'full' ? 'full' : d.reason;
          const want = expected(m, text, size);
          if (got !== want)
            violation('model', `${JSON.stringify(text)} size ${size}: got ${got}, model says ${want}`);
        }
      },
    };
  });
}

export const rangeTarget: FuzzTarget = {
  name: 'range',
  describe: 'HTTP Range header parser and the 200/206/416 decision',
  seeds: () =>
    [
      'bytes=0-499',
      'bytes=500-999',
      'bytes=-500',
      'bytes=9500-',
      'bytes=0-0,-1',
      'bytes=500-600,601-999',
      'bytes=500-700,601-999',
      'bytes = 0 - 10 , , 20-',
      'bytes=0-',
      'bytes=1234567890123456-',
      'bytes=,,,,0-1',
      'BYTES=0-9',
      'items=0-9',
    ].map((s) => Buffer.from(s, 'latin1')),
  hints: {
    maxBytes: 1400,
    dictionary: [
      'bytes',
      '=',
      '-',
      ',',
      ' ',
      '\t',
      '0',
      '999999999999999',
      '9999999999999999',
      'bytes=',
      ', ',
    ].map((t) => Buffer.from(t, 'latin1')),
  },
  generate,
  run,
  // the parser reports errors as values: any exception is a crash
  expected: () => false,
};
