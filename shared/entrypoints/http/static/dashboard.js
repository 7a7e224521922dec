// The analytics page (/dashboard, manager and director): usage, quality and document figures, fetched with
// the tab's credential and drawn on <canvas>. Signing in is the other pages' (common.js): the credential
// stays in sessionStorage and goes only in the Authorization header. Every chart gets data-rendered="true"
// once drawn and the body data-loaded="true" once everything is in; errors are shown in #errors.
"use strict";

import { LEVEL_NAMES, STATUS_NAMES, callJson, el, setUpSignIn } from "./common.js";

const $ = (id) => document.getElementById(id);
const errors = $("errors");
const status = $("status");

function fmt(n, digits) { return n === null || n === undefined ? "-" : Number(n).toFixed(digits); }

function drawBars(id, labels, values, color) {
  const canvas = $(id);
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

async function load() {
  const params = new URLSearchParams();
  if ($("start").value) params.set("start", $("start").value);
  if ($("end").value) params.set("end", $("end").value);
  const range = params.toString() ? "?" + params.toString() : "";
  status.textContent = "Đang tải…";
  const [usage, quality, docs] = await Promise.all([
    callJson("api/v1/analytics/usage" + range), callJson("api/v1/analytics/quality" + range),
    callJson("api/v1/analytics/documents")]);
  $("start").value = usage.start;
  $("end").value = usage.end;
  $("t-total").textContent = usage.total_queries;
  $("t-users").textContent = usage.unique_users;
  $("t-avg").textContent = fmt(usage.avg_latency_ms, 1) + " ms";
  $("t-p95").textContent = "≤ " + fmt(usage.p95_latency_ms, 0) + " ms";
  $("t-rating").textContent = fmt(quality.avg_rating, 2);
  $("t-noanswer").textContent = fmt(quality.no_answer_rate * 100, 1) + " %";
  drawBars("chart-daily", usage.daily.map((d) => d.date.slice(5)), usage.daily.map((d) => d.count), "#2563eb");
  const stars = ["1", "2", "3", "4", "5"];
  drawBars("chart-ratings", stars.map((s) => s + "★"), stars.map((s) => quality.ratings[s] || 0), "#d97706");
  const statuses = Object.keys(docs.by_status);
  drawBars("chart-doc-status", statuses.map((s) => STATUS_NAMES[s] || s), statuses.map((s) => docs.by_status[s]),
           "#059669");
  const levels = Object.keys(docs.by_access_level);
  drawBars("chart-doc-level", levels.map((s) => LEVEL_NAMES[s] || s), levels.map((s) => docs.by_access_level[s]),
           "#7c3aed");
  $("top").tBodies[0].replaceChildren(...usage.top_queries.map((q) => el("tr", {},
    el("td", { text: q.query }), el("td", { class: "n", text: String(q.count) }))));
  document.body.dataset.loaded = "true";
  status.textContent = "Cập nhật lúc " + new Date().toLocaleTimeString("vi-VN");
}

function refresh() {
  errors.textContent = "";
  load().catch((e) => { status.textContent = ""; errors.textContent = e.message; });
}

const query = new URLSearchParams(location.search);
if (query.get("start")) $("start").value = query.get("start");
if (query.get("end")) $("end").value = query.get("end");
$("range").addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
setUpSignIn(refresh);
