import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildApiApp,
  checkBind,
  defaultApiAddress,
  isLoopbackHost,
  startApiServer,
  TOKEN_COOKIE,
} from '../../src/api/index.js';
import { createSystemClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import type { Servent } from '../../src/servent.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';
import { body } from './helpers.js';

const TOKEN = 'correct-horse-battery-staple';
const clock = createSystemClock();

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as ConfigError).code;
  }
}

describe('binding rule', () => {
  it('loopback names', () => {
    for (const h of ['127.0.0.1', '127.5.6.7', 'localhost', 'LOCALHOST', '::1', '[::1]', 'app.localhost'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [
      '0.0.0.0',
      '::',
      '192.168.1.5',
      '10.0.0.1',
      'example.com',
      '128.0.0.1',
      '::ffff:10.0.0.1',
    ])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses a non-loopback bind without a token, and weak tokens anywhere', () => {
    expect(code(() => checkBind('127.0.0.1', undefined))).toBeUndefined();
    expect(code(() => checkBind('0.0.0.0', undefined))).toBe('E_API_NOT_LOOPBACK');
    expect(code(() => checkBind('192.168.1.5', undefined))).toBe('E_API_NOT_LOOPBACK');
    expect(code(() => checkBind('192.168.1.5', TOKEN))).toBeUndefined();
    expect(code(() => checkBind('127.0.0.1', 'short'))).toBe('E_API_WEAK_TOKEN');
  });

  it('default address: listen port + 1000 on loopback; ephemeral when that cannot be', () => {
    expect(defaultApiAddress({ host: '127.0.0.1', port: 6346 })).toEqual({ host: '127.0.0.1', port: 7346 });
    expect(defaultApiAddress({ host: '127.0.0.1', port: 6347 })).toEqual({ host: '127.0.0.1', port: 7347 });
    expect(defaultApiAddress({ host: '0.0.0.0', port: 6346 })).toEqual({ host: '127.0.0.1', port: 7346 });
    expect(defaultApiAddress({ host: '127.0.0.1', port: 0 })).toEqual({ host: '127.0.0.1', port: 0 });
    expect(defaultApiAddress({ host: '127.0.0.1', port: 65000 })).toEqual({ host: '127.0.0.1', port: 0 });
  });
});

describe('the token and the host rule', () => {
  let tn: Testnet;
  let servent: Servent;
  beforeAll(async () => {
    tn = await createTestnet(1, { transport: 'memory' });
    servent = tn.servents[0]!;
  });
  afterAll(() => tn.close());

  it('startApiServer refuses 0.0.0.0 without a token before binding anything', async () => {
    const err = await startApiServer({ servent, clock, log: silentLogger, host: '0.0.0.0', port: 0 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('E_API_NOT_LOOPBACK');
  });

  it('with a token: 401 without it or with a wrong one; Bearer, ?token= and the cookie pass', async () => {
    const app = await buildApiApp({ servent, clock, log: silentLogger, token: TOKEN });
    try {
      const none = await app.inject({ method: 'GET', url: '/api/status' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(body<{ error: { code: string } }>(none).error.code).toBe('E_API_UNAUTHORIZED');
      for (const headers of [
        { authorization: 'Bearer wrong-token-wrong-token' },
        { authorization: `Basic ${TOKEN}` },
      ]) {
        expect((await app.inject({ method: 'GET', url: '/api/status', headers })).statusCode).toBe(401);
      }
      expect((await app.inject({ method: 'GET', url: '/api/status?token=nope' })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/js/main.js' })).statusCode).toBe(401);

      const ok = await app.inject({
        method: 'GET',
        url: '/api/status',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: `/api/status?token=${TOKEN}` })).statusCode).toBe(200);
      // the page loaded with ?token= sets an HttpOnly, SameSite=Strict cookie for its assets
      const page = await app.inject({ method: 'GET', url: `/?token=${TOKEN}` });
      const cookie = String(page.headers['set-cookie']);
      expect(cookie).toContain(`${TOKEN_COOKIE}=${TOKEN}`);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      const asset = await app.inject({
        method: 'GET',
        url: '/api/peers',
        headers: { cookie: `other=1; ${TOKEN_COOKIE}=${TOKEN}` },
      });
      expect(asset.statusCode).toBe(200);
      // with a token, any Host is fine
      const lan = await app.inject({
        method: 'GET',
        url: '/api/status',
        headers: { host: '192.168.1.5:7346', authorization: `Bearer ${TOKEN}` },
      });
      expect(lan.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('without a token: only loopback Host names are answered (DNS rebinding)', async () => {
    const app = await buildApiApp({ servent, clock, log: silentLogger });
    try {
      for (const host of ['127.0.0.1:7346', 'localhost:7346', '[::1]:7346', 'localhost'])
        expect(
          (await app.inject({ method: 'GET', url: '/api/status', headers: { host } })).statusCode,
          host,
        ).toBe(200);
      for (const host of ['evil.example:7346', '192.168.1.5:7346', 'evil.example']) {
        const res = await app.inject({ method: 'GET', url: '/api/status', headers: { host } });
        expect(res.statusCode, host).toBe(403);
        expect(body<{ error: { code: string } }>(res).error.code).toBe('E_API_FORBIDDEN');
      }
    } finally {
      await app.close();
    }
  });

  it('refuses cross-origin writes, accepts same-origin ones', async () => {
    const app = await buildApiApp({ servent, clock, log: silentLogger });
    try {
      const post = (origin: string) =>
        app.inject({
          method: 'POST',
          url: '/api/hosts',
          headers: { host: '127.0.0.1:7346', origin },
          payload: { host: '127.0.0.50', port: 6346 },
        });
      expect((await post('http://evil.example')).statusCode).toBe(403);
      expect((await post('null')).statusCode).toBe(403);
      expect((await post('http://127.0.0.1:7346')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('startApiServer with a token serves on loopback and prints the page address with the token', async () => {
    const srv = await startApiServer({
      servent,
      clock,
      log: silentLogger,
      token: TOKEN,
      host: '127.0.0.1',
      port: 0,
    });
    try {
      expect(srv.url).toBe(`http://127.0.0.1:${srv.port}/?token=${TOKEN}`);
      const res = await fetch(`http://127.0.0.1:${srv.port}/api/status`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${srv.port}/api/status`)).status).toBe(401);
    } finally {
      await srv.close();
    }
  });

  it('takes the next free port when the default one is busy; an explicit busy port is an error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as AddressInfo).port;
    try {
      const shifted: Servent = {
        ...servent,
        config: { ...servent.config, listen: { host: '127.0.0.1', port: busy - 1000 } },
        address: () => ({ ip: '127.0.0.1', port: busy - 1000 }),
      };
      const srv = await startApiServer({ servent: shifted, clock, log: silentLogger });
      try {
        expect(srv.port).toBeGreaterThan(busy);
        expect(srv.port).toBeLessThan(busy + 10);
      } finally {
        await srv.close();
      }
      const err = await startApiServer({
        servent,
        clock,
        log: silentLogger,
        host: '127.0.0.1',
        port: busy,
      }).catch((e: unknown) => e);
      expect((err as ConfigError).code).toBe('E_API_LISTEN');
    } finally {
      blocker.close();
    }
  });
});
