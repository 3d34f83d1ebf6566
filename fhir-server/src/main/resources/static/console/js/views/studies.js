// Studies: the screening board, randomized subjects, the interim report (CONSORT, baseline,
// endpoint, effect) and a Kaplan-Meier plot of survival after randomization.
import { fhir, searchAll, parametersObject, asArray } from '../api.js';
import { h, table, fmt, when, loading, errorBox } from '../dom.js';
import { iqrChart, kaplanMeier } from '../charts.js';

const BOARD = [
  ['potential-candidate', 'Potential candidates'],
  ['screening', 'Screening'],
  ['on-study', 'On study (randomized)'],
  ['ineligible', 'Ineligible'],
];
const BASELINE = [
  ['age', 'Age', 'years'], ['lvef', 'LVEF', '%'], ['sbp', 'SBP', 'mmHg'], ['lactate', 'Lactate', 'mmol/L'],
  ['hours-cicu-to-randomization', 'Hours CICU → randomization', 'h'],
  ['hours-randomization-to-iabp', 'Hours randomization → IABP', 'h'],
];
/** Survival is followed to the primary endpoint's day 60 (data-dictionary section 4). */
const HORIZON_DAYS = 60;
const DAY = 86_400_000;

export async function render(root, [studyId] = []) {
  root.append(h('h1', {}, 'Studies'));
  const bundle = await fhir('ResearchStudy', { _count: 100 });
  const studies = (bundle.entry || []).map(e => e.resource);
  if (!studies.length) {
    root.append(h('p', { class: 'muted' }, 'No studies.'));
    return;
  }
  const study = studies.find(s => s.id === studyId) || studies[0];
  const select = h('select', { id: 'study-select' },
    studies.map(s => h('option', { value: s.id, selected: s.id === study.id }, s.title || s.id)));
  select.addEventListener('change', () => { location.hash = `#studies/${encodeURIComponent(select.value)}`; });
  root.append(h('form', { class: 'toolbar', onsubmit: e => e.preventDefault() },
    h('label', { for: 'study-select' }, 'Study'), select),
  h('p', { class: 'muted' }, `Study ${study.id} · status ${study.status}`));
  const report = h('section', { id: 'interim-report', 'aria-labelledby': 'interim-title' },
    h('h2', { id: 'interim-title' }, 'Interim report'), loading('interim report'));
  const subjects = h('section', { 'aria-labelledby': 'board-title' },
    h('h2', { id: 'board-title' }, 'Screening board'), loading('research subjects'));
  root.append(report, subjects);
  const id = encodeURIComponent(study.id);
  const [r, s] = await Promise.allSettled([
    fhir(`ResearchStudy/${id}/$interim-report`).then(parametersObject),
    searchAll('ResearchSubject', { study: study.id, _include: 'ResearchSubject:individual', _count: 500 }, 5000),
  ]);
  if (r.status === 'fulfilled') report.replaceChildren(report.firstChild, ...interim(r.value));
  else report.replaceChildren(report.firstChild, errorBox(r.reason));
  if (s.status === 'fulfilled') subjects.replaceChildren(subjects.firstChild, ...board(s.value));
  else subjects.replaceChildren(subjects.firstChild, errorBox(s.reason));
}

function interim(p) {
  const c = p.consort || {};
  const arms = asArray(p.arm);
  const by = Object.entries(c['ineligible-by'] || {});
  const consort = h('div', { class: 'consort', id: 'consort', role: 'group', 'aria-label': 'CONSORT flow' },
    h('div', { class: 'box' }, `Shock episodes screened: ${c.screened ?? 0}`),
    h('div', { class: 'box side' }, `Ineligible: ${c.ineligible ?? 0}`,
      by.length ? h('p', { class: 'criteria' }, 'by criterion (an episode may fail several): ', by.map(([k, v]) => `${k} ${v}`).join(', ')) : null),
    h('div', { class: 'box side' }, `Still screening: ${c.screening ?? 0}; potential candidates: ${c['potential-candidate'] ?? 0}`),
    h('div', { class: 'box' }, `Randomized: ${c.randomized ?? 0}`),
    h('div', { class: 'arms' }, arms.map(a => h('div', { class: 'box' }, `${a.code}: n = ${a.n}`))));
  const iqr = d => (d && d.median !== undefined ? `${fmt(d.median, 2)} (${fmt(d.q1, 2)}–${fmt(d.q3, 2)}), n=${d.n}` : `–, n=${d?.n ?? 0}`);
  const baseline = table('Baseline by arm, median (IQR)',
    [{ label: 'Variable', rowHeader: true }, ...arms.map(a => ({ label: `${a.code} (n=${a.n})` }))],
    [
      ...BASELINE.map(([k, label, unit]) => [`${label} (${unit})`, ...arms.map(a => iqr(a[k]))]),
      ['Non-ischemic', ...arms.map(a => a['non-ischemic'] ? `${a['non-ischemic'].count} (${fmt(100 * (a['non-ischemic'].share ?? 0))} %)` : '–')],
    ], { id: 'baseline-table' });
  const endpoint = table('Primary endpoint (day 60)',
    [{ label: 'Arm', rowHeader: true }, { label: 'Success', num: true }, { label: 'Failure', num: true }, { label: 'Incomplete', num: true }, { label: 'Success share', num: true }],
    arms.map(a => {
      const e = a['primary-endpoint'] || {};
      return [a.code, e.success ?? 0, e.failure ?? 0, e.incomplete ?? 0, e['success-share'] === undefined ? '–' : `${fmt(100 * e['success-share'])} %`];
    }), { id: 'endpoint-table' });
  const e = p.effect || {};
  const effect = e.note
    ? h('p', { class: 'muted' }, e.note)
    : h('p', { id: 'effect' }, `Risk difference ${fmt(100 * (e['risk-difference'] ?? 0))} percentage points `
      + `(95 % CI ${fmt(100 * (e['ci-low'] ?? 0))} to ${fmt(100 * (e['ci-high'] ?? 0))}), Fisher exact p = ${fmt(e['p-value'], 3)}.`);
  return [
    h('div', { class: 'split' },
      h('div', {}, h('h3', {}, 'CONSORT'), consort),
      h('div', {}, h('h3', {}, 'Baseline'), baseline)),
    h('div', { class: 'charts' }, ['age', 'lvef', 'lactate'].map(k => {
      const [, label, unit] = BASELINE.find(b => b[0] === k);
      return iqrChart(`chart-arm-${k}`, `${label} by arm`, unit, arms.map(a => ({ label: a.code, ...(a[k] || {}) })));
    })),
    h('h3', {}, 'Primary endpoint and effect'), endpoint, effect,
  ];
}

function board(entries) {
  const subjects = entries.filter(e => e.resource.resourceType === 'ResearchSubject').map(e => e.resource);
  const patients = new Map(entries.filter(e => e.resource.resourceType === 'Patient').map(e => [`Patient/${e.resource.id}`, e.resource]));
  const column = status => subjects.filter(s => (status === 'on-study' ? s.status.startsWith('on-study') : s.status === status));
  const patientLink = s => {
    const ref = s.individual?.reference || '';
    const id = ref.split('/')[1] || '';
    return h('a', { href: `#patient/${encodeURIComponent(id)}` }, `Patient ${id.slice(0, 8)}`);
  };
  const card = s => {
    const p = patients.get(s.individual?.reference);
    return h('li', {}, patientLink(s),
      h('div', { class: 'muted' }, [p?.gender, p?.birthDate ? `born ${p.birthDate.slice(0, 4)}` : null, s.assignedArm].filter(Boolean).join(' · ')));
  };
  const known = new Set(BOARD.map(b => b[0]));
  const other = subjects.filter(s => !known.has(s.status) && !s.status.startsWith('on-study'));
  const cols = BOARD.map(([status, title]) => {
    const list = column(status);
    // a scrolling list: focusable so that it scrolls from the keyboard too
    const items = h('ul', { tabindex: '0', 'aria-label': `${title}: ${list.length} subjects` }, list.map(card));
    return h('section', { 'aria-labelledby': `col-${status}`, 'data-status': status },
      h('h3', { id: `col-${status}` }, `${title} (${list.length})`),
      status === 'ineligible' ? h('details', {}, h('summary', {}, 'Show'), items) : items);
  });
  if (other.length) cols.push(h('section', {}, h('h3', {}, `Other (${other.length})`), h('ul', {}, other.map(card))));
  const randomized = subjects.filter(s => s.assignedArm).sort((a, b) => (a.period?.start || '').localeCompare(b.period?.start || ''));
  const km = kmFigure(randomized, patients);
  return [
    h('div', { class: 'board', id: 'screening-board' }, cols),
    h('h2', {}, 'Randomized subjects'),
    h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Randomized subjects' }, table(`${randomized.length} randomized subjects`,
      [{ label: 'Patient', rowHeader: true }, { label: 'Arm' }, { label: 'Actual arm' }, { label: 'Randomized' }, { label: 'Status' }, { label: 'Deceased' }],
      randomized.map(s => [patientLink(s), s.assignedArm, s.actualArm ?? '–', when(s.period?.start), s.status,
        when(patients.get(s.individual?.reference)?.deceasedDateTime) === '–' ? 'no' : 'yes']), { id: 'randomized-table' })),
    km ? h('h2', {}, 'Survival') : null, km,
  ];
}

/** Kaplan-Meier of death after randomization by arm, censored at day 60 or today. */
function kmFigure(randomized, patients) {
  const now = Date.now();
  const arms = [...new Set(randomized.map(s => s.assignedArm))];
  const groups = arms.map(arm => ({
    label: arm,
    subjects: randomized.filter(s => s.assignedArm === arm && s.period?.start).map(s => {
      const start = Date.parse(s.period.start);
      const died = Date.parse(patients.get(s.individual?.reference)?.deceasedDateTime || '');
      return Number.isNaN(died)
        ? { time: Math.max(0, (now - start) / DAY), event: false }
        : { time: Math.max(0, (died - start) / DAY), event: true };
    }),
  })).filter(g => g.subjects.length);
  if (!groups.length) return null;
  return kaplanMeier('chart-km', `Survival after randomization by arm (Kaplan-Meier, to day ${HORIZON_DAYS})`, groups, HORIZON_DAYS);
}
