// Dead letters: what intake could not take, why, the raw payload, and replay after a fix.
import { api } from '../api.js';
import { h, table, when, errorBox, loading, announce } from '../dom.js';

export async function render(root) {
  root.append(h('h1', {}, 'Dead letters'));
  const status = h('select', { id: 'dead-letter-status' },
    ['open', 'replayed', 'all'].map(s => h('option', { value: s }, s)));
  const list = h('section', { 'aria-label': 'Dead letter list' });
  const detail = h('section', { id: 'dead-letter-detail', 'aria-live': 'polite' });
  const message = h('div', { id: 'replay-result' });
  status.addEventListener('change', () => load(list, detail, message, status.value));
  root.append(
    h('form', { class: 'toolbar', onsubmit: e => e.preventDefault() },
      h('label', { for: 'dead-letter-status' }, 'Status'), status,
      h('button', { type: 'button', class: 'secondary', onclick: () => load(list, detail, message, status.value) }, 'Refresh')),
    message, list, detail);
  await load(list, detail, message, status.value);
}

async function load(list, detail, message, status) {
  list.replaceChildren(loading('dead letters'));
  let rows;
  try {
    rows = await api(`/admin/dead-letters?status=${encodeURIComponent(status)}&limit=500`);
  } catch (e) {
    list.replaceChildren(errorBox(e));
    return;
  }
  if (!rows.length) {
    list.replaceChildren(h('p', { class: 'muted' }, `No ${status === 'all' ? '' : status + ' '}dead letters.`));
    return;
  }
  const reload = () => load(list, detail, message, status);
  list.replaceChildren(table(`${rows.length} dead letters (${status})`,
    [{ label: 'Id', rowHeader: true, num: true }, { label: 'Site' }, { label: 'Channel' }, { label: 'Received' },
      { label: 'Reason' }, { label: 'Resource' }, { label: 'Status' }, { label: 'Replays', num: true }, { label: 'Actions' }],
    rows.map(d => [
      String(d.id), d.siteId ?? '–', d.channel, when(d.receivedAt),
      h('span', {}, d.reasonCode ? h('code', {}, d.reasonCode) : null, ' ', d.reason ?? ''),
      d.resourceType ? `${d.resourceType}${d.resourceId ? '/' + d.resourceId : ''}` : '–',
      d.status, d.replayCount,
      h('span', { class: 'toolbar' },
        h('button', { type: 'button', class: 'secondary', 'data-action': 'view', 'aria-controls': 'dead-letter-detail',
          'aria-label': `View dead letter ${d.id}`, onclick: () => show(detail, d.id) }, 'View'),
        h('button', { type: 'button', 'data-action': 'replay', 'aria-label': `Replay dead letter ${d.id}`,
          onclick: e => replay(d.id, e.currentTarget, message, reload) }, 'Replay')),
    ]), { id: 'dead-letters' }));
}

async function show(detail, id) {
  detail.replaceChildren(loading(`dead letter ${id}`));
  try {
    const d = await api(`/admin/dead-letters/${id}`);
    let payload = d.payload ?? '';
    if ((d.contentType || '').includes('json') && !(d.contentType || '').includes('ndjson')) {
      try { payload = JSON.stringify(JSON.parse(payload), null, 2); } catch { /* shown as received */ }
    }
    detail.replaceChildren(
      h('h2', { id: 'dead-letter-title', tabindex: '-1' }, `Dead letter ${d.id}`),
      h('dl', { class: 'panel' },
        h('dt', {}, 'Reason'), h('dd', { class: 'error' }, `${d.reasonCode ?? ''} ${d.reason ?? ''}`),
        h('dt', {}, 'Site, channel, origin'), h('dd', {}, `${d.siteId ?? '–'}, ${d.channel}, ${d.origin ?? '–'}`),
        h('dt', {}, 'Content type'), h('dd', {}, d.contentType ?? '–'),
        h('dt', {}, 'Received'), h('dd', {}, when(d.receivedAt)),
        h('dt', {}, 'Status'), h('dd', {}, `${d.status}, replayed ${d.replayCount} times`)),
      h('h3', {}, 'Raw payload'),
      h('pre', { class: 'payload', tabindex: '0', 'aria-label': `Raw payload of dead letter ${d.id}` }, payload));
    detail.querySelector('h2').focus();
  } catch (e) {
    detail.replaceChildren(errorBox(e));
  }
}

async function replay(id, button, message, reload) {
  button.disabled = true;
  try {
    const r = await api(`/admin/dead-letters/${id}/replay`, { method: 'POST' });
    const resolved = r.resolved !== false;
    const text = resolved
      ? `Dead letter ${id} replayed: taken into the registry.`
      : `Dead letter ${id} replayed, still rejected${r.newDeadLetters && r.newDeadLetters.length ? ` (new dead letters ${r.newDeadLetters.join(', ')})` : ''}.`;
    message.replaceChildren(h('p', { class: resolved ? 'ok' : 'warn', role: 'status' }, text));
    announce(text);
  } catch (e) {
    message.replaceChildren(errorBox(new Error(`Replay of dead letter ${id} failed: ${e.message}`)));
  }
  await reload();
}
