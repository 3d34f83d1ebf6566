// Cohorts: each FHIR Group with its table 1 ($cohort-summary) and charts.
import { fhir, parametersObject } from '../api.js';
import { h, table, fmt, loading, errorBox } from '../dom.js';
import { barChart, iqrChart } from '../charts.js';

const REFERENCE = 'all-cs';
const CONTINUOUS = [
  ['age', 'Age at shock diagnosis', 'years'],
  ['lvef', 'LVEF', '%'],
  ['sbp', 'Systolic blood pressure', 'mmHg'],
  ['lactate', 'Lactate', 'mmol/L'],
];

export async function render(root, [groupId] = []) {
  root.append(h('h1', {}, 'Cohorts'));
  const bundle = await fhir('Group', { _count: 200 });
  const groups = (bundle.entry || []).map(e => e.resource);
  if (!groups.length) {
    root.append(h('p', { class: 'muted' }, 'No cohorts.'));
    return;
  }
  const current = groups.find(g => g.id === groupId) || groups[0];
  const select = h('select', { id: 'cohort-select' },
    groups.map(g => h('option', { value: g.id, selected: g.id === current.id }, `${g.name || g.id} (${g.id})`)));
  select.addEventListener('change', () => { location.hash = `#cohorts/${encodeURIComponent(select.value)}`; });
  const body = h('div', {}, loading(`cohort ${current.id}`));
  root.append(h('form', { class: 'toolbar', onsubmit: e => e.preventDefault() },
    h('label', { for: 'cohort-select' }, 'Cohort'), select), body);
  try {
    const [summary, reference] = await Promise.all([
      fhir(`Group/${encodeURIComponent(current.id)}/$cohort-summary`).then(parametersObject),
      current.id === REFERENCE || !groups.some(g => g.id === REFERENCE)
        ? null : fhir(`Group/${REFERENCE}/$cohort-summary`).then(parametersObject).catch(() => null),
    ]);
    body.replaceChildren(...view(current, summary, reference));
  } catch (e) {
    body.replaceChildren(errorBox(e));
  }
}

function view(group, s, ref) {
  const n = s.n ?? 0;
  const pct = k => (n ? ` (${fmt((100 * k) / n)} %)` : '');
  const iqr = d => (d && d.median !== undefined ? `${fmt(d.median, 2)} (${fmt(d.q1, 2)}–${fmt(d.q3, 2)}), n=${d.n}` : '–');
  const rows = [
    ['Patients', String(n)],
    ['With a shock episode', String(s['with-shock-episode'] ?? '–')],
    ...CONTINUOUS.map(([k, label, unit]) => [`${label}, median (IQR), ${unit}`, iqr(s[k])]),
    ...Object.entries(s.sex || {}).map(([k, v]) => [`Sex: ${k}`, `${v}${pct(v)}`]),
    ...Object.entries(s.etiology || {}).map(([k, v]) => [`Etiology: ${k}`, `${v}${pct(v)}`]),
    s['hf-cs-ischemic'] ? ['HF-CS of ischemic cause', `${s['hf-cs-ischemic'].ischemic} of ${s['hf-cs-ischemic']['hf-cs']} (${fmt(100 * (s['hf-cs-ischemic'].share ?? 0))} %)`] : null,
    ...Object.entries(s.tmcs || {}).map(([k, v]) => [`tMCS: ${k}`, `${v}${pct(v)}`]),
    ...Object.entries(s['scai-stage-at-diagnosis'] || {}).map(([k, v]) => [`SCAI stage ${k}`, `${v}${pct(v)}`]),
  ].filter(Boolean);
  const r = s.randomization;
  if (r) {
    rows.push(['Randomized', String(r.randomized ?? 0)]);
    if (r['cicu-arrival-to-randomization']) rows.push(['Hours CICU arrival → randomization, median (IQR)', iqr(r['cicu-arrival-to-randomization'])]);
    if (r['randomization-to-iabp']) rows.push(['Hours randomization → IABP, median (IQR)', iqr(r['randomization-to-iabp'])]);
  }
  const label = group.name || group.id;
  const boxRows = k => [{ label: group.id, ...(s[k] || {}) }, ref ? { label: REFERENCE, ...(ref[k] || {}) } : null].filter(Boolean);
  const counts = (obj, skip = []) => Object.entries(obj || {}).filter(([k]) => !skip.includes(k));
  const bars = (id, title, obj, skip) => {
    const e = counts(obj, skip);
    return barChart(id, title, e.map(([k]) => k), e.map(([, v]) => v));
  };
  return [
    h('h2', {}, label),
    h('div', { class: 'split' },
      h('div', {}, table(`Table 1 of ${group.id}`, [{ label: 'Characteristic', rowHeader: true }, { label: 'Value' }], rows, { id: 'cohort-table-1' })),
      h('div', { class: 'charts', id: 'cohort-charts', role: 'region', 'aria-label': 'Charts' },
      ...CONTINUOUS.filter(([k]) => k !== 'sbp').map(([k, t, unit]) => iqrChart(`chart-${k}`, `${t}: median and IQR${ref ? `, ${REFERENCE} for reference` : ''}`, unit, boxRows(k))),
      bars('chart-scai', 'SCAI stage at diagnosis', s['scai-stage-at-diagnosis']),
      bars('chart-tmcs', 'Temporary MCS by device', s.tmcs, ['any']),
      bars('chart-etiology', 'Etiology', s.etiology))),
  ];
}
