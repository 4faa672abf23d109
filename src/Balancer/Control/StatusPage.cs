namespace LoadBalancer.Balancer.Control;

/// <summary>The admin status page: a static shell that polls /api/status every second (the bearer token, when one is needed, is kept in sessionStorage); traffic columns with five-minute sparklines (inline SVG), sortable.</summary>
/// <remarks>
/// The shell carries no data, so it is served without a token; everything it shows comes from /api/status.
/// Rows carry data- attributes (data-backend, data-health, data-admin, data-accepts-new) and cells data-field names,
/// so scripts and tests read state without parsing the visible text; traffic cells carry the raw number in data-value,
/// the pool's totals are a tfoot row with data-pool-total, and the body's data-sort says the sort in force.
/// </remarks>
internal static class StatusPage
{
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>balancer status</title>
<style>
 :root { --ok: #11752d; --ok-bg: #e8f6ec; --bad: #b00020; --bad-bg: #fdecee; --warn: #8a5a00; --warn-bg: #fff4de; --line: #dde1e6; --muted: #5f6b76; }
 body { font: 14px/1.4 system-ui, "DejaVu Sans", sans-serif; margin: 0; color: #1d2329; background: #f7f8fa; }
 header { display: flex; align-items: baseline; gap: 1em; flex-wrap: wrap; padding: .8em 1.5em; background: #1d2329; color: #fff; }
 header h1 { font-size: 1.25em; margin: 0; }
 #meta { color: #c9d1d9; font-size: .95em; }
 #live { margin-left: auto; font-size: .9em; padding: .1em .6em; border-radius: 1em; background: #3a444e; }
 body[data-state="ok"] #live { background: var(--ok); }
 body[data-state="error"] #live, body[data-state="unauthorized"] #live { background: var(--bad); }
 main { padding: .5em 1.5em 1.5em; }
 #error { margin: 1em 1.5em 0; padding: .6em .9em; border-radius: 4px; background: var(--bad-bg); color: var(--bad); }
 #login { margin: 1em 1.5em 0; padding: .8em .9em; border-radius: 4px; background: var(--warn-bg); }
 #login input { font: inherit; padding: .2em .4em; margin: 0 .5em; }
 section.pool { margin-top: 1.2em; }
 section.pool h2 { font-size: 1.1em; margin: 0 0 .4em; display: flex; gap: .7em; align-items: baseline; }
 .kind { font-size: .8em; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
 .summary { font-size: .85em; font-weight: 600; padding: .05em .6em; border-radius: 1em; }
 .summary.all { background: var(--ok-bg); color: var(--ok); } .summary.some { background: var(--warn-bg); color: var(--warn); }
 .summary.none { background: var(--bad-bg); color: var(--bad); }
 table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
 th, td { border-bottom: 1px solid var(--line); padding: .35em .6em; text-align: left; vertical-align: baseline; }
 th { background: #eef1f4; font-weight: 600; font-size: .9em; white-space: nowrap; }
 th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
 td.addr, td.id { font-family: "DejaVu Sans Mono", monospace; font-size: .92em; white-space: nowrap; }
 div.reason { color: var(--muted); font-size: .92em; }
 td.when { min-width: 18em; }
 th.group { text-align: center; border-bottom: 1px solid var(--line); } th.sub { font-weight: normal; font-size: .82em; }
 td.num, td[data-field="accepts-new"] { white-space: nowrap; }
 .badge { display: inline-block; min-width: 4.8em; text-align: center; font-weight: 600; font-size: .88em; padding: .05em .5em; border-radius: 3px; }
 .Healthy { color: var(--ok); } .badge.Healthy { background: var(--ok-bg); }
 .Unhealthy { color: var(--bad); } .badge.Unhealthy { background: var(--bad-bg); }
 .Unknown { color: var(--warn); } .badge.Unknown { background: var(--warn-bg); }
 .badge.Ready { color: var(--muted); } .Drain, .Maint { color: var(--warn); } .badge.Drain, .badge.Maint { background: var(--warn-bg); }
 tr.health-Unhealthy td { background: #fff8f8; }
 .no { color: var(--bad); font-weight: 600; } .yes { color: var(--ok); }
 .ago { color: var(--muted); font-size: .9em; }
 th[data-sort] { cursor: pointer; user-select: none; } th[data-sort]:hover { background: #e2e7ec; }
 th[aria-sort="ascending"]::after { content: " \25B2"; font-size: .75em; } th[aria-sort="descending"]::after { content: " \25BC"; font-size: .75em; }
 td.traffic { white-space: nowrap; } td.traffic .sub { display: block; color: var(--muted); font-size: .82em; }
 svg.spark { display: block; margin: .1em 0 0 auto; overflow: visible; }
 svg.spark polyline { fill: none; stroke: #4a6fa5; stroke-width: 1.2; vector-effect: non-scaling-stroke; }
 td.traffic.bad svg.spark polyline { stroke: var(--bad); }
 tr.pool-total td { background: #f3f5f8; font-weight: 600; border-top: 2px solid var(--line); }
</style>
</head>
<body data-state="loading" data-polls="0">
<header><h1>balancer status</h1><span id="meta">loading…</span><span id="live">connecting</span></header>
<div id="error" hidden></div>
<form id="login" hidden>The admin API needs a token:<input id="token" type="password" autocomplete="off" placeholder="admin token"><button>use token</button></form>
<section id="node" hidden></section>
<main id="pools"></main>
<script>
'use strict';
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
const pad = n => String(n).padStart(2, '0');
// Times are shown in the viewer's local zone; "ago" uses the server's own clock (status.at) so browser clock skew does not matter.
const clock = d => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
const ago = ms => { const s = Math.max(0, Math.floor(ms / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`; };
const body = document.body;
let polls = 0;

function setState(state, text) {
  body.dataset.state = state;
  document.getElementById('live').textContent = text;
}

function showError(text) {
  const e = document.getElementById('error');
  e.textContent = text;
  e.hidden = !text;
}

function renderBackend(b, now, kind) {
  const t = b.lastTransition;
  const when = t ? `${clock(new Date(t.at))} <span class="ago">(${ago(now - new Date(t.at))})</span>` : '—';
  return `<tr class="backend health-${esc(b.health)}" data-backend="${esc(b.id)}" data-health="${esc(b.health)}" data-admin="${esc(b.admin)}" data-accepts-new="${b.acceptsNew}">
    <td class="id" data-field="id">${esc(b.id)}</td>
    <td class="addr" data-field="address">${esc(b.address)}</td>
    <td data-field="health"><span class="badge health ${esc(b.health)}">${esc(b.health)}</span></td>
    <td data-field="admin"><span class="badge admin ${esc(b.admin)}">${esc(b.admin)}</span></td>
    <td class="num" data-field="configured-weight">${esc(b.configuredWeight)}</td>
    <td class="num" data-field="admin-weight">${b.adminWeight == null ? '—' : esc(b.adminWeight)}</td>
    <td class="num" data-field="effective-weight">${esc(b.effectiveWeight)}</td>
    <td data-field="accepts-new" class="${b.acceptsNew ? 'yes' : 'no'}">${b.acceptsNew ? 'yes' : 'no'}</td>
    <td class="num active" data-field="active">${esc(b.active)}</td>
    <td class="num flows" data-field="flows">${b.flows == null ? '—' : esc(b.flows)}</td>
    <td class="when"><time data-field="transition-at"${t ? ` datetime="${esc(t.at)}"` : ''}>${when}</time>${t ? `<div class="reason" data-field="reason">${esc(t.reason)}</div>` : ''}</td>
    ${trafficCells(b.traffic, kind)}
  </tr>`;
}

function renderPool(p, now) {
  const healthy = p.backends.filter(b => b.health === 'Healthy').length;
  const cls = healthy === p.backends.length ? 'all' : healthy === 0 ? 'none' : 'some';
  return `<section class="pool" data-pool="${esc(p.name)}" data-kind="${esc(p.kind)}">
   <h2>${esc(p.name)} <span class="kind">${esc(p.kind)} pool</span><span class="summary ${cls}">${healthy} / ${p.backends.length} healthy</span></h2>
   <table>
    <thead><tr><th rowspan="2" data-sort="id">backend</th><th rowspan="2" data-sort="address">address</th><th rowspan="2" data-sort="health">health</th><th rowspan="2" data-sort="admin">admin</th>
     <th colspan="3" class="group">weight</th><th rowspan="2">new traffic</th><th rowspan="2" class="num" data-sort="active">active</th><th rowspan="2" class="num" data-sort="flows" title="L4: tracked flows not yet closing">flows</th><th rowspan="2">last transition and reason</th>
     ${trafficHeads(p.kind)}</tr>
     <tr><th class="num sub">config</th><th class="num sub" title="set at run time through the admin API">admin</th><th class="num sub" title="used for new requests now" data-sort="effective-weight">effective</th></tr></thead>
    <tbody>${p.backends.map(b => renderBackend(b, now, p.kind)).join('')}</tbody>
    <tfoot><tr class="pool-total" data-pool-total="${esc(p.name)}"><td colspan="11">pool total</td>${trafficCells(p.traffic, p.kind)}</tr></tfoot>
   </table></section>`;
}

// Traffic columns per pool kind: [data-field, heading, title, value, text, history, sub-line].
const TRAFFIC = {
  l7: [
    ['req-rate', 'req/s', 'requests per second, last 10 s', t => t.requestRate, t => rate(t.requestRate), h => h.requests],
    ['requests', 'requests', 'requests since start', t => t.requests, t => String(t.requests)],
    ['errors-rate', '5xx/s', '5xx responses per second, last 10 s', t => t.errors5xxRate, t => rate(t.errors5xxRate), h => h.errors5xx, t => `${t.errors5xx} total`],
    ['connect-fail-rate', 'conn fail/s', 'failed connects to the backend per second, last 10 s', t => t.connectFailureRate, t => rate(t.connectFailureRate), h => h.connectFailures, t => `${t.connectFailures} total`],
    ['bytes-in', 'in', 'request body bytes since start (rate: last 10 s)', t => t.bytesIn, t => bytes(t.bytesIn), h => h.bytesIn, t => bytes(t.bytesInRate) + '/s'],
    ['bytes-out', 'out', 'response body bytes since start (rate: last 10 s)', t => t.bytesOut, t => bytes(t.bytesOut), h => h.bytesOut, t => bytes(t.bytesOutRate) + '/s'],
    ['p50', 'p50', 'median request time, last minute', t => t.p50Ms, t => ms(t.p50Ms)],
    ['p99', 'p99', '99th percentile request time, last minute (sparkline: per second)', t => t.p99Ms, t => ms(t.p99Ms), h => h.p99Ms],
  ],
  l4: [
    ['pkt-rate', 'pkt/s', 'packets per second, both directions, last 10 s', t => t.packetRate, t => rate(t.packetRate), h => h.packets],
    ['packets', 'packets', 'packets since start', t => t.packets, t => String(t.packets)],
    ['bytes-in', 'to backend', 'frame bytes to the backend since start (rate: last 10 s)', t => t.bytesIn, t => bytes(t.bytesIn), h => h.bytesIn, t => bytes(t.bytesInRate) + '/s'],
    ['bytes-out', 'to client', 'frame bytes to clients since start (rate: last 10 s)', t => t.bytesOut, t => bytes(t.bytesOut), h => h.bytesOut, t => bytes(t.bytesOutRate) + '/s'],
    ['flows', 'flows', 'active flows (shown as - until the engine counts them per backend)', t => t.activeFlows, t => t.activeFlows == null ? '-' : String(t.activeFlows)],
  ],
};
const rate = v => v == null ? '—' : v >= 100 ? String(Math.round(v)) : v.toFixed(1);
const bytes = v => { if (v == null) return '—'; const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; } return `${i ? v.toFixed(1) : Math.round(v)} ${u[i]}`; };
const ms = v => v == null ? '—' : v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;
// A sparkline of the last five minutes: x is time (the newest sample at the right edge), y is scaled to the largest value shown.
function spark(values, seconds) {
  if (!values || values.length < 2) return '';
  const w = 64, h = 16, span = 300 / seconds - 1, max = Math.max(...values) || 1;
  const pts = values.map((v, i) => `${(w - (values.length - 1 - i) * w / span).toFixed(1)},${(h - 1 - v / max * (h - 2)).toFixed(1)}`).join(' ');
  return `<svg class="spark" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" data-points="${values.length}" aria-hidden="true"><polyline points="${pts}"/></svg>`;
}
function trafficHeads(kind) {
  return (TRAFFIC[kind] || []).map(([f, head, title]) => `<th rowspan="2" class="num" data-sort="${f}" title="${esc(title)}">${esc(head)}</th>`).join('');
}
function trafficCells(t, kind) {
  return (TRAFFIC[kind] || []).map(([f, , , value, text, history, sub]) => {
    if (!t) return `<td class="num traffic" data-field="${f}" data-value="">—</td>`;
    const v = value(t);
    const bad = (f === 'errors-rate' || f === 'connect-fail-rate') && v > 0 ? ' bad' : '';
    return `<td class="num traffic${bad}" data-field="${f}" data-value="${v == null ? '' : esc(v)}">${esc(text(t))}${sub ? `<span class="sub">${esc(sub(t))}</span>` : ''}${history ? spark(history(t.history), t.history.intervalSeconds) : ''}</td>`;
  }).join('');
}

// Sorting: click a heading (again to reverse); kept across refreshes and in the URL (#sort=FIELD:asc|desc).
let sort = (/^#sort=([a-z0-9-]+):(asc|desc)$/.exec(location.hash) || []).slice(1);
function sortKey(row, field) {
  const cell = row.querySelector(`[data-field="${field}"]`);
  if (!cell) return '';
  const v = cell.dataset.value ?? cell.textContent.trim();
  return v !== '' && !isNaN(v) ? Number(v) : v.toLowerCase();
}
function applySort() {
  const [field, dir] = sort;
  body.dataset.sort = field ? `${field}:${dir}` : '';
  if (!field) return;
  document.querySelectorAll('section.pool table').forEach(table => {
    table.querySelectorAll('th[data-sort]').forEach(th => th.dataset.sort === field
      ? th.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending') : th.removeAttribute('aria-sort'));
    const tbody = table.tBodies[0];
    const rows = [...tbody.rows];
    rows.sort((a, b) => { const x = sortKey(a, field), y = sortKey(b, field);
      return (x < y ? -1 : x > y ? 1 : 0) * (dir === 'asc' ? 1 : -1); });
    rows.forEach(r => tbody.appendChild(r));
  });
}
document.getElementById('pools').addEventListener('click', ev => {
  const th = ev.target.closest('th[data-sort]');
  if (!th) return;
  const field = th.dataset.sort;
  // Numbers start high-to-low (busiest first), names A-Z.
  sort = [field, sort[0] === field ? (sort[1] === 'asc' ? 'desc' : 'asc') : (th.classList.contains('num') ? 'desc' : 'asc')];
  history.replaceState(null, '', `#sort=${sort[0]}:${sort[1]}`);
  applySort();
});

function renderNode(n) {
  const el = document.getElementById('node');
  el.hidden = !n;
  if (!n) return;
  el.dataset.draining = String(n.draining);
  el.innerHTML = `<h2>node <span class="badge ${n.draining ? 'Drain' : 'Ready'}" data-field="node-state">${n.draining ? 'draining' : 'ready'}</span></h2>
   <table><thead><tr><th>VIP</th><th>announced</th><th>why</th><th>services</th></tr></thead><tbody>${n.vips.map(v =>
     `<tr data-vip="${esc(v.vip)}" data-announced="${v.announced}"><td class="addr">${esc(v.vip)}</td><td class="${v.announced ? 'yes' : 'no'}">${v.announced ? 'yes' : 'no'}</td><td>${esc(v.reason)}</td><td>${esc(v.services.join(', '))}</td></tr>`).join('')}</tbody></table>`;
}

async function refresh() {
  const headers = {};
  const token = sessionStorage.getItem('lbToken');
  if (token) headers['Authorization'] = 'Bearer ' + token;
  // A hung request must not stop the polling: give up after 3 s and try again on the next tick.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 3000);
  try {
    const r = await fetch('/api/status', { headers, cache: 'no-store', signal: abort.signal });
    if (r.status === 401) {
      document.getElementById('login').hidden = false;
      showError('');
      setState('unauthorized', token ? 'token refused' : 'token needed');
      return;
    }
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const s = await r.json();
    const now = new Date(s.at);
    document.getElementById('login').hidden = true;
    showError('');
    document.getElementById('meta').textContent = `config ${s.configSource} · snapshot ${s.snapshotVersion} · updated ${clock(now)}`;
    renderNode(s.node);
    document.getElementById('pools').innerHTML = s.pools.map(p => renderPool(p, now)).join('');
    applySort();
    body.dataset.polls = String(++polls);
    setState('ok', 'live');
  } catch (e) {
    // Keep the last table on screen but say loudly that it is stale.
    showError('cannot reach the admin API (' + e + '); the table below may be stale');
    setState('error', 'stale');
  } finally {
    clearTimeout(timer);
    setTimeout(refresh, 1000);
  }
}

document.getElementById('login').addEventListener('submit', ev => {
  ev.preventDefault();
  const t = document.getElementById('token').value.trim();
  if (t) sessionStorage.setItem('lbToken', t); else sessionStorage.removeItem('lbToken');
  document.getElementById('token').value = '';
});
refresh();
</script>
</body>
</html>
""";
}
