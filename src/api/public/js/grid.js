/* global document, Node */
/**
 * A keyboard-usable data table: sortable columns (buttons in the headers, aria-sort),
 * a text filter, row selection, one tab stop (roving tabindex: ↑ ↓ Home End move, Space
 * selects, Enter activates). Cells are filled with textContent only: names come from
 * peers and are never parsed as HTML.
 */

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c);
  return e;
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true, sensitivity: 'base' });
}

export class Grid {
  /**
   * columns: [{ key, label, num?, value(row) → sortable value, cell(row) → string | Node, title?(row) }]
   * key(row) → stable id; text(row) → what the filter searches
   */
  constructor(table, opts) {
    this.table = table;
    this.o = { selectable: false, empty: 'Nothing here.', text: () => '', ...opts };
    this.rows = [];
    this.view = [];
    this.sel = new Set();
    this.current = undefined;
    this.filterText = '';
    this.sort = opts.sort ?? undefined; // { key, dir: 1 | -1 }
    this.thead = el('thead');
    this.tbody = el('tbody');
    table.replaceChildren(this.thead, this.tbody);
    this.buildHead();
    this.tbody.addEventListener('keydown', (e) => this.onKey(e));
    this.tbody.addEventListener('click', (e) => this.onClick(e));
    this.tbody.addEventListener('dblclick', (e) => {
      const row = this.rowOf(e.target);
      if (row && this.o.onActivate) this.o.onActivate(row);
    });
  }

  buildHead() {
    const tr = el('tr');
    if (this.o.selectable)
      tr.append(el('th', { scope: 'col', class: 'num' }, el('span', { class: 'sr-only', text: 'Selected' })));
    for (const c of this.o.columns) {
      const th = el('th', { scope: 'col', class: c.num ? 'num' : undefined });
      if (c.value) {
        th.append(el('button', { type: 'button', text: c.label, onclick: () => this.sortBy(c.key) }));
      } else {
        th.append(el('span', { class: 'plain', text: c.label }));
      }
      c.th = th;
      tr.append(th);
    }
    this.thead.replaceChildren(tr);
    this.markSort();
  }

  markSort() {
    for (const c of this.o.columns) {
      if (!c.th) continue;
      if (this.sort && this.sort.key === c.key)
        c.th.setAttribute('aria-sort', this.sort.dir > 0 ? 'ascending' : 'descending');
      else c.th.removeAttribute('aria-sort');
    }
  }

  sortBy(key) {
    const dir = this.sort && this.sort.key === key ? -this.sort.dir : 1;
    this.sort = { key, dir };
    this.markSort();
    this.render();
  }

  setRows(rows) {
    this.rows = rows;
    const keys = new Set(rows.map((r) => this.o.key(r)));
    for (const k of [...this.sel]) if (!keys.has(k)) this.sel.delete(k);
    this.render();
  }

  filter(text) {
    this.filterText = text.trim().toLowerCase();
    this.render();
  }

  selected() {
    return this.rows.filter((r) => this.sel.has(this.o.key(r)));
  }

  clearSelection() {
    this.sel.clear();
    this.render();
  }

  computeView() {
    const words = this.filterText.split(/\s+/).filter(Boolean);
    let v = this.rows;
    if (words.length > 0) {
      v = v.filter((r) => {
        const t = this.o.text(r).toLowerCase();
        return words.every((w) => t.includes(w));
      });
    }
    if (this.sort) {
      const col = this.o.columns.find((c) => c.key === this.sort.key);
      if (col && col.value) {
        const dir = this.sort.dir;
        v = v
          .map((r, i) => [r, i])
          .sort((a, b) => compare(col.value(a[0]), col.value(b[0])) * dir || a[1] - b[1])
          .map((x) => x[0]);
      }
    }
    return v;
  }

  render() {
    // a refresh rebuilds the rows: put the focus back where it was (the row, or the
    // control inside it with the same label)
    const active = document.activeElement;
    const hadFocus = this.tbody.contains(active);
    const focusedTr = hadFocus ? active.closest('tr[data-key]') : null;
    if (focusedTr) this.current = focusedTr.dataset.key;
    const innerLabel = hadFocus && active !== focusedTr ? active.getAttribute('aria-label') : null;
    this.view = this.computeView();
    const keys = this.view.map((r) => this.o.key(r));
    if (this.current === undefined || !keys.includes(this.current)) this.current = keys[0];
    const trs = this.view.map((r) => this.renderRow(r));
    if (trs.length === 0) {
      const span = this.o.columns.length + (this.o.selectable ? 1 : 0);
      trs.push(
        el(
          'tr',
          {},
          el('td', {
            colspan: span,
            class: 'empty',
            text: this.rows.length > 0 ? 'No row matches the filter.' : this.o.empty,
          }),
        ),
      );
    }
    this.tbody.replaceChildren(...trs);
    if (hadFocus) this.focusCurrent(innerLabel);
    if (this.o.onSelectionChange) this.o.onSelectionChange(this.selected());
  }

  renderRow(r) {
    const k = this.o.key(r);
    const selected = this.sel.has(k);
    const tr = el('tr', {
      'data-key': k,
      tabindex: k === this.current ? '0' : '-1',
      'aria-selected': this.o.selectable ? String(selected) : undefined,
    });
    if (this.o.selectable) {
      const box = el('input', {
        type: 'checkbox',
        tabindex: '-1',
        'aria-label': `select ${this.o.label ? this.o.label(r) : k}`,
      });
      box.checked = selected;
      tr.append(el('td', { class: 'num' }, box));
    }
    for (const c of this.o.columns) {
      const v = c.cell(r);
      const td = el('td', {
        class: [c.num ? 'num' : '', c.class ?? ''].join(' ').trim() || undefined,
        title: c.title ? c.title(r) : undefined,
      });
      if (v instanceof Node) td.append(v);
      else td.textContent = v === undefined || v === null ? '' : String(v);
      tr.append(td);
    }
    return tr;
  }

  rowOf(target) {
    const tr = target.closest && target.closest('tr[data-key]');
    if (!tr) return undefined;
    return this.view.find((r) => this.o.key(r) === tr.dataset.key);
  }

  toggle(r) {
    const k = this.o.key(r);
    if (this.sel.has(k)) this.sel.delete(k);
    else this.sel.add(k);
    this.current = k;
    this.render();
  }

  focusCurrent(innerLabel = null) {
    const tr = [...this.tbody.querySelectorAll('tr[data-key]')].find((t) => t.dataset.key === this.current);
    if (!tr) return;
    const inner = innerLabel
      ? [...tr.querySelectorAll('[aria-label]')].find((x) => x.getAttribute('aria-label') === innerLabel)
      : undefined;
    (inner || tr).focus({ preventScroll: true });
  }

  moveTo(index) {
    if (this.view.length === 0) return;
    const i = Math.max(0, Math.min(this.view.length - 1, index));
    this.current = this.o.key(this.view[i]);
    for (const tr of this.tbody.querySelectorAll('tr[data-key]'))
      tr.tabIndex = tr.dataset.key === this.current ? 0 : -1;
    this.focusCurrent();
  }

  onKey(e) {
    const row = this.rowOf(e.target);
    if (!row) return;
    const i = this.view.indexOf(row);
    if (e.key === 'ArrowDown') this.moveTo(i + 1);
    else if (e.key === 'ArrowUp') this.moveTo(i - 1);
    else if (e.key === 'Home') this.moveTo(0);
    else if (e.key === 'End') this.moveTo(this.view.length - 1);
    else if (e.key === ' ' && this.o.selectable) this.toggle(row);
    else if (e.key === 'Enter' && this.o.onActivate) this.o.onActivate(row);
    else return;
    e.preventDefault();
  }

  onClick(e) {
    const row = this.rowOf(e.target);
    if (!row || e.target.closest('button, a')) return;
    if (this.o.selectable) {
      this.toggle(row);
      this.focusCurrent();
    } else {
      this.current = this.o.key(row);
    }
  }
}
