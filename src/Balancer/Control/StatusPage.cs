namespace LoadBalancer.Balancer.Control;

/// <summary>The admin status page: a static shell that polls /api/status every second (the bearer token, when one is needed, is kept in sessionStorage).</summary>
/// <remarks>
/// The shell carries no data, so it is served without a token; everything it shows comes from /api/status.
/// Rows carry data- attributes (data-backend, data-health, data-admin, data-accepts-new) and cells data-field names,
/// so scripts and tests read state without parsing the visible text.
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

function renderBackend(b, now) {
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
    <td class="when"><time data-field="transition-at"${t ? ` datetime="${esc(t.at)}"` : ''}>${when}</time>${t ? `<div class="reason" data-field="reason">${esc(t.reason)}</div>` : ''}</td>
  </tr>`;
}

function renderPool(p, now) {
  const healthy = p.backends.filter(b => b.health === 'Healthy').length;
  const cls = healthy === p.backends.length ? 'all' : healthy === 0 ? 'none' : 'some';
  return `<section class="pool" data-pool="${esc(p.name)}" data-kind="${esc(p.kind)}">
   <h2>${esc(p.name)} <span class="kind">${esc(p.kind)} pool</span><span class="summary ${cls}">${healthy} / ${p.backends.length} healthy</span></h2>
   <table>
    <thead><tr><th rowspan="2">backend</th><th rowspan="2">address</th><th rowspan="2">health</th><th rowspan="2">admin</th>
     <th colspan="3" class="group">weight</th><th rowspan="2">new traffic</th><th rowspan="2" class="num">active</th><th rowspan="2">last transition and reason</th></tr>
     <tr><th class="num sub">config</th><th class="num sub" title="set at run time through the admin API">admin</th><th class="num sub" title="used for new requests now">effective</th></tr></thead>
    <tbody>${p.backends.map(b => renderBackend(b, now)).join('')}</tbody>
   </table></section>`;
}

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
