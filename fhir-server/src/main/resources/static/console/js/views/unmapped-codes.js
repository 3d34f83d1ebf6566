// Unmapped codes: local codes that no rule maps yet, per site, how often and when last seen.
import { api } from '../api.js';
import { h, table, when, errorBox, announce } from '../dom.js';

export async function render(root, [site] = []) {
  root.append(h('h1', {}, 'Unmapped codes'));
  const rows = await api('/admin/unmapped-codes');
  const sites = [...new Set(rows.map(r => r.siteId))].sort();
  const select = h('select', { id: 'unmapped-site' },
    h('option', { value: '' }, 'All sites'),
    sites.map(s => h('option', { value: s, selected: s === site }, s)));
  select.addEventListener('change', () => { location.hash = select.value ? `#unmapped-codes/${encodeURIComponent(select.value)}` : '#unmapped-codes'; });
  const reloadResult = h('div', { id: 'mapping-reload-result' });
  root.append(
    h('form', { class: 'toolbar', onsubmit: e => e.preventDefault() },
      h('label', { for: 'unmapped-site' }, 'Site'), select),
    h('p', { class: 'hint' },
      'To map a code, open its entry below, choose the target and "Save to the site file": the entry is added to ',
      'mappings/sites/<site>.yaml (its comments kept) and the rules reload; data received under the code is mapped again. ',
      'Edited the files by hand? Reload the site mappings.'),
    h('p', {}, h('button', { type: 'button', id: 'reload-mappings', onclick: e => reload(e.currentTarget, reloadResult) }, 'Reload site mappings')),
    reloadResult);
  const shown = site ? [site] : sites;
  if (!shown.length) root.append(h('p', { class: 'muted' }, 'No unmapped codes.'));
  for (const s of shown) {
    const mine = rows.filter(r => r.siteId === s);
    const seen = mine.reduce((a, r) => a + r.count, 0);
    root.append(h('section', { 'aria-labelledby': `unmapped-${s}` },
      h('h2', { id: `unmapped-${s}` }, `${s}: ${mine.length} codes, seen ${seen} times`),
      table(null, [{ label: 'Code', rowHeader: true }, { label: 'System' }, { label: 'Display' }, { label: 'Resource type' },
        { label: 'Count', num: true }, { label: 'First seen' }, { label: 'Last seen' }, { label: 'Mapping entry' }],
      mine.map((r, i) => [r.code, r.system ?? '–', r.display ?? '–', r.resourceType, r.count, when(r.firstSeen), when(r.lastSeen),
        draft(r, `${s}-${i}`)]))));
  }
}

// What a code can be mapped to, by resource type (docs/local-codes.md, "File format").
const TARGETS = {
  Observation: { section: 'measurements', key: 'variable', unit: true,
    values: ['lvef', 'lactate', 'sbp', 'dbp', 'map', 'hr', 'ci', 'co', 'cvp', 'pcwp', 'creatinine'] },
  Procedure: { section: 'devices', key: 'device',
    values: ['iabp', 'impella', 'va-ecmo', 'vv-ecmo', 'tandemheart', 'durable-lvad', 'heart-transplant', 'vad-unspecified'] },
  Condition: { section: 'diagnoses', key: 'category',
    values: ['cardiogenic-shock', 'septic-shock', 'acute-mi', 'ischemic-cardiomyopathy', 'prior-mi', 'heart-failure',
      'cardiomyopathy', 'myocarditis', 'pulmonary-embolism', 'pregnancy'] },
};

/**
 * The site-file entry for one code: shown as it will be written, saved through
 * POST /admin/mappings/sites/{site}/entries (which appends it to the file and reloads; an invalid
 * entry is refused with the loader's errors and the file stays as it was).
 */
function draft(r, id) {
  const t = TARGETS[r.resourceType];
  if (!t) return '–';
  const target = h('select', { id: `draft-${id}-target` }, t.values.map(v => h('option', { value: v }, v)));
  const unit = t.unit ? h('input', { id: `draft-${id}-unit`, size: 8, value: '', placeholder: 'e.g. mg/dL' }) : null;
  const out = h('pre', { class: 'payload', 'aria-live': 'polite', 'aria-label': `Mapping entry for ${r.code}` });
  const update = () => {
    const fields = [`system: ${JSON.stringify(r.system ?? '')}`, `code: ${JSON.stringify(r.code)}`];
    if (r.display) fields.push(`display: ${JSON.stringify(r.display)}`);
    fields.push(`${t.key}: ${target.value}`);
    if (unit) fields.push(`unit: ${JSON.stringify(unit.value || '?')}`);
    out.textContent = `# mappings/sites/${r.siteId}.yaml\n${t.section}:\n  - { ${fields.join(', ')} }`;
  };
  target.addEventListener('change', update);
  if (unit) unit.addEventListener('input', update);
  update();
  const result = h('div', { id: `draft-${id}-result` });
  const save = h('button', { type: 'button', id: `draft-${id}-save`, onclick: async () => {
    save.disabled = true;
    try {
      const body = { section: t.section, system: r.system ?? '', code: r.code, display: r.display ?? null,
        target: target.value, unit: unit ? unit.value : null };
      const res = await api(`/admin/mappings/sites/${encodeURIComponent(r.siteId)}/entries`, { method: 'POST', body });
      const m = res.remapped || {};
      const text = `Saved to mappings/sites/${r.siteId}.yaml and reloaded; remapped ${m.curated ?? 0} resources, ${m.stillUnmapped ?? 0} still unmapped.`;
      result.replaceChildren(h('p', { class: 'ok', role: 'status' }, text));
      announce(text);
    } catch (e) {
      result.replaceChildren(errorBox(e));
    } finally {
      save.disabled = false;
    }
  } }, 'Save to the site file');
  return h('details', {}, h('summary', {}, `Map ${r.code}`),
    h('div', { class: 'toolbar' }, h('label', { for: `draft-${id}-target` }, t.key), target,
      unit ? [h('label', { for: `draft-${id}-unit` }, 'unit sent'), unit] : null),
    out, h('p', {}, save), result);
}

async function reload(button, out) {
  button.disabled = true;
  try {
    const r = await api('/admin/mappings/reload', { method: 'POST' });
    const m = r.remapped || {};
    const text = `Site mappings reloaded: ${r.files} files, ${r.entries} entries; remapped ${m.curated ?? 0} resources, ${m.stillUnmapped ?? 0} still unmapped.`;
    out.replaceChildren(h('p', { class: 'ok', role: 'status' }, text));
    announce(text);
  } catch (e) {
    out.replaceChildren(errorBox(e));
  } finally {
    button.disabled = false;
  }
}
