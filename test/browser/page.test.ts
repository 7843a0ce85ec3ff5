/**
 * The web page in a real browser: Debian's Chromium driven by playwright-core. Three
 * servents on loopback TCP in a line (A – B – C); the page is A's. From the page: search,
 * see B's and C's files (one of them held by both, so two sources), select it, get it,
 * watch the download reach 100 % and verify. Screenshots are kept under out/browser/.
 *
 * Skips when /usr/bin/chromium is missing (apt-get install chromium; .ci/run does it).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../src/api/index.js';
import type { ApiServer } from '../../src/api/index.js';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = resolve('out/browser');

/** Deterministic, incompressible-looking content of `n` bytes. */
function content(seed: number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const MAPLE = content(1, 3_000_000);
const FILES: Record<number, Record<string, Buffer | string>> = {
  0: { 'notes.txt': 'our own notes' },
  1: {
    'Scott Joplin - Maple Leaf Rag 192kbps.mp3': MAPLE,
    'Scott Joplin - The Entertainer 320kbps.mp3': content(2, 420_000),
    'Joplin - Solace (piano roll).ogg': content(3, 310_000),
    'books/Joplin biography.pdf': content(4, 95_000),
  },
  2: {
    'ragtime/Scott Joplin - Maple Leaf Rag 192kbps.mp3': MAPLE,
    'ragtime/Scott Joplin - Elite Syncopations 128kbps.mp3': content(5, 260_000),
    'Joplin ragtime collection.zip': content(6, 1_200_000),
  },
};

if (!HAVE_CHROMIUM) {
  console.warn(`test/browser: skipped, ${CHROMIUM} not found (apt-get install chromium)`);
}

describe.skipIf(!HAVE_CHROMIUM)(`web page in Chromium (${CHROMIUM})`, () => {
  let net: Testnet;
  let api: ApiServer;
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;
  let downloads: string;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    profile = await mkdtemp(join(tmpdir(), 'servent-chromium-'));
    downloads = await mkdtemp(join(tmpdir(), 'servent-page-dl-'));
    net = await createTestnet(3, { transport: 'tcp', topology: 'line', files: (i) => FILES[i] ?? {} });
    await net.waitConnected();
    api = await startApiServer({
      servent: net.servents[0]!,
      clock: createSystemClock(),
      log: silentLogger,
      host: '127.0.0.1',
      port: 0,
      downloadDir: downloads,
    });
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 800 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await ctx?.close();
    await api?.close();
    await net?.close();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
    if (downloads !== undefined) await rm(downloads, { recursive: true, force: true });
  });

  it('searches from the page, gets a file held by two servents, and watches it finish', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(api.url);
    await expect.poll(() => page.textContent('#status')).toContain('1 peer · sharing 1 file (13 B)');

    // keyboard: the search box has focus; type and press Enter
    await page.keyboard.type('joplin');
    await page.keyboard.press('Enter');
    const rows = page.locator('#results tbody tr[data-key]');
    await expect.poll(() => rows.count()).toBe(7);
    await expect.poll(() => page.textContent('#search-summary')).toContain('7 results, 6 files');

    const maple = rows.filter({ hasText: 'Maple Leaf Rag' });
    await expect.poll(() => maple.count()).toBe(2);
    // Sources column: both holders of the same urn; Type and Bitrate guessed from the name
    await expect.poll(() => maple.first().locator('td').nth(5).textContent()).toBe('2');
    expect(await maple.first().locator('td').nth(3).textContent()).toBe('audio · mp3');
    expect(await maple.first().locator('td').nth(4).textContent()).toBe('192 kbps');

    // sort by size, descending: the 3 MB Maple Leaf Rag comes first
    await page.click('#results th >> text=Size');
    await page.click('#results th >> text=Size');
    expect(await rows.first().locator('td').nth(1).textContent()).toContain('Maple Leaf Rag');
    expect(await page.getAttribute('#results th:nth-child(3)', 'aria-sort')).toBe('descending');

    // filter, then select with the keyboard: focus the first row, Space
    await page.fill('#results-filter', 'maple');
    await expect.poll(() => rows.count()).toBe(2);
    await rows.first().focus();
    await page.keyboard.press('Space');
    expect(await rows.first().getAttribute('aria-selected')).toBe('true');
    await page.fill('#results-filter', '');
    await expect.poll(() => rows.count()).toBe(7);
    await rows.first().focus();
    await page.screenshot({ path: join(ARTIFACTS, 'search.png') });
    console.log(`test/browser: screenshot ${join(ARTIFACTS, 'search.png')}`);

    await page.click('#get-selected');
    await expect.poll(() => page.textContent('#toast')).toContain('1 download started');

    await page.click('#tab-transfers');
    const dl = page.locator('#downloads tbody tr[data-key]');
    await expect.poll(() => dl.count()).toBe(1);
    await expect
      .poll(() => dl.first().locator('progress').getAttribute('value'), { timeout: 15_000 })
      .toBe('100');
    await expect.poll(() => dl.first().textContent(), { timeout: 15_000 }).toContain('done ✓ verified');
    expect(await dl.first().locator('td').nth(5).textContent()).toMatch(/^\d \/ 2$/); // both holders known
    await page.screenshot({ path: join(ARTIFACTS, 'transfers.png') });

    const file = await readFile(join(downloads, 'Scott Joplin - Maple Leaf Rag 192kbps.mp3'));
    expect(file.equals(MAPLE)).toBe(true);

    // the network view draws us and our one neighbour
    await page.click('#tab-network');
    await expect.poll(() => page.locator('#overlay circle').count()).toBe(2);
    await expect.poll(() => page.locator('#peers tbody tr[data-key]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'network.png') });

    // the library lists our own file with its urn
    await page.click('#tab-library');
    await expect.poll(() => page.textContent('#library')).toMatch(/notes\.txt[\s\S]*urn:sha1:[A-Z2-7]{32}/);

    expect(errors).toEqual([]);
  });

  it('with a token: the page opened from the printed address works through its cookie, and hides the token', async () => {
    const token = 'browser-test-token-0123456789';
    const guarded = await startApiServer({
      servent: net.servents[0]!,
      clock: createSystemClock(),
      log: silentLogger,
      host: '127.0.0.1',
      port: 0,
      token,
      downloadDir: downloads,
    });
    try {
      const p = await ctx.newPage();
      const bare = await p.goto(`http://127.0.0.1:${guarded.port}/`);
      expect(bare?.status()).toBe(401);
      await p.goto(guarded.url);
      await expect.poll(() => p.textContent('#status')).toContain('1 peer');
      expect(p.url()).toBe(`http://127.0.0.1:${guarded.port}/`);
      await p.fill('#search-text', 'entertainer');
      await p.press('#search-text', 'Enter');
      await expect.poll(() => p.locator('#results tbody tr[data-key]').count()).toBe(1);
      await p.close();
    } finally {
      await guarded.close();
    }
  });
});
