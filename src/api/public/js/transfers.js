/* global document */
/** Downloads (progress, rate, sources, pause/resume/cancel) and the upload counters. */
import { api } from './api.js';
import { bytes, count, duration, rate } from './format.js';
import { el, Grid } from './grid.js';
import { toast } from './ui.js';

const $ = (id) => document.getElementById(id);
const FINAL = new Set(['done', 'failed', 'cancelled']);

function percent(d) {
  if (!d.size) return d.state === 'done' ? 100 : 0;
  return Math.min(100, Math.floor((d.bytes / d.size) * 100));
}

export function initTransfers() {
  let lastUploads; // { at, bytes } for the upload rate

  const act = async (d, what) => {
    try {
      if (what === 'remove') await api('DELETE', `/api/downloads/${d.id}`);
      else await api('POST', `/api/downloads/${d.id}/${what}`);
      await refresh();
    } catch (e) {
      toast(`${d.name}: ${e.message}`, true);
    }
  };

  const actions = (d) => {
    const box = el('span', { class: 'actions' });
    const b = (label, what) =>
      el('button', {
        type: 'button',
        class: 'small',
        text: label,
        'aria-label': `${label} ${d.name}`,
        onclick: () => void act(d, what),
      });
    if (d.state === 'running') box.append(b('Pause', 'pause'), ' ', b('Cancel', 'cancel'));
    else if (d.state === 'paused') box.append(b('Resume', 'resume'), ' ', b('Cancel', 'cancel'));
    else if (d.state === 'failed' || d.state === 'cancelled')
      box.append(b('Retry', 'resume'), ' ', b('Remove', 'remove'));
    else if (d.state === 'done') box.append(b('Remove', 'remove'));
    return box;
  };

  const progressCell = (d) => {
    const p = percent(d);
    const bar = el('progress', { max: '100', value: String(p), 'aria-label': `${d.name} progress` });
    return el('span', {}, bar, el('span', { class: 'pct', text: `${p}%` }));
  };

  const grid = new Grid($('downloads'), {
    key: (d) => d.id,
    empty: 'No downloads. Select results in Search and press “Get selected”.',
    text: (d) => `${d.name} ${d.state}`,
    sort: { key: 'started', dir: -1 },
    columns: [
      {
        key: 'name',
        label: 'File',
        value: (d) => d.name,
        cell: (d) => d.name,
        title: (d) => d.path || d.partPath || d.name,
      },
      { key: 'progress', label: 'Progress', value: (d) => percent(d), cell: progressCell },
      {
        key: 'size',
        label: 'Size',
        num: true,
        value: (d) => d.size,
        cell: (d) => `${bytes(d.bytes)} / ${bytes(d.size)}`,
      },
      { key: 'rate', label: 'Rate', num: true, value: (d) => d.rate, cell: (d) => rate(d.rate) },
      {
        key: 'eta',
        label: 'Left',
        num: true,
        value: (d) => d.etaS,
        cell: (d) => (d.state === 'running' ? duration(d.etaS) : ''),
      },
      {
        key: 'sources',
        label: 'Sources',
        num: true,
        value: (d) => d.sources.total,
        cell: (d) => `${d.sources.active} / ${d.sources.total}`,
        title: (d) =>
          d.sourceList.map((s) => `${s.key} ${s.status}${s.code ? ` (${s.code})` : ''}`).join('\n'),
      },
      {
        key: 'state',
        label: 'State',
        value: (d) => d.state,
        cell: (d) =>
          el('span', {
            class: `state-${d.state}`,
            text:
              d.state === 'done' && d.verified
                ? 'done ✓ verified'
                : d.error
                  ? `${d.state}: ${d.error.code}`
                  : d.state,
          }),
        title: (d) => (d.error ? d.error.message : d.path || ''),
      },
      { key: 'started', label: 'Actions', value: (d) => Number(d.id), cell: actions },
    ],
  });

  const renderUploads = (u) => {
    const p = $('uploads');
    if (!u || !u.available) {
      p.textContent = 'The upload side reports nothing.';
      return;
    }
    const now = Date.now();
    let r = 0;
    if (lastUploads && now > lastUploads.at)
      r = ((u.counters.bytes - lastUploads.bytes) * 1000) / (now - lastUploads.at);
    lastUploads = { at: now, bytes: u.counters.bytes };
    p.textContent =
      `${u.slots.active} of ${u.slots.total} upload slots in use · ${u.slots.queued} queued · ` +
      `${count(u.counters.started)} uploads started, ${count(u.counters.completed)} completed · ` +
      `${bytes(u.counters.bytes)} sent · ${rate(r)} · ${count(u.counters.busy)} refused busy` +
      ' (uploads are counted, not listed one by one)';
  };

  async function refresh() {
    const [downloads, uploads] = await Promise.all([
      api('GET', '/api/downloads'),
      api('GET', '/api/uploads'),
    ]);
    grid.setRows(downloads);
    renderUploads(uploads);
    const active = downloads.filter((d) => !FINAL.has(d.state)).length;
    const badge = $('badge-transfers');
    badge.hidden = active === 0;
    badge.textContent = String(active);
  }

  $('get-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('get-target');
    try {
      const r = await api('POST', '/api/downloads', { target: input.value.trim() });
      toast(r.created ? `Downloading ${r.download.name}` : `${r.download.name} is already downloading`);
      input.value = '';
      await refresh();
    } catch (err) {
      toast(err.message, true);
    }
  });

  return { refresh, setDir: (dir) => ($('downloads-dir').textContent = dir ? `→ ${dir}` : '') };
}
