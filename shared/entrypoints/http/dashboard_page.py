"""The page served at GET /dashboard: plain HTML and browser JavaScript, no external files (works offline).

It signs in through /api/v1/auth/login (or takes a pasted token; `#token=…` in the address also works, for
automation), keeps the token in localStorage, fetches the three analytics endpoints and draws the figures on
<canvas>. Every chart gets `data-rendered="true"` once drawn; errors are written into #errors.
"""

DASHBOARD_HTML = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vnrag - dashboard</title>
<style>
  :root { --fg: #1f2933; --muted: #616e7c; --accent: #2563eb; --ok: #059669; --warn: #d97706; --bg: #f5f7fa; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
         background: var(--bg); }
  header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 12px 20px; background: #fff;
           border-bottom: 1px solid #e4e7eb; }
  header h1 { font-size: 18px; margin: 0 16px 0 0; }
  form { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 0; }
  input, button { font: inherit; padding: 4px 8px; border: 1px solid #cbd2d9; border-radius: 4px; }
  button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
  main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
  .tiles { grid-column: 1 / -1; display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); }
  .tile, section { background: #fff; border: 1px solid #e4e7eb; border-radius: 6px; padding: 12px 14px; }
  .tile .v { font-size: 24px; font-weight: 600; }
  .tile .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  section h2 { font-size: 14px; margin: 0 0 8px; }
  canvas { width: 100%; height: 240px; display: block; }
  table { width: 100%; border-collapse: collapse; }
  td { padding: 3px 4px; border-bottom: 1px solid #f0f2f5; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; width: 4em; }
  #errors { color: #b91c1c; white-space: pre-wrap; padding: 0 20px; }
  #status { color: var(--muted); }
</style>
</head>
<body>
<header>
  <h1>vnrag</h1>
  <form id="login">
    <input id="username" placeholder="username" autocomplete="username">
    <input id="password" type="password" placeholder="password" autocomplete="current-password">
    <button type="submit">Sign in</button>
    <input id="token" placeholder="or paste a token" size="18">
  </form>
  <form id="range">
    <label>from <input id="start" type="date"></label>
    <label>to <input id="end" type="date"></label>
    <button type="submit">Show</button>
  </form>
  <span id="status"></span>
</header>
<div id="errors" role="alert"></div>
<main>
  <div class="tiles">
    <div class="tile"><div class="k">queries</div><div class="v" id="t-total">-</div></div>
    <div class="tile"><div class="k">unique users</div><div class="v" id="t-users">-</div></div>
    <div class="tile"><div class="k">avg latency</div><div class="v" id="t-avg">-</div></div>
    <div class="tile"><div class="k">p95 latency</div><div class="v" id="t-p95">-</div></div>
    <div class="tile"><div class="k">avg rating</div><div class="v" id="t-rating">-</div></div>
    <div class="tile"><div class="k">no answer</div><div class="v" id="t-noanswer">-</div></div>
  </div>
  <section><h2>Queries per day</h2><canvas id="chart-daily" class="chart"></canvas></section>
  <section><h2>Ratings</h2><canvas id="chart-ratings" class="chart"></canvas></section>
  <section><h2>Documents by status</h2><canvas id="chart-doc-status" class="chart"></canvas></section>
  <section><h2>Documents by access level</h2><canvas id="chart-doc-level" class="chart"></canvas></section>
  <section><h2>Top questions</h2><table id="top"><tbody></tbody></table></section>
</main>
<script>
"use strict";
const errorsEl = document.getElementById("errors");
function reportError(message) {
  errorsEl.textContent += message + "\\n";
  errorsEl.dataset.count = String(Number(errorsEl.dataset.count || "0") + 1);
}
window.addEventListener("error", (e) => reportError("error: " + e.message));
window.addEventListener("unhandledrejection",
  (e) => reportError("error: " + (e.reason && e.reason.message || e.reason)));

const KEY = "vnrag.token";
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get("token")) {
  localStorage.setItem(KEY, fragment.get("token"));
  history.replaceState(null, "", location.pathname + location.search);
}
const query = new URLSearchParams(location.search);
if (query.get("start")) document.getElementById("start").value = query.get("start");
if (query.get("end")) document.getElementById("end").value = query.get("end");

function fmt(n, digits) { return n === null || n === undefined ? "-" : Number(n).toFixed(digits); }

function drawBars(id, labels, values, color) {
  const canvas = document.getElementById(id);
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 400, height = canvas.clientHeight || 240;
  canvas.width = width * ratio; canvas.height = height * ratio;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  const left = 36, bottom = 28, top = 10, right = 8;
  const plotW = width - left - right, plotH = height - top - bottom;
  const max = Math.max(4, Math.ceil(Math.max(0, ...values) / 4) * 4);  // counts: whole-number ticks
  ctx.strokeStyle = "#cbd2d9"; ctx.fillStyle = "#616e7c"; ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (let i = 0; i <= 4; i++) {
    const y = top + plotH - plotH * i / 4;
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + plotW, y); ctx.stroke();
    ctx.fillText(String(max * i / 4), left - 4, y);
  }
  const n = Math.max(1, values.length), slot = plotW / n, bar = Math.max(1, slot * 0.7);
  const every = Math.ceil(n / Math.max(1, Math.floor(plotW / 60)));
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  values.forEach((v, i) => {
    const h = plotH * v / max, x = left + i * slot + (slot - bar) / 2;
    ctx.fillStyle = color; ctx.fillRect(x, top + plotH - h, bar, h);
    if (i % every === 0) { ctx.fillStyle = "#616e7c"; ctx.fillText(String(labels[i]), x + bar / 2, top + plotH + 6); }
  });
  canvas.dataset.rendered = "true";
  canvas.dataset.bars = String(values.length);
}

async function api(path) {
  const token = localStorage.getItem(KEY);
  if (!token) throw new Error("sign in first");
  const response = await fetch(path, { headers: { Authorization: "Bearer " + token } });
  const body = await response.json();
  if (!response.ok) throw new Error(path + ": " + (body.error && body.error.message || response.status));
  return body;
}

async function load() {
  const params = new URLSearchParams();
  const start = document.getElementById("start").value, end = document.getElementById("end").value;
  if (start) params.set("start", start);
  if (end) params.set("end", end);
  const qs = params.toString() ? "?" + params.toString() : "";
  document.getElementById("status").textContent = "loading…";
  const [usage, quality, docs] = await Promise.all([
    api("/api/v1/analytics/usage" + qs), api("/api/v1/analytics/quality" + qs), api("/api/v1/analytics/documents")]);
  document.getElementById("start").value = usage.start;
  document.getElementById("end").value = usage.end;
  document.getElementById("t-total").textContent = usage.total_queries;
  document.getElementById("t-users").textContent = usage.unique_users;
  document.getElementById("t-avg").textContent = fmt(usage.avg_latency_ms, 1) + " ms";
  document.getElementById("t-p95").textContent = "≤ " + fmt(usage.p95_latency_ms, 0) + " ms";
  document.getElementById("t-rating").textContent = fmt(quality.avg_rating, 2);
  document.getElementById("t-noanswer").textContent = fmt(quality.no_answer_rate * 100, 1) + " %";
  drawBars("chart-daily", usage.daily.map((d) => d.date.slice(5)), usage.daily.map((d) => d.count), "#2563eb");
  const stars = ["1", "2", "3", "4", "5"];
  drawBars("chart-ratings", stars.map((s) => s + "★"), stars.map((s) => quality.ratings[s] || 0), "#d97706");
  const statuses = Object.keys(docs.by_status);
  drawBars("chart-doc-status", statuses, statuses.map((s) => docs.by_status[s]), "#059669");
  const levels = Object.keys(docs.by_access_level);
  drawBars("chart-doc-level", levels, levels.map((s) => docs.by_access_level[s]), "#7c3aed");
  const rows = document.querySelector("#top tbody");
  rows.textContent = "";
  for (const q of usage.top_queries) {
    const tr = rows.insertRow();
    tr.insertCell().textContent = q.query;
    const count = tr.insertCell(); count.className = "n"; count.textContent = q.count;
  }
  document.body.dataset.loaded = "true";
  document.getElementById("status").textContent = "updated " + new Date().toLocaleTimeString();
}

function refresh() { load().catch((e) => reportError(e.message)); }

document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const pasted = document.getElementById("token").value.trim();
  try {
    if (pasted) {
      localStorage.setItem(KEY, pasted);
    } else {
      const response = await fetch("/api/v1/auth/login", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: document.getElementById("username").value,
                               password: document.getElementById("password").value }) });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error && body.error.message || "sign-in failed");
      localStorage.setItem(KEY, body.access_token);
    }
    errorsEl.textContent = "";
    refresh();
  } catch (e) { reportError(e.message); }
});
document.getElementById("range").addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
if (localStorage.getItem(KEY)) refresh();
else document.getElementById("status").textContent = "sign in to see the figures";
</script>
</body>
</html>
"""
