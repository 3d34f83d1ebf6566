// The console shell: sign-in with a bearer token (kept in sessionStorage), hash routes, one view
// at a time. Views only call the existing API (docs/console.md).
import { api, session } from './api.js';
import { h, errorBox } from './dom.js';
import * as sources from './views/sources.js';
import * as deadLetters from './views/dead-letters.js';
import * as unmappedCodes from './views/unmapped-codes.js';
import * as cohorts from './views/cohorts.js';
import * as studies from './views/studies.js';
import * as patient from './views/patient.js';

const VIEWS = {
  sources: { title: 'Sources', render: sources.render },
  'dead-letters': { title: 'Dead letters', render: deadLetters.render },
  'unmapped-codes': { title: 'Unmapped codes', render: unmappedCodes.render },
  cohorts: { title: 'Cohorts', render: cohorts.render },
  studies: { title: 'Studies', render: studies.render },
  patient: { title: 'Patient', render: patient.render },
};

const $ = id => document.getElementById(id);

function showSignIn(message) {
  $('nav').hidden = true;
  $('sign-out').hidden = true;
  $('view').replaceChildren();
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message || '';
  document.title = 'Sign in · ShockReg console';
  $('token').focus();
}

function route() {
  if (!session.token()) {
    showSignIn();
    return;
  }
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  $('sign-out').hidden = false;
  for (const li of document.querySelectorAll('#nav [data-admin]')) li.hidden = !session.isAdmin();
  const [name, ...args] = location.hash.replace(/^#/, '').split('/').map(decodeURIComponent);
  const key = VIEWS[name] ? name : session.isAdmin() ? 'sources' : 'studies';
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#${key}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${VIEWS[key].title} · ShockReg console`;
  // a fresh container per visit: a slow earlier view cannot write into the new one
  const container = h('div', { class: 'view', 'data-view': key });
  $('view').replaceChildren(container);
  VIEWS[key].render(container, args.filter(Boolean)).catch(e => container.append(errorBox(e)));
}

async function signIn(event) {
  event.preventDefault();
  const token = $('token').value.trim();
  if (!token) return;
  const button = event.submitter;
  if (button) button.disabled = true;
  try {
    // 401: not a token of this server; 403: valid, but not admin (trial staff, analysts)
    let admin = true;
    try {
      await api('/admin/sources', { token });
    } catch (e) {
      if (e.status !== 403) throw e;
      admin = false;
    }
    session.save(token, admin);
    $('token').value = '';
    if (!location.hash || location.hash === '#') location.hash = admin ? '#sources' : '#studies';
    route();
    $('main').focus();
  } catch (e) {
    showSignIn(e.status === 401 ? 'This token was refused (401).' : e.message);
  } finally {
    if (button) button.disabled = false;
  }
}

$('sign-in-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', () => {
  session.clear();
  showSignIn('Signed out.');
});
window.addEventListener('console:signed-out', e => showSignIn(e.detail));
window.addEventListener('hashchange', () => {
  route();
  $('main').focus({ preventScroll: true });
});
route();
