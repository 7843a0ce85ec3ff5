/* global document */
/** The shared files, with their urn, and a rescan button. */
import { api } from './api.js';
import { bytes, count, kind } from './format.js';
import { Grid } from './grid.js';
import { toast } from './ui.js';

const $ = (id) => document.getElementById(id);
const PAGE = 1000;

export function initLibrary() {
  const grid = new Grid($('library'), {
    key: (f) => String(f.index),
    empty: 'Nothing shared. Put files in a shared folder and press Rescan.',
    text: (f) => `${f.relPath} ${f.urn || ''}`,
    sort: { key: 'path', dir: 1 },
    columns: [
      { key: 'name', label: 'Name', value: (f) => f.name, cell: (f) => f.name },
      { key: 'path', label: 'Path', value: (f) => f.relPath, cell: (f) => f.relPath },
      { key: 'type', label: 'Type', value: (f) => kind(f.name), cell: (f) => kind(f.name) },
      { key: 'size', label: 'Size', num: true, value: (f) => f.size, cell: (f) => bytes(f.size) },
      { key: 'urn', label: 'urn:sha1', value: (f) => f.urn, cell: (f) => f.urn || 'hashing…', class: 'mono' },
    ],
  });

  async function refresh() {
    const lib = await api('GET', `/api/library?limit=${PAGE}`);
    grid.setRows(lib.files);
    const t = lib.totals;
    $('library-summary').textContent =
      `${count(t.files)} files, ${bytes(t.bytes)}, ${count(t.hashed)} hashed` +
      (lib.total > PAGE ? ` · first ${PAGE} shown` : '');
  }

  $('library-filter').addEventListener('input', (e) => grid.filter(e.target.value));
  $('rescan').addEventListener('click', async (e) => {
    const b = e.currentTarget;
    b.disabled = true;
    try {
      await api('POST', '/api/library/rescan');
      await refresh();
      toast('Shared folders rescanned');
    } catch (err) {
      toast(err.message, true);
    } finally {
      b.disabled = false;
    }
  });
  return { refresh };
}
