// The console's only way to the server: the existing API with the token as a bearer token.

const KEY = 'shockreg.console.token';
const ADMIN = 'shockreg.console.admin';

export const session = {
  token: () => sessionStorage.getItem(KEY),
  /** Only hides the admin sections for other roles: the API decides what a token may do. */
  isAdmin: () => sessionStorage.getItem(ADMIN) !== 'false',
  save: (t, admin) => {
    sessionStorage.setItem(KEY, t);
    sessionStorage.setItem(ADMIN, String(admin));
  },
  clear: () => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ADMIN);
  },
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** fetch with the bearer token; JSON in and out; problem+json and OperationOutcome become ApiError. */
export async function api(path, { method = 'GET', body, accept = 'application/json', token } = {}) {
  const headers = { Accept: accept, Authorization: `Bearer ${token ?? session.token() ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (res.status === 401 && token === undefined) {
    session.clear();
    window.dispatchEvent(new CustomEvent('console:signed-out', { detail: 'The token was refused (401): sign in again.' }));
  }
  if (!res.ok) throw new ApiError(res.status, describe(res.status, data));
  return data;
}

function describe(status, data) {
  if (data && typeof data === 'object') {
    if (data.resourceType === 'OperationOutcome') {
      const text = (data.issue || []).map(i => i.diagnostics || i.details?.text).filter(Boolean).join('; ');
      return `HTTP ${status}: ${text || 'error'}`;
    }
    if (data.detail || data.title) return `HTTP ${status}: ${data.detail || data.title}`;
  }
  if (status === 403) return 'HTTP 403: the role of this token may not see this.';
  return `HTTP ${status}`;
}

/** A FHIR read or search under /fhir. */
export function fhir(path, params) {
  const q = params ? '?' + new URLSearchParams(params) : '';
  return api(`/fhir/${path}${q}`, { accept: 'application/fhir+json' });
}

/** Every page of a search (following "next" links on this origin), up to max resources. */
export async function searchAll(path, params, max = 2000) {
  let bundle = await fhir(path, params);
  const entries = [...(bundle.entry || [])];
  for (;;) {
    const next = (bundle.link || []).find(l => l.relation === 'next');
    if (!next || entries.length >= max) break;
    const u = new URL(next.url, location.href);
    bundle = await api(u.pathname + u.search, { accept: 'application/fhir+json' });
    entries.push(...(bundle.entry || []));
  }
  return entries;
}

/** A FHIR Parameters as a plain object: parts nest, repeated names become arrays. */
export function parametersObject(params) {
  const out = {};
  for (const p of params.parameter || params.part || []) {
    const v = p.part ? parametersObject(p) : valueOf(p);
    if (p.name in out) out[p.name] = [].concat(out[p.name], [v]);
    else out[p.name] = v;
  }
  return out;
}

function valueOf(p) {
  for (const [k, v] of Object.entries(p)) {
    if (!k.startsWith('value')) continue;
    if (k === 'valueQuantity') return v.value;
    if (k === 'valueReference') return v.display || v.reference;
    return v;
  }
  return null;
}

export const asArray = x => (x === undefined || x === null ? [] : Array.isArray(x) ? x : [x]);
