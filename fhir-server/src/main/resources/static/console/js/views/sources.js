// Sources: pull sources (GET /admin/sources, run now), HL7 v2 sending facilities (the same list,
// type mllp), intake sites (GET /admin/sites) and intake per minute (GET /admin/intake/activity).
import { api, ApiError } from '../api.js';
import { h, table, when, errorBox, loading, announce } from '../dom.js';
import { barChart, minuteChart } from '../charts.js';

export async function render(root) {
  root.append(h('h1', {}, 'Sources'));
  const pull = h('section', { 'aria-labelledby': 'pull-title' }, h('h2', { id: 'pull-title' }, 'Pull sources'));
  const mllp = h('section', { 'aria-labelledby': 'mllp-title' }, h('h2', { id: 'mllp-title' }, 'HL7 v2 facilities'));
  const sites = h('section', { 'aria-labelledby': 'sites-title' }, h('h2', { id: 'sites-title' }, 'Intake sites'));
  const activity = h('section', { 'aria-labelledby': 'activity-title' }, h('h2', { id: 'activity-title' }, 'Intake now'));
  root.append(activity, pull, mllp, sites);
  await Promise.all([renderActivity(activity), renderPull(pull), renderMllp(mllp), renderSites(sites)]);
}

async function renderPull(section, message) {
  const body = h('div', {}, loading('pull sources'));
  section.replaceChildren(section.firstChild, body);
  let list;
  try {
    list = (await api('/admin/sources')).filter(s => s.type !== 'mllp');
  } catch (e) {
    body.replaceChildren(errorBox(e));
    return;
  }
  const parts = [];
  if (message) parts.push(message);
  if (!list.length) {
    parts.push(h('p', { class: 'muted' }, 'No pull source is configured (shockreg.sources.<id>.*, docs/pull-sources.md).'));
  } else {
    parts.push(table('Pull sources: state, last run, watermarks',
      [{ label: 'Source', rowHeader: true }, { label: 'Type' }, { label: 'State' }, { label: 'Last run' },
        { label: 'Resources', num: true }, { label: 'Pages', num: true }, { label: 'Errors', num: true },
        { label: 'Last error' }, { label: 'Watermarks' }, { label: 'Next run' }, { label: 'Action' }],
      list.map(s => {
        const r = s.lastRun;
        return [
          s.id,
          s.type,
          h('span', { class: `badge state-${s.state}` }, s.state + (s.consecutiveFailures ? ` (${s.consecutiveFailures} failures)` : '')),
          r ? `${when(r.started)} → ${r.finished ? when(r.finished) : 'running'}: ${r.state}` : 'never',
          r ? r.resources : '–',
          r ? r.pages : '–',
          r ? r.errors : '–',
          r && r.lastError ? h('span', { class: 'error' }, r.lastError) : '',
          Object.entries(s.watermarks || {}).map(([t, w]) => h('div', {}, `${t}: ${when(w)}`)),
          s.nextScheduledRun ? when(s.nextScheduledRun) : (s.backedOffUntil ? `backed off until ${when(s.backedOffUntil)}` : '–'),
          h('button', {
            type: 'button', 'data-action': 'run', 'data-source': s.id, disabled: !s.enabled || s.state === 'running',
            'aria-label': `Run source ${s.id} now`, onclick: e => runNow(section, s, e.currentTarget),
          }, 'Run now'),
        ];
      }), { id: 'pull-sources' }));
  }
  body.replaceChildren(...parts);
}

async function renderMllp(section) {
  const body = h('div', {}, loading('HL7 v2 facilities'));
  section.replaceChildren(section.firstChild, body);
  let list;
  try {
    list = (await api('/admin/sources')).filter(s => s.type === 'mllp');
  } catch (e) {
    body.replaceChildren(errorBox(e));
    return;
  }
  if (!list.length) {
    body.replaceChildren(h('p', { class: 'muted' }, 'No HL7 v2 facility is configured or has sent (shockreg.mllp.facilities.<MSH-4>, docs/hl7v2.md).'));
    return;
  }
  body.replaceChildren(table('HL7 v2 sending facilities: messages by ACK code, last message',
    [{ label: 'Facility (MSH-4)', rowHeader: true }, { label: 'Source' }, { label: 'Accepted (AA)', num: true },
      { label: 'Errors (AE)', num: true }, { label: 'Rejected (AR)', num: true }, { label: 'Last message' }],
    list.map(s => [
      s.facility,
      s.sourceId || h('span', { class: 'warn' }, 'not configured'),
      s.accepted, s.errors, s.rejected,
      s.lastMessageAt ? when(s.lastMessageAt) : 'never',
    ]), { id: 'mllp-sources' }));
}

async function runNow(section, source, button) {
  button.disabled = true;
  const before = source.lastRun ? source.lastRun.runId : 0;
  try {
    await api(`/admin/sources/${encodeURIComponent(source.id)}/run`, { method: 'POST' });
    announce(`Run of ${source.id} started`);
    // the run goes on in the background: watch the source until its run has finished
    const deadline = Date.now() + 120_000;
    let s;
    do {
      await new Promise(r => setTimeout(r, 1000));
      s = await api(`/admin/sources/${encodeURIComponent(source.id)}`);
    } while (Date.now() < deadline && (s.state === 'running' || !s.lastRun || s.lastRun.runId === before || !s.lastRun.finished));
    const r = s.lastRun;
    const text = r && r.runId !== before
      ? `Run ${r.runId} of ${source.id} finished: ${r.state}, ${r.resources} resources, ${r.errors} errors.`
      : `Run of ${source.id} still going; refresh later.`;
    announce(text);
    await renderPull(section, h('p', { class: r && r.state === 'failed' ? 'warn' : 'ok', role: 'status', id: 'run-result' }, text));
  } catch (e) {
    await renderPull(section, errorBox(e instanceof ApiError ? e : new Error(String(e))));
  }
}

/** Intake per minute on this instance, redrawn every 15 s while the page shows it. */
async function renderActivity(section) {
  const holder = h('div', { id: 'intake-activity' }, loading('intake activity'));
  section.append(holder);
  const draw = async () => {
    try {
      const rows = await api('/admin/intake/activity');
      const pick = k => rows.map(r => r[k]);
      holder.replaceChildren(minuteChart('chart-intake-activity', 'Intake per minute, last hour (this instance)',
        rows.map(r => r.minute), [
          { label: 'received', values: pick('received') }, { label: 'curated', values: pick('curated') },
          { label: 'rejected', values: pick('rejected') }, { label: 'unmapped', values: pick('unmapped') }]));
    } catch (e) {
      holder.replaceChildren(errorBox(e));
    }
  };
  await draw();
  const timer = setInterval(() => {
    if (!document.body.contains(holder)) clearInterval(timer); else draw();
  }, 15000);
}

async function renderSites(section) {
  const body = h('div', {}, loading('sites'));
  section.append(body);
  try {
    const [sites, dead, unmapped] = await Promise.all([
      api('/admin/sites'),
      api('/admin/dead-letters?status=open&limit=1000'),
      api('/admin/unmapped-codes'),
    ]);
    const count = (rows, site) => rows.filter(r => r.siteId === site).length;
    body.replaceChildren(
      h('p', { class: 'muted' }, 'Sites that post (/ingest), drop files or send HL7 v2 over MLLP; counts of the curated registry.'),
      table('Intake sites', [{ label: 'Site', rowHeader: true }, { label: 'Origin' }, { label: 'Registered' },
        { label: 'Patients', num: true }, { label: 'Source resources', num: true },
        { label: 'Open dead letters', num: true }, { label: 'Unmapped codes', num: true }],
      sites.map(s => [s.siteId, s.origin, when(s.createdAt), s.patients, s.sourceResources,
        h('a', { href: '#dead-letters' }, String(count(dead, s.siteId))),
        h('a', { href: `#unmapped-codes/${encodeURIComponent(s.siteId)}` }, String(count(unmapped, s.siteId)))]),
      { id: 'intake-sites' }),
      sites.length ? h('div', { class: 'charts' },
        barChart('chart-site-resources', 'Source resources received by site', sites.map(s => s.siteId), sites.map(s => s.sourceResources), 'resources'),
        barChart('chart-site-patients', 'Patients by site', sites.map(s => s.siteId), sites.map(s => s.patients))) : null);
  } catch (e) {
    body.replaceChildren(errorBox(e));
  }
}
