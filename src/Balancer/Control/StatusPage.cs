namespace LoadBalancer.Balancer.Control;

/// <summary>The admin status page: a static shell that polls /api/status every second (the bearer token, when one is needed, is kept in sessionStorage).</summary>
internal static class StatusPage
{
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>balancer status</title>
<style>
 body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
 h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
 table { border-collapse: collapse; min-width: 60em; }
 th, td { border-bottom: 1px solid #ddd; padding: .3em .7em; text-align: left; }
 th { background: #f4f4f4; }
 .Healthy { color: #11752d; font-weight: 600; } .Unhealthy { color: #b00020; font-weight: 600; } .Unknown { color: #8a6d00; }
 .Drain, .Maint { color: #b05a00; font-weight: 600; }
 #meta { color: #666; } #error { color: #b00020; }
</style>
</head>
<body>
<h1>balancer status</h1>
<div id="meta">loading…</div>
<div id="error"></div>
<div id="pools"></div>
<script>
const esc = s => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
async function refresh() {
  const headers = {};
  const token = sessionStorage.getItem('lbToken');
  if (token) headers['Authorization'] = 'Bearer ' + token;
  try {
    const r = await fetch('/api/status', { headers });
    if (r.status === 401) {
      const t = prompt('Admin token');
      if (t) sessionStorage.setItem('lbToken', t);
      return;
    }
    const s = await r.json();
    document.getElementById('error').textContent = '';
    document.getElementById('meta').textContent = `config ${s.configSource} · snapshot ${s.snapshotVersion} · ${new Date(s.at).toLocaleTimeString()}`;
    document.getElementById('pools').innerHTML = s.pools.map(p => `
      <h2>${esc(p.kind)} pool ${esc(p.name)}</h2>
      <table data-pool="${esc(p.name)}">
       <tr><th>backend</th><th>address</th><th>health</th><th>admin</th><th>weight (config / admin / effective)</th><th>new traffic</th><th>active</th><th>last transition</th></tr>
       ${p.backends.map(b => `<tr data-backend="${esc(b.id)}">
         <td>${esc(b.id)}</td><td>${esc(b.address)}</td>
         <td class="health ${esc(b.health)}">${esc(b.health)}</td><td class="admin ${esc(b.admin)}">${esc(b.admin)}</td>
         <td>${b.configuredWeight} / ${b.adminWeight ?? '-'} / ${b.effectiveWeight}</td>
         <td>${b.acceptsNew ? 'yes' : 'no'}</td><td class="active">${b.active}</td>
         <td>${b.lastTransition ? esc(new Date(b.lastTransition.at).toLocaleTimeString() + ' ' + b.lastTransition.reason) : ''}</td></tr>`).join('')}
      </table>`).join('');
  } catch (e) {
    document.getElementById('error').textContent = 'cannot reach the admin API: ' + e;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
""";
}
