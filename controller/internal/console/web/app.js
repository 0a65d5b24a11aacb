// The hall management console. Plain JavaScript, no build step, no CDN:
// everything it needs is served by the controller. It talks to the
// controller's JSON APIs with the session cookie and sends the CSRF token
// on every change. Text from the server is only ever set as textContent.
'use strict';

const S = { me: null, csrf: '', services: [], windows: [], devices: {}, calls: [], lastSeq: 0, es: null, page: '', timers: [] };
const CH = { normal: '普通', appointment: '预约', love: '爱心', green: '绿色' };
const ST = { waiting: '等候中', called: '已叫号', serving: '办理中', parked: '挂起', no_show: '过号', done: '已办结', cancelled: '已取消', transferred: '已转办' };
const WS = { idle: '空闲', calling: '叫号中', serving: '办理中', paused: '暂停', closed: '未登录' };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids.flat()) {
    if (k === undefined || k === null) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

function rid() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return 'console-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

class APIError extends Error {
  constructor(status, code, msg) { super(msg); this.status = status; this.code = code; }
}

async function api(method, path, body) {
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') opt.headers['X-CSRF-Token'] = S.csrf;
  if (body !== undefined) { opt.headers['Content-Type'] = 'application/json'; opt.body = JSON.stringify(body); }
  let r;
  try { r = await fetch(path, opt); } catch (e) { throw new APIError(0, 'network', '无法连接控制器'); }
  let data = null;
  if (r.status !== 204) { try { data = await r.json(); } catch (e) { data = null; } }
  if (!r.ok) {
    const msg = (data && data.error && data.error.message) || ('HTTP ' + r.status);
    if (r.status === 401 && path.startsWith('/console/api/') && path !== '/console/api/login') showLogin();
    throw new APIError(r.status, data && data.error && data.error.code, msg);
  }
  return data;
}

// unavailable: a back end that is missing (404 on the route), failing or
// refusing this role leaves the page working with a note.
function unavailable(tbody, cols, e) {
  tbody.replaceChildren(el('tr', {}, el('td', { colspan: cols, class: 'unavailable' },
    e && e.status === 403 ? '无权查看（' + e.message + '）' : '暂不可用' + (e && e.status ? '（' + e.message + '）' : ''))));
}

function toast(msg, err) {
  const t = $('toast');
  t.textContent = msg;
  t.className = 'toast' + (err ? ' err' : '');
  clearTimeout(toast.t);
  toast.t = setTimeout(() => t.classList.add('hidden'), err ? 6000 : 2500);
}

function fmtDur(sec) {
  sec = Math.max(0, Math.floor(sec));
  const m = Math.floor(sec / 60), s = sec % 60;
  return m >= 60 ? Math.floor(m / 60) + '时' + (m % 60) + '分' : m + '分' + String(s).padStart(2, '0') + '秒';
}
// fmtTime shows the hall's local time as the controller wrote it (with
// the hall's offset), whatever the browser's time zone.
function fmtTime(iso) {
  if (!iso) return '';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
  return m ? m[1] + ' ' + m[2] : String(iso);
}
function svcName(id) { const s = S.services.find((x) => x.id === id); return s ? s.name : id; }
function today() { const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); }

// ---- sign-in ----

function showLogin() {
  stopStream();
  $('app').classList.add('hidden');
  $('login').classList.remove('hidden');
  $('login-user').focus();
}

async function login(ev) {
  ev.preventDefault();
  $('login-error').textContent = '';
  try {
    const me = await api('POST', '/console/api/login', { user: $('login-user').value, password: $('login-password').value });
    $('login-password').value = '';
    start(me);
  } catch (e) {
    $('login-error').textContent = e.message;
  }
}

async function logout() {
  try { await api('POST', '/console/api/logout'); } catch (e) { /* signed out anyway */ }
  S.me = null; S.csrf = '';
  showLogin();
}

function can(what) {
  const r = S.me && S.me.role;
  if (what === 'manage') return r === 'manager';
  if (what === 'supervise') return r === 'manager' || r === 'supervisor';
  if (what === 'audit') return r === 'manager' || r === 'auditor';
  return true;
}

async function start(me) {
  S.me = me; S.csrf = me.csrf;
  $('login').classList.add('hidden');
  $('app').classList.remove('hidden');
  $('me').textContent = (me.display || me.user) + '（' + me.role_label + '）';
  $('hall-name').textContent = me.hall || '政务服务大厅';
  document.querySelector('[data-page="audit"]').classList.toggle('hidden', !can('audit'));
  await loadStatic();
  startStream();
  route();
}

// ---- data shared by pages ----

async function loadStatic() {
  try { S.services = await api('GET', '/api/v1/services') || []; } catch (e) { S.services = []; }
  await loadWindows();
}
async function loadWindows() {
  try { S.windows = await api('GET', '/api/v1/windows') || []; } catch (e) { /* keep the last */ }
}
async function loadDevices() {
  try {
    const list = await api('GET', '/api/v1/devices/status');
    S.devices = {};
    for (const d of (Array.isArray(list) ? list : (list && list.devices) || [])) S.devices[d.device] = d;
    S.devicesOK = true;
  } catch (e) { S.devicesOK = false; S.devicesErr = e; }
}
function windowOffline(id) {
  return Object.values(S.devices).some((d) => d.role === 'window' && d.window === id && d.state === 'offline');
}

// ---- event stream ----

const EVENT_TYPES = ['ticket.issued', 'ticket.called', 'ticket.recalled', 'ticket.no_show', 'ticket.requeued', 'ticket.started',
  'ticket.finished', 'ticket.transferred', 'ticket.parked', 'ticket.taken_back', 'ticket.cancelled', 'ticket.channel_changed',
  'window.paused', 'window.resumed', 'window.logged_in', 'window.logged_out', 'window.handed_over', 'hall.day_rolled', 'config_changed'];

function stopStream() {
  if (S.es) { S.es.close(); S.es = null; }
  clearTimeout(S.retry);
}

async function startStream() {
  stopStream();
  let since = S.lastSeq;
  if (!since) {
    try { const h = await (await fetch('/healthz')).json(); since = Math.max(0, (h.last_seq || 0) - 300); } catch (e) { since = 0; }
  }
  const es = new EventSource('/api/v1/events?since=' + since);
  S.es = es;
  es.onopen = () => { $('conn').classList.add('hidden'); refreshSoon(); };
  es.onerror = () => {
    $('conn').classList.remove('hidden');
    if (es.readyState === EventSource.CLOSED) {
      // The browser gave up (e.g. the controller answered an error): try
      // again ourselves from the last event seen.
      S.retry = setTimeout(() => { if (S.me) startStream(); }, 3000);
    }
  };
  const onEvent = (m) => {
    let e;
    try { e = JSON.parse(m.data); } catch (x) { return; }
    if (e.seq) S.lastSeq = e.seq;
    if ((e.type === 'ticket.called' || e.type === 'ticket.recalled') && e.ticket) {
      S.calls.unshift(e);
      S.calls.length = Math.min(S.calls.length, 15);
    }
    if (e.type === 'config_changed') loadStatic();
    refreshSoon();
  };
  for (const t of EVENT_TYPES) es.addEventListener(t, onEvent);
  es.onmessage = onEvent;
}

function refreshSoon() {
  clearTimeout(S.refreshT);
  S.refreshT = setTimeout(() => refreshPage(false), 250);
}

// ---- pages ----

const PAGES = {};

function route() {
  if (!S.me) return;
  const p = (location.hash || '#monitor').slice(1);
  const page = PAGES[p] ? p : 'monitor';
  S.page = page;
  for (const s of document.querySelectorAll('.page')) s.classList.toggle('hidden', s.id !== 'page-' + page);
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === page);
  refreshPage(true);
}

function refreshPage(first) {
  const p = PAGES[S.page];
  if (p) p(first);
}

// Monitor: waiting counts, longest waits, windows, recent calls.
PAGES.monitor = async (first) => {
  const [q] = await Promise.all([api('GET', '/api/v1/queues').catch((e) => e), loadWindows(), first ? loadDevices() : null]);
  const tb = $('queues').tBodies[0];
  if (q instanceof Error) { unavailable(tb, 7, q); } else {
    S.queuesAt = Date.now();
    tb.replaceChildren(...q.services.map((s) => el('tr', { 'data-service': s.service },
      el('td', {}, svcName(s.service)),
      ...['normal', 'appointment', 'love', 'green'].map((c) => el('td', {}, s.waiting[c] || 0)),
      el('td', { class: 'total' }, s.total),
      el('td', { class: 'longest', 'data-wait': s.total ? s.longest_wait_seconds : '' }, ''))));
    tickWaits();
  }
  const wd = $('windows');
  wd.replaceChildren(...S.windows.map((w) => {
    const off = windowOffline(w.id);
    return el('div', { class: 'win ' + w.status + (off ? ' offline' : ''), id: 'mon-win-' + w.id, 'data-status': w.status },
      el('div', {}, el('strong', {}, w.name || w.id), ' ', el('span', { class: 'badge' + (w.status === 'paused' ? ' bad' : '') }, WS[w.status] || w.status),
        off ? el('span', { class: 'badge bad' }, '设备离线') : null),
      el('div', { class: 'num' }, w.current ? w.current.number : '—'),
      el('div', { class: 'muted' }, w.staff ? '工号 ' + w.staff : '', w.pause_reason ? ' · ' + w.pause_reason : ''),
      el('div', { class: 'muted' }, (w.services || []).map(svcName).join('、')));
  }));
  $('calls').replaceChildren(...(S.calls.length ? S.calls.map((c) => el('li', {},
    el('strong', {}, c.ticket.number), ' → ', (c.window || '') + '号窗口 ', el('span', { class: 'muted' }, fmtTime(c.at) + (c.type === 'ticket.recalled' ? '（重呼）' : ''))))
    : [el('li', { class: 'muted' }, '暂无叫号')]));
  // For the browser test's time-to-interactive figure.
  if (!window.consoleInteractive && !(q instanceof Error)) window.consoleInteractive = performance.now();
};

function tickWaits() {
  const extra = S.queuesAt ? (Date.now() - S.queuesAt) / 1000 : 0;
  for (const td of document.querySelectorAll('#queues td.longest')) {
    const w = td.dataset.wait;
    if (w === '') { td.textContent = '—'; td.className = 'longest'; continue; }
    const sec = Number(w) + extra;
    td.textContent = fmtDur(sec);
    td.className = 'longest' + (sec >= 1800 ? ' wait-red' : sec >= 1200 ? ' wait-amber' : '');
  }
}

// Windows and tickets: supervisor actions.
async function act(body, okMsg) {
  try {
    await api('POST', '/console/api/act', body);
    toast(okMsg || '已完成');
  } catch (e) {
    toast(e.message, true);
  }
  refreshSoon();
}

PAGES.actions = async () => {
  const sup = can('supervise');
  await loadWindows();
  const wb = $('win-table').tBodies[0];
  wb.replaceChildren(...S.windows.map((w) => el('tr', { id: 'win-' + w.id, 'data-status': w.status },
    el('td', {}, w.name || w.id), el('td', { class: 'status' }, WS[w.status] || w.status, w.pause_reason ? '（' + w.pause_reason + '）' : ''),
    el('td', {}, w.staff || ''), el('td', {}, w.current ? w.current.number : ''),
    el('td', {}, sup && w.status !== 'closed' ? (w.status === 'paused' || w.pause_reason
      ? el('button', { class: 'small resume', onclick: () => act({ window: w.id, action: 'resume' }, '窗口已恢复') }, '恢复')
      : el('button', { class: 'small warn pause', onclick: () => act({ window: w.id, action: 'pause', reason: $('pause-reason').value.trim() }, '窗口已暂停') }, '暂停')) : null))));
  const trw = $('tr-window'), trs = $('tr-service'), trt = $('tr-to');
  trw.replaceChildren(...S.windows.filter((w) => w.current).map((w) => el('option', { value: w.id }, (w.name || w.id) + ' · ' + w.current.number)));
  if (!trs.options.length || trs.dataset.n !== String(S.services.length)) {
    trs.replaceChildren(...S.services.map((s) => el('option', { value: s.id }, s.name)));
    trs.dataset.n = String(S.services.length);
  }
  trt.replaceChildren(el('option', { value: '' }, '（不指定）'), ...S.windows.map((w) => el('option', { value: w.id }, w.name || w.id)));
  const tb = $('tickets').tBodies[0];
  let list;
  try { list = await api('GET', '/console/api/tickets'); } catch (e) { unavailable(tb, 8, e); return; }
  const reason = () => $('ticket-reason').value.trim();
  tb.replaceChildren(...list.map((t) => {
    const b = [];
    if (sup) {
      if (t.category && !t.verified) b.push(el('button', { class: 'small', onclick: () => act({ ticket: t.id, window: t.window, action: 'confirm' }, t.number + ' 类别已确认') }, '确认类别'));
      if (t.channel === 'love' || t.channel === 'green') b.push(el('button', { class: 'small warn', onclick: () => act({ ticket: t.id, window: t.window, action: 'revoke', reason: reason() }, t.number + ' 已撤销优先') }, '撤销优先'));
      if (t.channel !== 'green') b.push(el('button', { class: 'small green', onclick: () => act({ ticket: t.id, window: t.window, action: 'grant_green', reason: reason() }, t.number + ' 已开通绿色通道') }, '绿色通道'));
      if (t.status === 'no_show') b.push(el('button', { class: 'small requeue', onclick: () => act({ ticket: t.id, window: t.window, action: 'requeue', behind: Number($('requeue-behind').value) }, t.number + ' 已重新排队') }, '重新排队'));
      if (['waiting', 'called', 'parked', 'no_show'].includes(t.status)) b.push(el('button', { class: 'small warn cancel', onclick: () => act({ ticket: t.id, window: t.window, action: 'cancel', reason: reason() }, t.number + ' 已取消') }, '取消'));
    }
    return el('tr', { 'data-number': t.number },
      el('td', {}, el('strong', {}, t.number)), el('td', {}, t.service_name || t.service), el('td', {}, CH[t.channel] || t.channel),
      el('td', {}, ST[t.status] || t.status), el('td', {}, t.category ? t.category + (t.verified ? '（已确认）' : '（待确认）') : ''),
      el('td', {}, t.window || t.for_window || ''), el('td', {}, t.status === 'waiting' ? fmtDur(t.waited_seconds) : ''), el('td', {}, b));
  }));
  if (!list.length) tb.replaceChildren(el('tr', {}, el('td', { colspan: 8, class: 'muted' }, '当前没有未办结的号票')));
};

// Appointments.
PAGES.appointments = async (first) => {
  const sel = $('ap-service');
  if (first || !sel.options.length) {
    sel.replaceChildren(...S.services.map((s) => el('option', { value: s.id }, s.name)));
    if (!$('ap-date').value) $('ap-date').value = today();
    try {
      const r = await api('GET', '/api/v1/appointments/rules');
      $('rules').textContent = `每时段 ${r.slot_minutes} 分钟、容量 ${r.capacity_per_slot}；可预约 ${r.min_days_ahead}–${r.max_days_ahead} 个工作日内；` +
        `至少提前 ${r.cancel_before_minutes} 分钟取消；${r.one_per_person_per_day ? '每人每天限约一次；' : ''}` +
        `${r.no_show_window_days} 天内爽约 ${r.no_show_limit} 次暂停预约 ${r.block_days} 天；迟到超过 ${r.lapse_minutes} 分钟失效。` +
        (r.bookable_dates && r.bookable_dates.length ? ' 可约日期：' + r.bookable_dates.join('、') : '');
      if (r.bookable_dates && r.bookable_dates.length && first) $('ap-date').value = r.bookable_dates[0];
    } catch (e) { $('rules').textContent = e.status === 403 ? '无权查看' : '暂不可用'; }
    await loadSlots();
  }
  await loadBookings();
};

async function loadSlots() {
  const tb = $('slots').tBodies[0];
  try {
    const r = await api('GET', '/api/v1/appointments/slots?service=' + encodeURIComponent($('ap-service').value) + '&date=' + encodeURIComponent($('ap-date').value));
    const slots = r.slots || [];
    tb.replaceChildren(...slots.map((s) => el('tr', {}, el('td', {}, s.start + '–' + s.end), el('td', {}, s.capacity), el('td', {}, s.left), el('td', {}, s.open ? '可约' : '不可约'))));
    if (!slots.length) tb.replaceChildren(el('tr', {}, el('td', { colspan: 4, class: 'muted' }, r.workday === false ? '非工作日' : '无号源')));
    $('bk-slot').replaceChildren(...slots.filter((s) => s.open && s.left > 0).map((s) => el('option', { value: s.start }, s.start + '（余 ' + s.left + '）')));
  } catch (e) { unavailable(tb, 4, e); $('bk-slot').replaceChildren(); }
}

async function loadBookings() {
  const tb = $('bookings').tBodies[0];
  let r;
  try { r = await api('GET', '/api/v1/appointments?date=' + encodeURIComponent($('ap-date').value)); } catch (e) { unavailable(tb, 9, e); return; }
  const list = Array.isArray(r) ? r : (r && (r.appointments || r.bookings)) || [];
  const sup = can('supervise');
  tb.replaceChildren(...list.map((b) => el('tr', { 'data-id': b.id },
    el('td', {}, b.id), el('td', {}, b.service_name || svcName(b.service)), el('td', {}, b.date), el('td', {}, b.slot),
    el('td', {}, b.masked_name), el('td', {}, b.masked_id), el('td', { class: 'status' }, b.status), el('td', {}, b.ticket_number || ''),
    el('td', {}, sup && b.status === 'booked' ? [
      el('button', { class: 'small warn', onclick: () => bookingAct(b.id, 'cancel') }, '取消'),
      el('button', { class: 'small', onclick: () => bookingAct(b.id, 'no-show') }, '标记爽约')] : null))));
  if (!list.length) tb.replaceChildren(el('tr', {}, el('td', { colspan: 9, class: 'muted' }, '该日没有预约')));
}

async function bookingAct(id, what) {
  try {
    await api('POST', '/api/v1/appointments/' + encodeURIComponent(id) + '/' + what, { request_id: rid(), reason: '窗口主管操作' });
    toast(what === 'cancel' ? '预约已取消' : '已标记爽约');
  } catch (e) { toast(e.message, true); }
  loadBookings(); loadSlots();
}

async function book(ev) {
  ev.preventDefault();
  const id = $('bk-id').value.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) { $('book-result').textContent = '身份证号应为 18 位'; return; }
  try {
    const b = await api('POST', '/api/v1/appointments', { request_id: rid(), service: $('ap-service').value, date: $('ap-date').value,
      slot: $('bk-slot').value, idcard: { number: id, name: $('bk-name').value.trim() }, phone: $('bk-phone').value.trim() || undefined });
    $('book-result').textContent = `预约成功：${b.id}，${b.service_name || ''} ${b.date} ${b.slot}，${b.masked_name || ''} ${b.masked_id || ''}`;
    $('bk-id').value = ''; $('bk-name').value = ''; $('bk-phone').value = '';
  } catch (e) { $('book-result').textContent = e.message; }
  loadSlots(); loadBookings();
}

// Evaluations and follow-ups.
PAGES.evaluations = async () => {
  const q = new URLSearchParams();
  for (const [k, id] of [['from', 'ev-from'], ['to', 'ev-to'], ['rating', 'ev-rating'], ['window', 'ev-window']]) if ($(id).value) q.set(k, $(id).value);
  $('ev-export').href = '/api/v1/evaluations/export?' + q;
  const tb = $('evals').tBodies[0];
  try {
    const r = await api('GET', '/api/v1/evaluations?' + q);
    const list = r.evaluations || [];
    $('ev-summary').textContent = r.counts ? `共 ${list.length} 条；满意率 ${(100 * (r.satisfaction || 0)).toFixed(1)}%；` +
      [5, 4, 3, 2, 1].map((i) => i + '分 ' + (r.counts[i] || 0)).join('，') : '';
    tb.replaceChildren(...list.map((e) => el('tr', { class: e.rating <= 2 ? 'overdue' : '' }, el('td', {}, fmtTime(e.rated_at)), el('td', {}, e.number),
      el('td', {}, e.service_name || e.service), el('td', {}, e.window), el('td', {}, e.staff), el('td', {}, e.rating_name || e.rating), el('td', {}, e.reason || ''))));
    if (!list.length) tb.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'muted' }, '没有评价')));
  } catch (e) { unavailable(tb, 7, e); $('ev-summary').textContent = ''; }
  const fb = $('followups').tBodies[0];
  try {
    const r = await api('GET', '/api/v1/followups');
    const list = r.followups || [];
    const sup = can('supervise');
    fb.replaceChildren(...list.map((f) => {
      const owner = el('input', { size: 6, value: f.owner || '', disabled: !sup || f.status === 'closed' });
      const result = el('input', { size: 14, value: f.callback_result || '', disabled: !sup || f.status === 'closed' });
      const save = (status) => async () => {
        const body = { owner: owner.value, callback_result: result.value || undefined };
        if (status) body.status = status;
        try { await api('PATCH', '/api/v1/followups/' + f.id, body); toast('已保存'); } catch (e) { toast(e.message, true); }
        PAGES.evaluations();
      };
      return el('tr', { class: f.overdue ? 'overdue' : '' }, el('td', {}, f.number), el('td', {}, f.rating), el('td', {}, f.reason),
        el('td', {}, owner), el('td', {}, fmtTime(f.deadline).split(' ')[0] + (f.overdue ? ' 已逾期' : '')),
        el('td', {}, { open: '待回访', called_back: '已回访', closed: '已办结' }[f.status] || f.status), el('td', {}, result),
        el('td', {}, sup && f.status !== 'closed' ? [el('button', { class: 'small', onclick: save('') }, '保存'),
          el('button', { class: 'small', onclick: save('called_back') }, '已回访'), el('button', { class: 'small', onclick: save('closed') }, '办结')] : null));
    }));
    if (!list.length) fb.replaceChildren(el('tr', {}, el('td', { colspan: 8, class: 'muted' }, '没有回访')));
  } catch (e) { unavailable(fb, 8, e); }
};

// Reports: the report API's rows as a table with Chinese headers, bar
// charts of the work done per row and per day, and download links.
const MIN = (v) => (v / 60).toFixed(1);
const PCT = (v) => (100 * v).toFixed(1) + '%';
const REPORT_COLS = [
  ['name', '名称', (r) => r.name || r.key || '合计'], ['issued', '取号', (r) => r.issued], ['served', '办结', (r) => r.served],
  ['no_shows', '过号', (r) => r.no_shows], ['cancelled', '取消', (r) => r.cancelled],
  ['wait_mean_seconds', '平均等候(分)', (r) => MIN(r.wait_mean_seconds)], ['wait_p90_seconds', 'P90等候(分)', (r) => MIN(r.wait_p90_seconds)],
  ['wait_max_seconds', '最长等候(分)', (r) => MIN(r.wait_max_seconds)], ['within_30_share', '30分钟内', (r) => PCT(r.within_30_share)],
  ['service_mean_seconds', '平均办理(分)', (r) => MIN(r.service_mean_seconds)], ['service_p90_seconds', 'P90办理(分)', (r) => MIN(r.service_p90_seconds)],
  ['utilisation', '窗口利用率', (r) => (r.logged_in_seconds > 0 ? PCT(r.utilisation) : '—')], ['rating_count', '评价数', (r) => r.rating_count],
  ['ratings', '评价分布(5→1)', (r) => (r.ratings || []).slice(1).reverse().join('/')], ['satisfaction', '满意率', (r) => r.rating_count ? PCT(r.satisfaction) : '—'],
];

PAGES.reports = async (first) => {
  if (first && !$('rp-from').value) { const d = new Date(); $('rp-from').value = d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-01'; }
  if (!first) return;
  await loadReport();
};

function reportQuery(fmt) {
  return '/api/v1/reports?' + new URLSearchParams({ period: $('rp-period').value, from: $('rp-from').value, by: $('rp-by').value, format: fmt });
}

async function loadReport() {
  $('rp-csv').href = reportQuery('csv');
  $('rp-xlsx').href = reportQuery('xlsx');
  const t = $('report');
  let r;
  try { r = await api('GET', reportQuery('json')); } catch (e) { t.tHead.replaceChildren(); unavailable(t.tBodies[0], 1, e); $('rp-chart').replaceChildren(); return; }
  const rows = r.rows || [];
  t.tHead.replaceChildren(el('tr', {}, ...REPORT_COLS.map((c) => el('th', {}, c[1]))));
  const line = (row, cls) => el('tr', { class: cls }, ...REPORT_COLS.map((c) => el('td', {}, c[2](row) ?? '')));
  t.tBodies[0].replaceChildren(...rows.map((row) => line(row)), ...(r.total ? [line(r.total, 'total')] : []));
  if (!rows.length) t.tBodies[0].replaceChildren(el('tr', {}, el('td', { colspan: REPORT_COLS.length, class: 'muted' }, '该周期没有数据')));
  const by = { service: '业务', window: '窗口', staff: '工作人员' }[r.by] || '';
  $('rp-chart').replaceChildren(
    barChart(rows.map((x) => [x.name || x.key, x.served]), `各${by}办结量（${r.from} 至 ${r.until}）`),
    barChart((r.days || []).map((x) => [String(x.key).slice(8), x.issued]), '每日取号'));
}

function barChart(data, title) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  const W = 800, H = 220, pad = 30, bw = Math.max(8, (W - 2 * pad) / Math.max(1, data.length) - 8);
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const maxV = Math.max(1, ...data.map((d) => d[1]));
  const mk = (tag, a, text) => { const e = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(a)) e.setAttribute(k, v); if (text !== undefined) e.textContent = text; svg.append(e); };
  mk('text', { x: pad, y: 14, 'font-size': 12, fill: '#667085' }, title);
  data.forEach(([l, v], i) => {
    const h = (H - 2 * pad - 10) * v / maxV, x = pad + i * (bw + 8), y = H - pad - h;
    mk('rect', { x, y, width: bw, height: h, fill: '#1f5fbf' });
    mk('text', { x: x + bw / 2, y: y - 3, 'font-size': 11, 'text-anchor': 'middle' }, Number.isInteger(v) ? v : v.toFixed(2));
    mk('text', { x: x + bw / 2, y: H - pad + 14, 'font-size': 11, 'text-anchor': 'middle' }, l.slice(0, 8));
  });
  return svg;
}

// Devices.
PAGES.devices = async () => {
  await loadDevices();
  const tb = $('devices').tBodies[0];
  if (!S.devicesOK) { unavailable(tb, 8, S.devicesErr); return; }
  const list = Object.values(S.devices);
  tb.replaceChildren(...list.map((d) => el('tr', { class: d.state === 'ok' ? '' : 'overdue' }, el('td', {}, d.device), el('td', {}, d.role), el('td', {}, d.window || ''),
    el('td', {}, { ok: '正常', offline: '离线', degraded: '故障' }[d.state] || d.state), el('td', {}, (d.problems || []).join('，')),
    el('td', {}, d.pending || 0), el('td', {}, d.version || ''), el('td', {}, fmtTime(d.received_at || d.at)))));
  if (!list.length) tb.replaceChildren(el('tr', {}, el('td', { colspan: 8, class: 'muted' }, '尚无设备上报')));
};

// Configuration.
PAGES.config = async (first) => {
  if (!first) return;
  let r;
  try { r = await api('GET', '/console/api/config'); } catch (e) { $('cfg-error').textContent = e.message; return; }
  S.cfg = r.current;
  const h = r.current.hall, t = r.current.texts;
  $('cfg-version').textContent = `版本 ${r.current.version}` + (r.current.version ? `（${r.current.by}，${fmtTime(r.current.at)}）` : '（配置文件）');
  const set = (id, v) => { $(id).value = v ?? ''; };
  set('cfg-name', h.name); set('cfg-name-en', t.name_en); set('cfg-footer', t.ticket_footer);
  set('cfg-sign-idle', t.sign_idle); set('cfg-sign-paused', t.sign_paused); set('cfg-sign-empty', t.sign_empty);
  $('cfg-notices').value = (t.notices || []).join('\n');
  set('cfg-issue-from', h.hours.issue_from); set('cfg-issue-until', h.hours.issue_until); set('cfg-close', h.hours.close);
  set('cfg-love-from', h.channels.love_age_from); set('cfg-love-under', h.channels.love_age_under);
  set('cfg-guard', h.policy.guard_minutes); set('cfg-love-weight', h.policy.love_weight); set('cfg-normal-weight', h.policy.normal_weight);
  set('cfg-max-consec', h.policy.max_consecutive_priority);
  renderProfiles(h);
  $('cfg-services').value = JSON.stringify(h.services, null, 1);
  $('cfg-windows').value = JSON.stringify(h.windows, null, 1);
  for (const e of $('cfg-form').elements) e.disabled = !r.editable;
  const tb = $('versions').tBodies[0];
  try {
    const vs = await api('GET', '/console/api/config/versions');
    tb.replaceChildren(...vs.map((v) => el('tr', {}, el('td', {}, v.version + (v.applied ? '' : '（未生效）')), el('td', {}, fmtTime(v.at)), el('td', {}, v.by),
      el('td', {}, v.source === 'file' ? '配置文件' : '控制台'), el('td', {}, (v.summary || []).join('；')))));
    if (!vs.length) tb.replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, '尚未通过控制台修改（使用配置文件）')));
  } catch (e) { unavailable(tb, 5, e); }
};

// renderProfiles draws the window x service grid of the configuration page.
function renderProfiles(h) {
  const t = $('cfg-profiles');
  t.tHead.replaceChildren(el('tr', {}, el('th', {}, '窗口'), ...h.services.map((s) => el('th', {}, s.name))));
  t.tBodies[0].replaceChildren(...h.windows.map((w) => el('tr', { 'data-window': w.id }, el('td', {}, w.name || w.id),
    ...h.services.map((s) => el('td', {}, el('input', { type: 'checkbox', 'data-service': s.id, id: 'prof-' + w.id + '-' + s.id,
      checked: (w.services || []).includes(s.id) }))))));
}

// applyProfiles copies the grid into the windows: kept services keep their
// order, newly ticked ones go last.
function applyProfiles(windows) {
  for (const w of windows) {
    const row = document.querySelector('#cfg-profiles tr[data-window="' + CSS.escape(w.id) + '"]');
    if (!row) continue;
    const ticked = Array.from(row.querySelectorAll('input[data-service]')).filter((i) => i.checked).map((i) => i.dataset.service);
    const known = Array.from(row.querySelectorAll('input[data-service]')).map((i) => i.dataset.service);
    w.services = (w.services || []).filter((s) => ticked.includes(s) || !known.includes(s)).concat(ticked.filter((s) => !(w.services || []).includes(s)));
  }
}

async function saveConfig(ev) {
  ev.preventDefault();
  $('cfg-error').textContent = '';
  const h = JSON.parse(JSON.stringify(S.cfg.hall));
  try {
    h.services = JSON.parse($('cfg-services').value);
    h.windows = JSON.parse($('cfg-windows').value);
    applyProfiles(h.windows);
  } catch (e) { $('cfg-error').textContent = '业务或窗口的 JSON 格式有误：' + e.message; return; }
  const num = (id) => Number($(id).value);
  h.name = $('cfg-name').value.trim();
  h.hours.issue_from = $('cfg-issue-from').value.trim(); h.hours.issue_until = $('cfg-issue-until').value.trim(); h.hours.close = $('cfg-close').value.trim();
  h.channels.love_age_from = num('cfg-love-from'); h.channels.love_age_under = num('cfg-love-under');
  h.policy.guard_minutes = num('cfg-guard'); h.policy.love_weight = num('cfg-love-weight'); h.policy.normal_weight = num('cfg-normal-weight');
  h.policy.max_consecutive_priority = num('cfg-max-consec');
  const texts = { name_en: $('cfg-name-en').value.trim(), ticket_footer: $('cfg-footer').value.trim(), sign_idle: $('cfg-sign-idle').value.trim(),
    sign_paused: $('cfg-sign-paused').value.trim(), sign_empty: $('cfg-sign-empty').value.trim(),
    notices: $('cfg-notices').value.split('\n').map((s) => s.trim()).filter(Boolean) };
  try {
    const v = await api('PUT', '/console/api/config', { base_version: S.cfg.version, hall: h, texts });
    toast('配置已生效：版本 ' + v.version);
    await loadStatic();
    PAGES.config(true);
  } catch (e) { $('cfg-error').textContent = e.message; }
}

// Audit log.
PAGES.audit = async () => {
  const q = new URLSearchParams();
  for (const [k, id] of [['user', 'au-user'], ['action', 'au-action'], ['from', 'au-from'], ['to', 'au-to'], ['q', 'au-q']]) if ($(id).value) q.set(k, $(id).value);
  const tb = $('audit').tBodies[0];
  try {
    const list = await api('GET', '/console/api/audit?' + q);
    tb.replaceChildren(...list.map((a) => el('tr', {}, el('td', {}, fmtTime(a.at)), el('td', {}, a.user), el('td', {}, a.role || ''), el('td', {}, a.action),
      el('td', {}, a.target || ''), el('td', {}, a.before || ''), el('td', {}, a.after || ''), el('td', {}, a.result || ''))));
    if (!list.length) tb.replaceChildren(el('tr', {}, el('td', { colspan: 8, class: 'muted' }, '没有记录')));
  } catch (e) { unavailable(tb, 8, e); }
};

// ---- wiring ----

document.addEventListener('DOMContentLoaded', async () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('cfg-form').addEventListener('submit', saveConfig);
  $('slots-form').addEventListener('submit', (e) => { e.preventDefault(); loadSlots(); loadBookings(); });
  $('book-form').addEventListener('submit', book);
  $('ev-form').addEventListener('submit', (e) => { e.preventDefault(); PAGES.evaluations(); });
  $('rp-form').addEventListener('submit', (e) => { e.preventDefault(); loadReport(); });
  $('au-form').addEventListener('submit', (e) => { e.preventDefault(); PAGES.audit(); });
  $('transfer-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!$('tr-window').value) { toast('没有可转办的当前号', true); return; }
    act({ window: $('tr-window').value, action: 'transfer', service: $('tr-service').value, to_window: $('tr-to').value || undefined }, '已转办');
  });
  window.addEventListener('hashchange', route);
  // Close the stream when the page goes away: a page kept in the back-forward
  // cache would otherwise hold one of the browser's few connections per host.
  window.addEventListener('pagehide', stopStream);
  setInterval(tickWaits, 1000);
  setInterval(() => { if (S.me && S.page === 'monitor') loadDevices(); }, 15000);
  try {
    start(await api('GET', '/console/api/me'));
  } catch (e) {
    showLogin();
  }
  window.consoleReady = true;
});
