import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keywords } from '../../src/core/keywords.js';
import { keywordsOfPath } from '../../src/share/index.js';
import type { ShareLibrary } from '../../src/share/index.js';
import { FileTable } from '../../src/share/file-table.js';
import { open, sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
let lib: ShareLibrary;
beforeEach(async () => {
  sb = await sandbox();
  await sb.write('Music/Jazz/Miles Davis - So What.mp3', 'm1');
  await sb.write('Music/Rock/Queen_-_Bohemian.Rhapsody.MP3', 'm2');
  await sb.write('Films/Amélie (2001).mkv', 'f1');
  await sb.write('docs/read-me.txt', 'd1');
  await sb.write('docs/copy.txt', 'd1'); // same content as read-me.txt
  await sb.write('x/a b c.txt', 'abc');
  lib = await open(sb);
  await lib.whenHashed();
});
afterEach(async () => {
  await lib.close();
  await sb.cleanup();
});

const find = (text: string, urns: string[] = []): string[] =>
  lib
    .match({ text, urns })
    .map((f) => f.relPath)
    .sort();

describe('keyword match', () => {
  it('keywordsOfPath applies the keyword rule to the relative path, directories included', () => {
    expect(keywordsOfPath('Music/Jazz/Miles Davis - So What.mp3')).toEqual([
      'music',
      'jazz',
      'miles',
      'davis',
      'so',
      'what',
      'mp3',
    ]);
    expect(lib.files().find((f) => f.name === 'read-me.txt')?.keywords).toEqual([
      'docs',
      'read',
      'me',
      'txt',
    ]);
  });

  it('requires every query word', () => {
    expect(find('miles davis')).toEqual(['Music/Jazz/Miles Davis - So What.mp3']);
    expect(find('miles queen')).toEqual([]);
    expect(find('davis trumpet')).toEqual([]);
  });

  it('ignores case and accents; punctuation separates words', () => {
    expect(find('BOHEMIAN rhapsody mp3')).toEqual(['Music/Rock/Queen_-_Bohemian.Rhapsody.MP3']);
    expect(find('amelie')).toEqual(['Films/Amélie (2001).mkv']);
    expect(find('AMÉLIE 2001')).toEqual(['Films/Amélie (2001).mkv']);
    expect(find('read_me')).toEqual(['docs/read-me.txt']);
    expect(find('queen-bohemian')).toEqual(['Music/Rock/Queen_-_Bohemian.Rhapsody.MP3']);
  });

  it('matches whole words only', () => {
    expect(find('mile')).toEqual([]);
    expect(find('rhapsod')).toEqual([]);
  });

  it('counts directory names as words', () => {
    expect(find('jazz')).toEqual(['Music/Jazz/Miles Davis - So What.mp3']);
    expect(find('music')).toHaveLength(2);
    expect(find('docs txt')).toEqual(['docs/copy.txt', 'docs/read-me.txt']);
  });

  it('ignores 1-character words; empty or 1-char-only queries match nothing', () => {
    expect(find('')).toEqual([]);
    expect(find('    ')).toEqual([]);
    expect(find('a b c')).toEqual([]);
    expect(find('a b c txt x')).toEqual(['docs/copy.txt', 'docs/read-me.txt', 'x/a b c.txt']); // = "txt"
    expect(find('--- ...')).toEqual([]);
  });

  it('matches by urn, any case, and then ignores the text', () => {
    const f = lib.files().find((x) => x.relPath === 'Films/Amélie (2001).mkv');
    const urn = f?.urn as string;
    expect(find('whatever words', [urn.toLowerCase()])).toEqual(['Films/Amélie (2001).mkv']);
    const dup = lib.files().find((x) => x.name === 'copy.txt')?.urn as string;
    expect(find('', [dup])).toEqual(['docs/copy.txt', 'docs/read-me.txt']);
    expect(find('', ['urn:sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'])).toEqual([]);
    // an unusable urn does not hide the text
    expect(find('jazz', ['urn:md5:xyz'])).toEqual(['Music/Jazz/Miles Davis - So What.mp3']);
    expect(lib.byUrn('urn:sha1:nonsense')).toBeUndefined();
  });

  it('honours the limit', () => {
    expect(lib.match({ text: 'txt', urns: [] }, 2)).toHaveLength(2);
    expect(lib.match({ text: 'txt', urns: [] }, 0)).toHaveLength(0);
    expect(lib.match({ text: 'txt', urns: [] })).toHaveLength(3);
  });
});

describe('keyword index agrees with a brute-force scan (property)', () => {
  it('match(q) = files whose path has every query word', () => {
    const seed = 0x5eed_5a1e;
    const vocab = ['rock', 'jazz', 'live', 'Live', 'LIVE', 'mp3', 'ogg', 'été', 'ete', 'a', 'x1', '2001'];
    const word = fc.constantFrom(...vocab);
    const seps = fc.constantFrom(' ', '_', '-', '.', '/', ' (');
    const name = fc.array(fc.tuple(word, seps), { minLength: 1, maxLength: 6 }).map((parts) =>
      parts
        .map(([w, s]) => w + s)
        .join('')
        .replace(/\/+$/, ''),
    );
    const property = fc.property(
      fc.array(name, { minLength: 0, maxLength: 40 }),
      fc.array(word, { minLength: 0, maxLength: 4 }),
      (paths, qwords) => {
        const table = new FileTable();
        paths.forEach((p, i) =>
          table.put(
            { path: '/r/' + p, relPath: p, root: '/r', size: 1, mtimeMs: 0, dev: 1, ino: i, ctimeMs: 0 },
            i + 1,
            undefined,
          ),
        );
        const q = qwords.join(' ');
        const got = table
          .match({ text: q, urns: [] }, 1000)
          .map((f) => f.index)
          .sort((a, b) => a - b);
        const qk = keywords(q);
        const want = paths
          .map((p, i) => ({ i: i + 1, words: new Set(keywords(p)) }))
          .filter((x) => qk.length > 0 && qk.every((w) => x.words.has(w)))
          .map((x) => x.i);
        expect(got).toEqual(want);
      },
    );
    const out = fc.check(property, { seed, numRuns: 300 });
    if (out.failed) throw new Error(`property failed (seed ${seed}): ${fc.defaultReportMessage(out) ?? ''}`);
  });
});
