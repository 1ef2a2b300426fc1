// The page of `annex serve`: builds the profile's TOML text from the form, asks
// /v1/check as the user types and shows each finding beside the field whose line it
// points at, then asks /v1/render for the preview and the download. No framework, no
// build step, nothing fetched but this server's API.
'use strict';

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 350;
let catalogue = null;
let matrices = [];
let seq = 0;
let timer = null;
let pdfUrl = null;

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
    r = await fetch('/v1/render?kind=annex', { method: 'POST', headers: apiHeaders(true), body });
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
  const pages = r.headers.get('X-Annex-Pages');
  setStatus('Preview of ' + name + ': ' + pages + (pages === '1' ? ' page' : ' pages') +
    (r.headers.get('X-Annex-Sealed') === 'true' ? ', sealed' : '') +
    ', fingerprint ' + fingerprint.slice(0, 12) + '…');
  if (previous) setTimeout(() => URL.revokeObjectURL(previous), 60000);
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
  $('token').addEventListener('change', () => { if (!catalogue) start(); else schedule(); });
  $('add-signatory').addEventListener('click', () => { addSignatory('customer', '', ''); schedule(); });
  start();
});
