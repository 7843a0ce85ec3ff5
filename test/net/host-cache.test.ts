import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { HostCache, isDialable } from '../../src/net/host-cache.js';

describe('HostCache', () => {
  it('accepts only dialable unicast IPv4 addresses', () => {
    expect(isDialable('127.0.0.1', 6346)).toBe(true);
    expect(isDialable('0.0.0.0', 6346)).toBe(false);
    expect(isDialable('239.255.255.250', 1900)).toBe(false);
    expect(isDialable('255.255.255.255', 6346)).toBe(false);
    expect(isDialable('127.0.0.1', 0)).toBe(false);
    expect(isDialable('example.org', 6346)).toBe(false);
  });

  it('orders configured hosts first, then fewer failures, then recency; backs off failures', () => {
    const clock = new ManualClock(1000);
    const c = new HostCache({ file: undefined, clock });
    c.add('127.0.0.2', 1, 'pong');
    clock.advance(10);
    c.add('127.0.0.3', 1, 'pong');
    c.add('127.0.0.4', 1, 'config');
    expect(c.candidates(new Set()).map((e) => e.host)).toEqual(['127.0.0.4', '127.0.0.3', '127.0.0.2']);
    c.markTried('127.0.0.4', 1);
    c.markFailed('127.0.0.4', 1);
    expect(c.candidates(new Set()).map((e) => e.host)).toEqual(['127.0.0.3', '127.0.0.2']);
    clock.advance(60_001);
    expect(c.candidates(new Set())[0]?.host).toBe('127.0.0.4');
    expect(c.candidates(new Set(['127.0.0.4:1'])).map((e) => e.host)).not.toContain('127.0.0.4');
  });

  it('stays within its bound, never evicting configured hosts', () => {
    const clock = new ManualClock();
    const c = new HostCache({ file: undefined, clock, maxEntries: 10 });
    c.add('127.0.0.1', 6346, 'config');
    for (let i = 0; i < 100; i++) {
      clock.advance(1);
      c.add(`127.0.1.${i}`, 6346, 'pong');
    }
    expect(c.size).toBe(10);
    expect(c.all().some((e) => e.source === 'config')).toBe(true);
  });

  it('persists and reloads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hc-'));
    const file = join(dir, 'hosts.json');
    const clock = new ManualClock();
    const a = new HostCache({ file, clock });
    a.add('127.0.0.5', 7000, 'x-try');
    await a.save();
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveLength(1);
    const b = new HostCache({ file, clock });
    await b.load();
    expect(b.all().map((e) => `${e.host}:${e.port}`)).toEqual(['127.0.0.5:7000']);
  });
});
