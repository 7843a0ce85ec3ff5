/* global document, requestAnimationFrame */
/**
 * The search window: a box, a live results table fed by the search's event stream, and
 * "Get selected". Hits naming the same urn:sha1 are one file with several sources; the
 * Sources column counts them, and a download started from any of them uses them all.
 */
import { api, searchEvents } from './api.js';
import { bitrate, bytes, kind } from './format.js';
import { Grid } from './grid.js';
import { toast } from './ui.js';

const $ = (id) => document.getElementById(id);

export function initSearch() {
  const form = $('search-form');
  const input = $('search-text');
  const stopBtn = $('search-stop');
  const getBtn = $('get-selected');
  const summary = $('search-summary');
  let search; // { id, es, hits: [], ended, reason }
  let pending = false;

  const sourcesOf = (h) => (h.file.urn && search ? search.byUrn.get(h.file.urn) || 1 : 1);
  const hostOf = (h) => `${h.holder.ip}:${h.holder.port}${h.holder.needsPush ? ' (push)' : ''}`;

  const grid = new Grid($('results'), {
    selectable: true,
    key: (h) => String(h.id),
    label: (h) => h.file.name,
    empty: 'No results yet.',
    text: (h) => `${h.file.name} ${kind(h.file.name)} ${hostOf(h)} ${h.vendor || ''}`,
    onActivate: (h) => void download([h]),
    onSelectionChange: (sel) => {
      getBtn.disabled = sel.length === 0;
      getBtn.textContent = sel.length > 1 ? `Get selected (${sel.length})` : 'Get selected';
    },
    columns: [
      {
        key: 'name',
        label: 'File name',
        value: (h) => h.file.name,
        cell: (h) => h.file.name,
        title: (h) => h.file.urn || h.file.name,
      },
      { key: 'size', label: 'Size', num: true, value: (h) => h.file.size, cell: (h) => bytes(h.file.size) },
      { key: 'type', label: 'Type', value: (h) => kind(h.file.name), cell: (h) => kind(h.file.name) },
      {
        key: 'bitrate',
        label: 'Bitrate',
        num: true,
        value: (h) => bitrate(h.file.name),
        cell: (h) => (bitrate(h.file.name) ? `${bitrate(h.file.name)} kbps` : ''),
      },
      {
        key: 'sources',
        label: 'Sources',
        num: true,
        value: (h) => sourcesOf(h),
        cell: (h) => String(sourcesOf(h)),
      },
      {
        key: 'host',
        label: 'Host',
        value: (h) => hostOf(h),
        cell: (h) => hostOf(h),
        title: (h) => `servent ${h.holder.serventId}${h.vendor ? ` · ${h.vendor}` : ''}`,
      },
      {
        key: 'speed',
        label: 'Speed',
        num: true,
        value: (h) => h.speed,
        cell: (h) => (h.speed === undefined ? '' : `${h.speed} kb/s`),
      },
      { key: 'hops', label: 'Hops', num: true, value: (h) => h.hops, cell: (h) => String(h.hops) },
    ],
  });

  const describe = () => {
    if (!search) return 'No search yet.';
    const n = search.hits.length;
    const files = new Set(search.hits.map((h) => h.file.urn || `${h.holder.serventId}/${h.file.index}`)).size;
    const what = `${n} result${n === 1 ? '' : 's'}, ${files} file${files === 1 ? '' : 's'} for “${search.text}”`;
    return search.ended ? `${what} · ended (${search.reason})` : `${what} · searching…`;
  };

  const refresh = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      grid.setRows(search ? search.hits : []);
      summary.textContent = describe();
    });
  };

  const closeStream = () => {
    if (search && search.es) {
      search.es.close();
      search.es = undefined;
    }
    stopBtn.disabled = true;
  };

  async function start(text, ttl) {
    closeStream();
    if (search && !search.ended) api('DELETE', `/api/searches/${search.id}`).catch(() => {});
    const body = { ttl };
    const t = text.trim();
    if (/^urn:sha1:[a-z2-7]{32}$/i.test(t)) body.urn = t;
    body.text = body.urn ? '' : t;
    let s;
    try {
      s = await api('POST', '/api/searches', body);
    } catch (e) {
      toast(e.message, true);
      return;
    }
    search = { id: s.id, text: t, hits: [], byUrn: new Map(), ended: false, reason: '' };
    grid.clearSelection();
    const es = searchEvents(s.id);
    search.es = es;
    const mine = search;
    es.addEventListener('hit', (ev) => {
      const h = JSON.parse(ev.data);
      if (mine.hits.some((x) => x.id === h.id)) return; // replayed after a reconnect
      mine.hits.push(h);
      if (h.file.urn) mine.byUrn.set(h.file.urn, (mine.byUrn.get(h.file.urn) || 0) + 1);
      if (mine === search) refresh();
    });
    es.addEventListener('end', (ev) => {
      mine.ended = true;
      mine.reason = JSON.parse(ev.data).reason;
      es.close();
      if (mine === search) {
        stopBtn.disabled = true;
        refresh();
      }
    });
    stopBtn.disabled = false;
    refresh();
  }

  async function download(hits) {
    if (!search || hits.length === 0) return;
    // one request per file: hits of one urn are one download with all its holders
    const seen = new Set();
    let started = 0;
    let joined = 0;
    for (const h of hits) {
      const k = h.file.urn || `hit-${h.id}`;
      if (seen.has(k)) continue;
      seen.add(k);
      try {
        const r = await api('POST', '/api/downloads', { search: search.id, hit: h.id });
        if (r.created) started++;
        else joined++;
      } catch (e) {
        toast(`${h.file.name}: ${e.message}`, true);
      }
    }
    if (started + joined > 0) {
      toast(
        `${started} download${started === 1 ? '' : 's'} started${joined ? `, ${joined} already running` : ''} — see Transfers`,
      );
      grid.clearSelection();
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void start(input.value, Number($('search-ttl').value));
  });
  stopBtn.addEventListener('click', () => {
    if (!search || search.ended) return;
    // the stream then delivers `end` (reason "stopped"); the results stay for downloads
    api('POST', `/api/searches/${search.id}/stop`).catch((e) => toast(e.message, true));
  });
  getBtn.addEventListener('click', () => void download(grid.selected()));
  $('results-filter').addEventListener('input', (e) => grid.filter(e.target.value));
  summary.textContent = describe();
}
