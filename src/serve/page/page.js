// The page of `annex serve`: builds the profile's TOML text from the form, asks
// /v1/check as the user types and shows each finding beside the field whose line it
// points at, then asks /v1/render for the preview and the download. No framework, no
// build step, nothing fetched but this server's API. With a register (`--register`), the
// Register section lists /v1/annexes (filtered, refreshed after each final annex) and shows
// one document's signatures from /v1/annexes/{fingerprint}; every value from the server is
// set as text, never as markup.
'use strict';

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 350;
let catalogue = null;
let matrices = [];
let seq = 0;
let timer = null;
let pdfUrl = null;
let registerSeq = 0;
let registerTimer = null;
let detailSeq = 0;

function apiHeaders(json) {
  const h = {};
  if (json) h['Content-Type'] = 'application/json';
  const token = $('token').value;
  if (token) h['Authorization'] = 'Bearer ' + token;
  return h;
}

async function getJSON(path) {
  const r = await fetch(path, { headers: apiHeaders(false) });
  if (!r.ok) throw await r.json().catch(() => ({ title: r.statusText, status: r.status }));
  return r.json();
}

// A TOML basic string: JSON's escapes are TOML's, but for DEL, which TOML wants escaped.
function str(s) {
  return JSON.stringify(s).replace(/\u007f/g, '\\u007f');
}

function value(id) {
  return $(id).value;
}

function checked(id) {
  return Array.from($(id).querySelectorAll('input:checked')).map((i) => i.value);
}

// The profile as TOML text, and the field each of its lines belongs to.
function buildProfile() {
  const lines = [];
  const fieldOf = {};
  const put = (text, field) => {
    lines.push(text);
    fieldOf[lines.length] = field || 'other';
  };
  put('[customer]');
  put('legal-name = ' + str(value('customer.legal-name')), 'customer.legal-name');
  for (const key of ['short-name', 'address', 'registration']) {
    const v = value('customer.' + key);
    if (v !== '') put(key + ' = ' + str(v), 'customer.' + key);
  }
  put('');
  put('[contract]');
  put('reference = ' + str(value('contract.reference')), 'contract.reference');
  const number = value('contract.annex-number');
  put('annex-number = ' + (/^[0-9]{1,9}$/.test(number) ? String(Number(number)) : str(number)),
    'contract.annex-number');
  const date = value('contract.effective-date');
  // A date input gives YYYY-MM-DD or nothing; nothing is written as a string, so the
  // finding lands on this line.
  put('effective-date = ' + (/^\d{4}-\d{2}-\d{2}$/.test(date) ? date : str(date)),
    'contract.effective-date');
  put('status = ' + str(value('contract.status')), 'contract.status');
  put('language = ' + str(value('contract.language')), 'contract.language');
  put('');
  put('[location]');
  put('region = ' + str(value('location.region')), 'location.region');
  put('');
  put('[subscription]');
  put('services = [' + checked('subscription.services').map(str).join(', ') + ']', 'subscription.services');
  put('options = [' + checked('subscription.options').map(str).join(', ') + ']', 'subscription.options');
  const variant = value('subscription.variant');
  if (variant !== '') put('variant = ' + str(variant), 'subscription.variant');
  put('qualifications = [' + checked('subscription.qualifications').map(str).join(', ') + ']',
    'subscription.qualifications');
  for (const row of document.querySelectorAll('.signatory')) {
    put('');
    put('[[signatories]]', 'signatories');
    put('party = ' + str(row.querySelector('.party').value), 'signatories');
    put('name = ' + str(row.querySelector('.name').value), 'signatories');
    put('title = ' + str(row.querySelector('.title').value), 'signatories');
  }
  return { text: lines.join('\n') + '\n', fieldOf };
}

function clearFindings() {
  for (const box of document.querySelectorAll('.findings')) box.replaceChildren();
  for (const el of document.querySelectorAll('.invalid')) el.classList.remove('invalid');
}

// A finding as the form says it: an empty choice is asked for by the field's label
// ("Choose a region"), not named by its key in the profile file.
function pageMessage(f, field) {
  const input = $(field);
  if (f.code === 'profile::empty-field' && input && input.tagName === 'SELECT') {
    const label = input.closest('label');
    const name = label ? label.firstChild.textContent.trim().toLowerCase() : field;
    return 'Choose a ' + name + '.';
  }
  return f.message;
}

// Shows each finding of the profile beside its field; returns how many errors.
function showFindings(findings, fieldOf) {
  clearFindings();
  let errors = 0;
  for (const f of findings || []) {
    const place = f.location;
    if (place && place.file !== 'profile.toml') continue; // about the matrix, not the form
    if (f.severity === 'error') errors += 1;
    const field = place ? fieldOf[place.line] || 'other' : 'other';
    const box = document.querySelector('.findings[data-for="' + field + '"]') || $('other-findings');
    const item = document.createElement('div');
    item.className = 'finding ' + f.severity;
    item.dataset.code = f.code;
    item.textContent = pageMessage(f, field) + ' ';
    const code = document.createElement('code');
    code.textContent = f.code;
    item.append(code);
    // Hints that name a command (`annex catalogue regions`) are for the CLI, not the form.
    for (const note of (f.notes || []).filter((n) => !/`annex /.test(n))) {
      const n = document.createElement('div');
      n.textContent = note;
      item.append(n);
    }
    box.append(item);
    const input = $(field);
    if (input) input.classList.add('invalid');
  }
  return errors;
}

function setStatus(text) {
  $('status').textContent = text;
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(update, DEBOUNCE_MS);
}

async function update() {
  const mine = ++seq;
  const { text, fieldOf } = buildProfile();
  const body = JSON.stringify({ matrix: value('matrix'), profile: text });
  setStatus('Checking…');
  let report;
  try {
    const r = await fetch('/v1/check', { method: 'POST', headers: apiHeaders(true), body });
    report = await r.json();
    if (mine !== seq) return;
    if (!r.ok) {
      setStatus(report.title + ': ' + report.detail);
      return;
    }
  } catch (e) {
    if (mine === seq) setStatus('The server cannot be reached: ' + e);
    return;
  }
  const errors = showFindings(report.findings, fieldOf);
  if (errors > 0) {
    setStatus(errors + (errors === 1 ? ' problem' : ' problems') + ' to fix before the preview');
    return;
  }
  setStatus('Typesetting…');
  let r;
  try {
    // A preview is not recorded in the register: the annex is recorded when downloaded.
    r = await fetch('/v1/render?kind=annex&record=false', { method: 'POST', headers: apiHeaders(true), body });
  } catch (e) {
    if (mine === seq) setStatus('The server cannot be reached: ' + e);
    return;
  }
  if (mine !== seq) return;
  if (!r.ok) {
    const problem = await r.json();
    showFindings(problem.findings, fieldOf);
    setStatus(problem.title + ': ' + problem.detail);
    return;
  }
  const blob = await r.blob();
  if (mine !== seq) return;
  const previous = pdfUrl;
  pdfUrl = URL.createObjectURL(blob);
  const name = (/filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') || '') || [])[1] || 'annex.pdf';
  const fingerprint = r.headers.get('X-Annex-Fingerprint') || '';
  $('preview').src = pdfUrl;
  const link = $('download');
  link.href = pdfUrl;
  link.download = name;
  link.classList.remove('disabled');
  link.setAttribute('aria-disabled', 'false');
  link.dataset.fingerprint = fingerprint;
  link.dataset.body = body;
  link.dataset.recorded = value('contract.status') === 'final' ? 'no' : 'not-final';
  const pages = r.headers.get('X-Annex-Pages');
  setStatus('Preview of ' + name + ': ' + pages + (pages === '1' ? ' page' : ' pages') +
    (r.headers.get('X-Annex-Sealed') === 'true' ? ', sealed' : '') +
    ', fingerprint ' + fingerprint.slice(0, 12) + '…');
  if (previous) setTimeout(() => URL.revokeObjectURL(previous), 60000);
}

// Downloading a final annex issues it: the browser saves the preview's bytes, and the
// server makes the same document again (same inputs, same bytes) with record=true, so the
// register holds what was downloaded, not every preview.
async function download(ev) {
  const link = ev.currentTarget;
  if (link.dataset.recorded !== 'no') return;
  link.dataset.recorded = 'pending';
  let r;
  try {
    r = await fetch('/v1/render?kind=annex', { method: 'POST', headers: apiHeaders(true), body: link.dataset.body });
  } catch (e) {
    link.dataset.recorded = 'no';
    setStatus(link.download + ' was downloaded but NOT recorded in the register: the server cannot be reached (' + e + ')');
    return;
  }
  if (!r.ok) {
    link.dataset.recorded = 'no';
    const problem = await r.json();
    setStatus(link.download + ' was downloaded but NOT recorded in the register: ' + problem.title + ': ' + problem.detail);
    return;
  }
  link.dataset.recorded = 'yes';
  setStatus('Downloaded ' + link.download + '; recorded in the register (fingerprint ' +
    (r.headers.get('X-Annex-Fingerprint') || '').slice(0, 12) + '…)');
  refreshRegister();
}

// --- The register ---

function registerStatus(text) {
  $('register-status').textContent = text;
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.append(td);
  return td;
}

// An RFC 3339 time as the page shows it: to the second, UTC.
function shownTime(rfc3339) {
  return String(rfc3339).replace('T', ' ').replace(/\.\d+/, '').replace(/Z$|\+00:00$/, ' UTC');
}

function fillList(list, values) {
  list.replaceChildren();
  for (const v of [...new Set(values)].sort()) option(list, v, v);
}

// Asks /v1/annexes with the filters given and lists what it answers, newest first.
async function refreshRegister() {
  const mine = ++registerSeq;
  const query = new URLSearchParams();
  for (const key of ['customer', 'contract', 'state']) {
    const v = value('filter.' + key).trim();
    if (v !== '') query.set(key, v);
  }
  const filtered = query.toString() !== '';
  let r;
  let answer;
  try {
    r = await fetch('/v1/annexes' + (filtered ? '?' + query : ''), { headers: apiHeaders(false) });
    answer = await r.json();
  } catch (e) {
    if (mine === registerSeq) registerStatus('The register cannot be read: ' + e);
    return;
  }
  if (mine !== registerSeq) return;
  if (!r.ok) {
    const noRegister = answer && answer.type === 'urn:annex:problem:no-register';
    $('register-body').hidden = true;
    $('register').classList.toggle('absent', noRegister);
    registerStatus(noRegister
      ? 'This server keeps no register (start it with --register to list the final annexes it makes).'
      : (answer.title || r.statusText) + (answer.detail ? ': ' + answer.detail : ''));
    return;
  }
  $('register').classList.remove('absent');
  $('register-body').hidden = false;
  const entries = (answer.annexes || []).slice().reverse();
  if (!filtered) {
    fillList($('register-customers'), entries.map((e) => e.customer));
    fillList($('register-contracts'), entries.map((e) => e.contract));
  }
  const rows = $('register-rows');
  rows.replaceChildren();
  for (const e of entries) {
    const row = document.createElement('tr');
    row.dataset.fingerprint = e.fingerprint;
    cell(row, e.customer);
    cell(row, e.contract);
    cell(row, e.annex);
    cell(row, e.state).className = 'state';
    cell(row, e.kind === 'annex' ? e.signatures + '/' + e.signature_places : '—');
    cell(row, e.matrix);
    cell(row, shownTime(e.recorded));
    const file = document.createElement('button');
    file.type = 'button';
    file.className = 'link';
    file.textContent = e.file;
    file.setAttribute('aria-label', 'Details of ' + e.file + ', ' + e.customer + ', recorded ' + shownTime(e.recorded));
    file.addEventListener('click', (ev) => { ev.stopPropagation(); showAnnex(e.fingerprint, row); });
    cell(row, '').append(file);
    row.addEventListener('click', () => showAnnex(e.fingerprint, row));
    rows.append(row);
  }
  const n = entries.length;
  registerStatus(n === 0
    ? (filtered ? 'No annex of the register matches these filters.' : 'The register holds no annex yet.')
    : n + (n === 1 ? ' annex' : ' annexes') +
      (filtered ? (n === 1 ? ' matches' : ' match') + ' these filters.' : ' in the register.'));
}

function fact(list, term, text) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = text;
  list.append(dt, dd);
  return dd;
}

// One document of the register, from /v1/annexes/{fingerprint}: its digests and signatures.
async function showAnnex(fingerprint, row) {
  const mine = ++detailSeq;
  for (const r of document.querySelectorAll('#register-rows tr.chosen')) {
    r.classList.remove('chosen');
    r.removeAttribute('aria-current');
  }
  if (row) {
    row.classList.add('chosen');
    row.setAttribute('aria-current', 'true');
  }
  const detail = $('register-detail');
  let r;
  let answer;
  try {
    r = await fetch('/v1/annexes/' + encodeURIComponent(fingerprint), { headers: apiHeaders(false) });
    answer = await r.json();
  } catch (e) {
    if (mine === detailSeq) registerStatus('The register cannot be read: ' + e);
    return;
  }
  if (mine !== detailSeq) return;
  if (!r.ok) {
    registerStatus((answer.title || r.statusText) + (answer.detail ? ': ' + answer.detail : ''));
    return;
  }
  const e = (answer.annexes || []).find((x) => x.fingerprint === fingerprint) || (answer.annexes || [])[0];
  if (!e) return;
  $('register-detail-title').textContent = e.file + ' — ' + e.customer;
  const facts = $('register-facts');
  facts.replaceChildren();
  fact(facts, 'Contract', e.contract + ', annex ' + e.annex + ' (' + e.kind + ')');
  fact(facts, 'State', e.state);
  fact(facts, 'Matrix', e.matrix);
  fact(facts, 'Recorded', shownTime(e.recorded));
  fact(facts, 'Fingerprint', e.fingerprint).className = 'digest fingerprint';
  fact(facts, 'SHA-256', e.sha256).className = 'digest sha256';
  fact(facts, 'Matrix digest', e.matrix_digest).className = 'digest';
  const body = $('register-signatures').querySelector('tbody');
  body.replaceChildren();
  for (const s of e.signed_by || []) {
    const tr = document.createElement('tr');
    cell(tr, s.signer);
    cell(tr, s.level);
    cell(tr, s.time == null ? '—' : shownTime(new Date(s.time * 1000).toISOString()));
    body.append(tr);
  }
  if (!(e.signed_by || []).length) {
    const tr = document.createElement('tr');
    cell(tr, 'Not signed yet: ' + e.signatures + ' of ' + e.signature_places + ' signatures.').colSpan = 3;
    body.append(tr);
  }
  detail.hidden = false;
}

function option(select, v, label) {
  const o = document.createElement('option');
  o.value = v;
  o.textContent = label;
  select.append(o);
}

function choices(box, entries, name, preset) {
  box.replaceChildren();
  for (const e of entries) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.value = e.id;
    input.name = name;
    input.checked = preset.includes(e.id);
    label.append(input, ' ' + e.name);
    box.append(label);
  }
}

function currentMatrix() {
  return matrices.find((m) => m.id === value('matrix')) || matrices[0];
}

function partyChoices(select, chosen) {
  const m = currentMatrix();
  select.replaceChildren();
  const seen = new Set();
  for (const p of (m ? m.parties : [])) {
    seen.add(p.id);
    option(select, p.id, p.name);
  }
  for (const role of ['customer', 'provider']) if (!seen.has(role)) option(select, role, role);
  if (chosen) select.value = chosen;
}

function addSignatory(party, name, title) {
  const row = document.createElement('div');
  row.className = 'signatory';
  const select = document.createElement('select');
  select.className = 'party';
  select.setAttribute('aria-label', 'Party');
  partyChoices(select, party);
  const n = document.createElement('input');
  n.className = 'name';
  n.placeholder = 'Name';
  n.value = name || '';
  const t = document.createElement('input');
  t.className = 'title';
  t.placeholder = 'Title';
  t.value = title || '';
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.textContent = '×';
  remove.title = 'Remove';
  remove.addEventListener('click', () => { row.remove(); schedule(); });
  row.append(select, n, t, remove);
  $('signatories').append(row);
}

function matrixChanged() {
  const m = currentMatrix();
  const variant = $('subscription.variant');
  variant.replaceChildren();
  option(variant, '', '—');
  for (const v of (m ? m.variants : [])) option(variant, v, v);
  $('variant-label').hidden = !m || m.variants.length === 0;
  for (const select of document.querySelectorAll('.signatory .party')) partyChoices(select, select.value);
  if (m) {
    for (const box of $('subscription.services').querySelectorAll('input')) {
      if (box.value === m.service) box.checked = true;
    }
  }
}

async function start() {
  try {
    [catalogue, { matrices }] = await Promise.all([getJSON('/v1/catalogue'), getJSON('/v1/matrices')]);
  } catch (problem) {
    setStatus((problem.status === 401 ? 'This server needs its API token: enter it below. ' : '') +
      (problem.title || problem));
    registerStatus('The register is shown once the page can reach the API.');
    return false;
  }
  const m = $('matrix');
  m.replaceChildren();
  for (const x of matrices) option(m, x.id, x.title + ' (' + x.id + ')');
  const region = $('location.region');
  region.replaceChildren();
  option(region, '', 'Choose a region…');
  for (const r of catalogue.regions) option(region, r.code, r.code + ' — ' + r.city + ', ' + r.country);
  choices($('subscription.services'), catalogue.services, 'services', []);
  choices($('subscription.options'), catalogue.options, 'options', []);
  choices($('subscription.qualifications'), catalogue.qualifications, 'qualifications', []);
  if (!$('contract.effective-date').value) {
    $('contract.effective-date').value = new Date().toISOString().slice(0, 10);
  }
  $('signatories').replaceChildren();
  matrixChanged();
  addSignatory('customer', '', '');
  addSignatory('provider', '', '');
  schedule();
  refreshRegister();
  return true;
}

document.addEventListener('DOMContentLoaded', () => {
  const form = $('profile');
  form.addEventListener('input', (e) => { if (e.target.id !== 'token') schedule(); });
  form.addEventListener('change', (e) => {
    if (e.target.id === 'matrix') matrixChanged();
    if (e.target.id !== 'token') schedule();
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  $('token').addEventListener('change', () => {
    if (!catalogue) start();
    else { schedule(); refreshRegister(); }
  });
  const filters = $('register-filters');
  filters.addEventListener('input', () => {
    clearTimeout(registerTimer);
    registerTimer = setTimeout(refreshRegister, DEBOUNCE_MS);
  });
  filters.addEventListener('submit', (e) => { e.preventDefault(); refreshRegister(); });
  $('download').addEventListener('click', download);
  $('add-signatory').addEventListener('click', () => { addSignatory('customer', '', ''); schedule(); });
  start();
});
