// Patient: one curated patient's record as a timeline (GET /fhir/Patient/{id}/$everything).
import { searchAll } from '../api.js';
import { h, table, when, loading, errorBox } from '../dom.js';

export async function render(root, [patientId] = []) {
  root.append(h('h1', {}, 'Patient'));
  const input = h('input', { id: 'patient-id', value: patientId || '', spellcheck: 'false', size: 40, required: true, pattern: '[A-Za-z0-9\\-.]{1,64}' });
  root.append(h('form', { class: 'toolbar', onsubmit: e => { e.preventDefault(); location.hash = `#patient/${encodeURIComponent(input.value.trim())}`; } },
    h('label', { for: 'patient-id' }, 'Curated Patient id'), input, h('button', { type: 'submit' }, 'Open')),
  h('p', { class: 'hint' }, 'Open a patient from a study board, or paste a curated (pseudonymous) Patient id.'));
  if (!patientId) return;
  const body = h('div', {}, loading(`patient ${patientId}`));
  root.append(body);
  try {
    const entries = await searchAll(`Patient/${encodeURIComponent(patientId)}/$everything`, { _count: 500 }, 10000);
    body.replaceChildren(...timeline(entries.map(e => e.resource)));
  } catch (e) {
    body.replaceChildren(errorBox(e));
  }
}

function timeline(resources) {
  const patient = resources.find(r => r.resourceType === 'Patient');
  const facts = resources.filter(r => r.resourceType !== 'Patient')
    .map(r => ({ r, t: timeOf(r) }))
    .sort((a, b) => (a.t || '').localeCompare(b.t || ''));
  const counts = {};
  for (const { r } of facts) counts[r.resourceType] = (counts[r.resourceType] || 0) + 1;
  return [
    h('h2', {}, `Patient ${patient ? patient.id : ''}`),
    patient ? h('p', {}, [patient.gender, patient.birthDate ? `born ${patient.birthDate.slice(0, 4)}` : null,
      patient.deceasedDateTime ? `died ${when(patient.deceasedDateTime)}` : null].filter(Boolean).join(' · ')) : null,
    h('p', { class: 'muted' }, Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')),
    table(`Timeline: ${facts.length} curated facts`,
      [{ label: 'Time', rowHeader: true }, { label: 'Kind' }, { label: 'What' }, { label: 'Value' }, { label: 'Status' }],
      facts.map(({ r, t }) => [when(t), r.resourceType, what(r), value(r), r.status || r.clinicalStatus?.coding?.[0]?.code || '']),
      { id: 'patient-timeline' }),
  ];
}

/** v3 ActCode encounter classes, as the curated Encounter carries them (code only). */
const ENCOUNTER_CLASS = { IMP: 'inpatient stay', ACUTE: 'inpatient acute', EMER: 'emergency', AMB: 'ambulatory', SS: 'short stay' };

function timeOf(r) {
  return r.effectiveDateTime || r.effectivePeriod?.start || r.performedDateTime || r.performedPeriod?.start
    || r.onsetDateTime || r.recordedDate || r.period?.start || r.issued || '';
}

function concept(c) {
  if (!c) return '';
  return c.text || c.coding?.map(x => x.display || x.code).find(Boolean) || '';
}

function what(r) {
  if (r.resourceType === 'Encounter') {
    const cls = r.class?.display || ENCOUNTER_CLASS[r.class?.code] || r.class?.code;
    return [concept(r.type?.[0]), cls].filter(Boolean).join(', ') || 'encounter';
  }
  return concept(r.code);
}

function value(r) {
  if (r.valueQuantity) return `${r.valueQuantity.value} ${r.valueQuantity.unit || r.valueQuantity.code || ''}`.trim();
  if (r.valueCodeableConcept) return concept(r.valueCodeableConcept);
  if (r.valueBoolean !== undefined) return String(r.valueBoolean);
  if (r.valueString) return r.valueString;
  if (r.valueInteger !== undefined) return String(r.valueInteger);
  if (r.performedPeriod) return `${when(r.performedPeriod.start)} → ${when(r.performedPeriod.end)}`;
  if (r.period && r.resourceType === 'Encounter') return `until ${when(r.period.end)}`;
  return '';
}
