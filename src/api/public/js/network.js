/* global document */
/**
 * The overlay around us: an SVG with this servent in the middle and its neighbours on a
 * circle (solid line: we dialled them; dashed: they dialled us; thicker: more messages),
 * the peers table, the host cache and the router's own counters.
 */
import { api } from './api.js';
import { bytes, count, duration } from './format.js';
import { el, Grid } from './grid.js';
import { toast } from './ui.js';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const addr = (a) => (a ? `${a.ip}:${a.port}` : '?');
const agent = (ua) => (ua || '?').split(/\s+/)[0].slice(0, 22);

function drawOverlay(o) {
  const root = $('overlay');
  const title = root.querySelector('title');
  root.replaceChildren(title);
  const cx = 210;
  const cy = 210;
  const r = 150;
  const n = o.neighbours.length;
  const edges = svg('g');
  const nodes = svg('g');
  o.neighbours.forEach((p, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, n);
    const x = cx + r * Math.cos(a);
    const y = cy + r * Math.sin(a);
    const traffic = p.messagesIn + p.messagesOut;
    const w = 1 + Math.min(6, Math.log10(1 + traffic) * 1.5);
    const line = svg('line', {
      x1: cx,
      y1: cy,
      x2: x,
      y2: y,
      class: `edge ${p.direction}`,
      'stroke-width': w.toFixed(1),
    });
    line.append(
      svg(
        'title',
        {},
        `${p.direction === 'out' ? 'we dialled' : 'dialled us'} · ${count(p.messagesIn)} in / ${count(p.messagesOut)} out`,
      ),
    );
    edges.append(line);
    const g = svg('g');
    g.append(
      svg('title', {}, `${addr(p.address)} · ${p.userAgent}${p.ultrapeer ? ' · ultrapeer' : ' · leaf'}`),
    );
    g.append(svg('circle', { cx: x, cy: y, r: 16, class: 'node' }));
    const below = y >= cy;
    g.append(svg('text', { x, y: below ? y + 30 : y - 22, 'text-anchor': 'middle' }, addr(p.address)));
    g.append(
      svg(
        'text',
        { x, y: below ? y + 43 : y - 35, 'text-anchor': 'middle', class: 'muted' },
        agent(p.userAgent),
      ),
    );
    nodes.append(g);
  });
  const us = svg('g');
  us.append(svg('circle', { cx, cy, r: 30, class: 'node us' }));
  us.append(svg('text', { x: cx, y: cy - 2, 'text-anchor': 'middle', class: 'us' }, 'us'));
  us.append(svg('text', { x: cx, y: cy + 12, 'text-anchor': 'middle', class: 'us' }, o.self.routing));
  root.append(edges, nodes, us);
  $('overlay-caption').textContent =
    `${addr(o.self.address)} · ${o.self.routing}${o.self.leaf ? ' leaf' : ''}${o.self.firewalled ? ' · firewalled' : ''} · ` +
    `${n} neighbour${n === 1 ? '' : 's'} (solid: we dialled, dashed: they dialled us)`;
  const dl = $('router-state');
  const rows = Object.entries(o.routerState).sort(([a], [b]) => a.localeCompare(b));
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: count(v) })]));
}

export function initNetwork() {
  const peers = new Grid($('peers'), {
    key: (p) => p.id,
    empty: 'No peers connected.',
    text: (p) => `${addr(p.listen || p.remote)} ${p.userAgent}`,
    sort: { key: 'address', dir: 1 },
    columns: [
      {
        key: 'address',
        label: 'Address',
        value: (p) => addr(p.listen || p.remote),
        cell: (p) => addr(p.listen || p.remote),
        title: (p) => `socket ${addr(p.remote)}`,
      },
      { key: 'agent', label: 'User agent', value: (p) => p.userAgent, cell: (p) => p.userAgent },
      {
        key: 'dir',
        label: 'Dir',
        value: (p) => p.direction,
        cell: (p) => (p.direction === 'out' ? 'out' : 'in'),
      },
      {
        key: 'in',
        label: 'Msgs in',
        num: true,
        value: (p) => p.messagesIn,
        cell: (p) => count(p.messagesIn),
      },
      {
        key: 'out',
        label: 'Msgs out',
        num: true,
        value: (p) => p.messagesOut,
        cell: (p) => count(p.messagesOut),
      },
      {
        key: 'bytes',
        label: 'Bytes in/out',
        num: true,
        value: (p) => p.bytesIn + p.bytesOut,
        cell: (p) => `${bytes(p.bytesIn)} / ${bytes(p.bytesOut)}`,
      },
      {
        key: 'queued',
        label: 'Queued',
        num: true,
        value: (p) => p.queuedBytes,
        cell: (p) => bytes(p.queuedBytes),
      },
      {
        key: 'up',
        label: 'Up',
        num: true,
        value: (p) => p.connectedS,
        cell: (p) => duration(p.connectedS),
      },
      {
        key: 'close',
        label: '',
        cell: (p) =>
          el('button', {
            type: 'button',
            class: 'small',
            text: 'Close',
            'aria-label': `Close connection to ${addr(p.listen || p.remote)}`,
            onclick: () => api('DELETE', `/api/peers/${p.id}`).then(refresh, (e) => toast(e.message, true)),
          }),
      },
    ],
  });
  const hosts = new Grid($('hosts'), {
    key: (h) => `${h.host}:${h.port}`,
    empty: 'The host cache is empty.',
    sort: { key: 'failures', dir: 1 },
    columns: [
      {
        key: 'address',
        label: 'Address',
        value: (h) => `${h.host}:${h.port}`,
        cell: (h) => `${h.host}:${h.port}`,
      },
      { key: 'source', label: 'Learned from', value: (h) => h.source, cell: (h) => h.source },
      {
        key: 'failures',
        label: 'Failures',
        num: true,
        value: (h) => h.failures,
        cell: (h) => String(h.failures),
      },
    ],
  });

  async function refresh() {
    const [o, p, h] = await Promise.all([
      api('GET', '/api/overlay'),
      api('GET', '/api/peers'),
      api('GET', '/api/hosts'),
    ]);
    drawOverlay(o);
    peers.setRows(p);
    hosts.setRows(h);
    $('hosts-count').textContent = `(${h.length})`;
  }

  $('connect-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('connect-address');
    const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(input.value.trim());
    if (!m) return toast('Give HOST:PORT, e.g. 127.0.0.1:6347', true);
    try {
      const r = await api('POST', '/api/hosts', { host: m[1], port: Number(m[2]), connect: true });
      toast(
        r.connected
          ? `Connected to ${m[1]}:${m[2]}`
          : `Could not connect to ${m[1]}:${m[2]} (kept in the host cache)`,
        !r.connected,
      );
      input.value = '';
      await refresh();
    } catch (err) {
      toast(err.message, true);
    }
  });

  return { refresh };
}
