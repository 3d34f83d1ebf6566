// Small DOM helpers: every value from the API goes in as text, never as HTML (no injection).

/** h('button', {class: 'x', onclick: fn}, 'text', child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'for') el.htmlFor = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An accessible table: caption, column headers with scope, numeric columns right-aligned. */
export function table(caption, columns, rows, attrs = {}) {
  const head = h('tr', {}, columns.map(c => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)));
  const body = rows.map(r => h('tr', {}, columns.map((c, i) => {
    const v = Array.isArray(r) ? r[i] : r[c.key];
    return i === 0 && c.rowHeader
      ? h('th', { scope: 'row' }, v ?? '')
      : h('td', { class: c.num ? 'num' : null }, v ?? '');
  })));
  return h('div', { class: 'table-wrap' },
    h('table', attrs, caption ? h('caption', {}, caption) : null, h('thead', {}, head), h('tbody', {}, body)));
}

export function fmt(n, digits = 1) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  return Number.isInteger(n) ? String(n) : Number(n).toFixed(digits);
}

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').slice(0, 16) + 'Z';
}

/** Announces a short message to screen readers (and tests). */
export function announce(text) {
  const s = document.getElementById('status');
  if (s) s.textContent = text;
}

export function errorBox(err) {
  return h('p', { class: 'error', role: 'alert' }, err && err.message ? err.message : String(err));
}

export function loading(what) {
  return h('p', { class: 'muted' }, `Loading ${what}…`);
}
