import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiApp } from '../../src/api/index.js';
import { createSystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createTestnet } from '../../src/testnet.js';
import type { Testnet } from '../../src/testnet.js';
import type { FastifyInstance } from 'fastify';
import { body } from './helpers.js';

type Err = { error: { code: string; message: string } };

const HIT = {
  holder: { ip: '127.0.0.2', port: 6346, serventId: '0123456789abcdef0123456789abcdef', needsPush: false },
  file: { index: 1, name: 'a.mp3', size: 10 },
  hops: 1,
  backend: 'flood',
};

describe('request validation: bad input is a 400 that names the field', () => {
  let tn: Testnet;
  let app: FastifyInstance;
  beforeAll(async () => {
    tn = await createTestnet(1, { transport: 'memory' });
    app = await buildApiApp({ servent: tn.servents[0]!, clock: createSystemClock(), log: silentLogger });
  });
  afterAll(async () => {
    await app.close();
    await tn.close();
  });

  const cases: Array<[string, string, unknown, RegExp]> = [
    ['POST', '/api/searches', { text: { words: 'abc' } }, /body\/text must be string/],
    ['POST', '/api/searches', { text: 'abc', ttl: 'two' }, /body\/ttl must be integer/],
    ['POST', '/api/searches', { text: 'abc', ttl: 0 }, /body\/ttl must be >= 1/],
    ['POST', '/api/searches', { text: 'abc', ttl: 2.5 }, /body\/ttl must be integer/],
    ['POST', '/api/searches', { text: 'abc', timeoutS: 0 }, /body\/timeoutS must be > 0/],
    ['POST', '/api/searches', { text: 'x'.repeat(257) }, /body\/text must NOT have more than 256 characters/],
    ['POST', '/api/searches', { text: 'abc', colour: 'red' }, /body must NOT have additional properties/],
    ['POST', '/api/searches', { text: 'abc', urn: 'urn:sha1:nope' }, /not a urn:sha1/],
    ['POST', '/api/hosts', { host: 'example.com', port: 6346 }, /body\/host must match format "ipv4"/],
    ['POST', '/api/hosts', { host: '127.0.0.2', port: 70000 }, /body\/port must be <= 65535/],
    ['POST', '/api/hosts', { port: 6346 }, /body must have required property 'host'/],
    ['POST', '/api/downloads', { hit: { ...HIT, holder: { ...HIT.holder, serventId: 'xyz' } } }, /serventId/],
    ['POST', '/api/downloads', { hit: { ...HIT, file: { index: -1, name: 'a', size: 1 } } }, /index/],
    ['POST', '/api/downloads', { search: 'abc', hit: 1 }, /body\/search must match pattern/],
    ['POST', '/api/downloads', { target: '' }, /body\/target must NOT have fewer than 1 characters/],
    ['GET', '/api/library?limit=5000', undefined, /querystring\/limit must be <= 1000/],
    ['GET', '/api/library?offset=-1', undefined, /querystring\/offset must be >= 0/],
    ['GET', '/api/searches/abc', undefined, /params\/id must match pattern/],
    ['GET', '/api/downloads/1x', undefined, /params\/id must match pattern/],
  ];
  for (const [method, url, payload, message] of cases) {
    it(`${method} ${url} ${payload === undefined ? '' : JSON.stringify(payload).slice(0, 60)}`, async () => {
      const res = await app.inject({
        method: method as 'GET' | 'POST',
        url,
        ...(payload !== undefined ? { payload: payload as object } : {}),
      });
      expect(res.statusCode).toBe(400);
      const e = body<Err>(res).error;
      expect(e.code).toBe('E_API_BAD_REQUEST');
      expect(e.message).toMatch(message);
    });
  }

  it('malformed JSON, a non-JSON body and an oversized body', async () => {
    const broken = await app.inject({
      method: 'POST',
      url: '/api/searches',
      headers: { 'content-type': 'application/json' },
      payload: '{"text": ',
    });
    expect(broken.statusCode).toBe(400);
    expect(body<Err>(broken).error.code).toBe('E_API_BAD_REQUEST');
    const form = await app.inject({
      method: 'POST',
      url: '/api/searches',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'text=abc',
    });
    expect(form.statusCode).toBe(415);
    expect(body<Err>(form).error).toMatchObject({ code: 'E_API_UNSUPPORTED_MEDIA' });
    const big = await app.inject({
      method: 'POST',
      url: '/api/downloads',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ target: 'x'.repeat(70_000) }),
    });
    expect(big.statusCode).toBe(413);
    expect(body<Err>(big).error.code).toBe('E_API_TOO_LARGE');
  });
});
