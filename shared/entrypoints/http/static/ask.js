// The ask page: a question goes to api/v1/query/stream; the answer is drawn as its events arrive, [n]
// markers link to the numbered sources, and the answer can be rated. Text from the API is only ever set as
// text (textContent, text nodes), never parsed as HTML.
import { LEVEL_NAMES, call, callJson, el, messageFor, setUpSignIn } from "./common.js";

const HISTORY = "vnrag.history";
const HISTORY_SIZE = 8;
const $ = (id) => document.getElementById(id);

const state = { me: null, queryId: null, rating: null, controller: null, text: "", sources: new Map() };
let session = null;

function ready(me) {
  state.me = me;
  fillLevels(me.access_levels);
  renderHistory();
  loadDocumentTypes();
  $("question").focus();
}

function fillLevels(levels) {
  const select = $("filter-level");
  select.replaceChildren(el("option", { value: "", text: "Mọi tài liệu tôi được đọc" }));
  // "Up to this level": each choice narrows to the levels at and below it.
  levels.slice(0, -1).forEach((level, i) => {
    const names = levels.slice(0, i + 1).map((l) => LEVEL_NAMES[l] || l);
    select.append(el("option", { value: level, text: "Chỉ " + names.join(" + ") }));
  });
}

async function loadDocumentTypes() {
  const types = new Set();
  try {
    for (let skip = 0, total = 1; skip < total && skip < 1000; skip += 100) {
      const page = await callJson(`api/v1/documents?limit=100&skip=${skip}`);
      total = page.total;
      page.documents.forEach((d) => types.add(d.document_type));
      if (!page.documents.length) break;
    }
  } catch (e) {
    return;  // the filter keeps "all types"; asking still works
  }
  const select = $("filter-type");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "", text: "Tất cả các loại" }),
                         ...[...types].sort().map((t) => el("option", { value: t, text: t })));
  select.value = chosen;
}

// --- history of this tab's questions ---------------------------------------------------------------------
function history() {
  try { return JSON.parse(sessionStorage.getItem(HISTORY) || "[]"); } catch (e) { return []; }
}

function remember(question) {
  const list = [question, ...history().filter((q) => q !== question)].slice(0, HISTORY_SIZE);
  sessionStorage.setItem(HISTORY, JSON.stringify(list));
  renderHistory();
}

function renderHistory() {
  const list = $("history");
  const items = history();
  if (!items.length) {
    list.replaceChildren(el("li", { class: "empty", text: "Chưa có câu hỏi nào." }));
    return;
  }
  list.replaceChildren(...items.map((q) => el("li", {}, el("button", {
    type: "button", text: q, title: "Hỏi lại: " + q,
    onclick: () => { $("question").value = q; ask(q); },
  }))));
}

// --- the answer -------------------------------------------------------------------------------------------
function renderAnswer() {
  // Split on [n]: the text between markers stays text; a marker becomes a link to its source.
  const parts = [];
  let last = 0;
  for (const match of state.text.matchAll(/\[(\d{1,2})\]/g)) {
    parts.push(state.text.slice(last, match.index));
    const n = match[1];
    const known = state.sources.size === 0 || state.sources.has(n);
    parts.push(known ? el("a", { class: "cite", href: "#source-" + n, text: `[${n}]`, "data-n": n,
                                 "aria-label": "Nguồn " + n, onclick: openSource })
                     : `[${n}]`);
    last = match.index + match[0].length;
  }
  parts.push(state.text.slice(last));
  $("answer").replaceChildren(...parts);
}

function openSource(event) {
  event.preventDefault();
  const target = document.getElementById("source-" + event.currentTarget.dataset.n);
  if (!target) return;
  document.querySelectorAll(".source.current").forEach((s) => s.classList.remove("current"));
  target.classList.add("current");
  target.scrollIntoView({ block: "nearest", behavior: "smooth" });
  target.focus({ preventScroll: true });
}

function renderSources(sources) {
  state.sources = new Map(sources.map((s) => [String(s.citation_number), s]));
  $("sources").replaceChildren(...sources.map((s) => el("li", {
    class: "source", id: "source-" + s.citation_number, tabIndex: -1,
  },
  el("div", {}, el("span", { class: "num", text: `[${s.citation_number}]` }), el("span", { class: "title", text: s.title })),
  el("div", { class: "path", text: s.heading_path }),
  el("blockquote", { class: "snippet", text: s.snippet }),
  el("details", {}, el("summary", { text: s.article ? `Xem toàn văn Điều ${s.article}` : "Xem toàn văn đoạn trích" }),
     el("div", { class: "fulltext", text: s.text })))));
  $("sources-block").hidden = sources.length === 0;
  renderAnswer();
}

function resetAnswer() {
  state.text = "";
  state.sources = new Map();
  state.queryId = null;
  $("answer-card").hidden = false;
  $("answer").replaceChildren();
  $("answer").dataset.events = "0";
  $("answer").dataset.done = "false";
  $("answer").setAttribute("aria-busy", "true");
  $("answer").classList.add("streaming");
  $("not-found").hidden = true;
  $("answer-meta").textContent = "";
  $("sources").replaceChildren();
  $("sources-block").hidden = true;
  $("feedback-form").hidden = true;
  $("ask-error").textContent = "";
  resetFeedback();
}

function finish() {
  const answer = $("answer");
  answer.classList.remove("streaming");
  answer.setAttribute("aria-busy", "false");
  $("ask-button").disabled = false;
}

function showError(message) {
  $("ask-error").textContent = message;
  if (!state.text) $("answer-card").hidden = true;
}

const STREAM_ERRORS = {
  model_unavailable: "Máy chủ đang tạm thời không sẵn sàng. Vui lòng thử lại sau ít phút.",
  unavailable: "Máy chủ đang tạm thời không sẵn sàng. Vui lòng thử lại sau ít phút.",
};

function onEvent(kind, data) {
  const answer = $("answer");
  if (kind === "token") {
    state.text += data.text;
    answer.dataset.events = String(Number(answer.dataset.events) + 1);
    renderAnswer();
  } else if (kind === "citations") {
    renderSources(data.sources || []);
  } else if (kind === "done") {
    state.queryId = data.query_id;
    answer.dataset.done = "true";
    answer.dataset.found = String(data.found);
    $("not-found").hidden = data.found;
    const ms = data.metadata && data.metadata.latency_ms && data.metadata.latency_ms.total;
    const count = state.sources.size;
    $("answer-meta").textContent = (count ? `${count} nguồn` : "Không có nguồn") +
      (ms ? ` · ${(ms / 1000).toLocaleString("vi-VN", { maximumFractionDigits: 2 })} giây` : "");
    $("feedback-form").hidden = false;
    answer.focus();
  } else if (kind === "error") {
    const error = data.error || {};
    throw new Error(STREAM_ERRORS[error.code] || "Không hoàn tất được câu trả lời. Vui lòng thử lại.");
  }
}

/** Reads server-sent events from a fetch response: blocks separated by a blank line, `event:` and `data:`. */
async function readEvents(response, handle) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  let sawDone = false;
  const dispatch = (block) => {
    let kind = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) kind = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (!data.length) return;
    handle(kind, JSON.parse(data.join("\n")));
    if (kind === "done") sawDone = true;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      dispatch(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
  if (buffer.trim()) dispatch(buffer);
  if (!sawDone) throw new Error("Kết nối bị gián đoạn trước khi câu trả lời hoàn tất. Vui lòng thử lại.");
}

async function ask(question) {
  question = question.trim();
  if (!question) {
    $("ask-error").textContent = "Vui lòng nhập câu hỏi.";
    $("question").focus();
    return;
  }
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  remember(question);
  resetAnswer();
  $("ask-button").disabled = true;
  const filters = {};
  if ($("filter-type").value) filters.document_type = [$("filter-type").value];
  if ($("filter-level").value) filters.max_access_level = $("filter-level").value;
  try {
    const response = await call("api/v1/query/stream", {
      method: "POST", signal: controller.signal,
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ query: question, top_k: 5, filters }),
    });
    await readEvents(response, onEvent);
  } catch (e) {
    if (controller.signal.aborted) return;  // a newer question replaced this one
    if (e.status === 401) session.signedOut(e.message);
    showError(e instanceof TypeError ? messageFor(0, {}, null) : e.message);
  } finally {
    if (state.controller === controller) {
      state.controller = null;
      finish();
    }
  }
}

// --- feedback ---------------------------------------------------------------------------------------------
function resetFeedback() {
  state.rating = null;
  for (const id of ["thumb-up", "thumb-down"]) {
    $(id).setAttribute("aria-pressed", "false");
    $(id).disabled = false;
  }
  $("feedback-comment").value = "";
  $("feedback-comment").disabled = false;
  $("feedback-send").disabled = true;
  $("feedback-status").textContent = "";
}

function choose(rating) {
  state.rating = rating;
  $("thumb-up").setAttribute("aria-pressed", String(rating === 5));
  $("thumb-down").setAttribute("aria-pressed", String(rating === 1));
  $("feedback-send").disabled = false;
}

async function sendFeedback(event) {
  event.preventDefault();
  if (!state.queryId || !state.rating) return;
  const status = $("feedback-status");
  $("feedback-send").disabled = true;
  try {
    await callJson("api/v1/feedback", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query_id: state.queryId, rating: state.rating, comment: $("feedback-comment").value.trim() }),
    });
    status.textContent = "Cảm ơn bạn đã góp ý!";
    status.dataset.sent = "true";
    for (const id of ["thumb-up", "thumb-down", "feedback-comment"]) $(id).disabled = true;
  } catch (e) {
    status.textContent = e.message;
    $("feedback-send").disabled = false;
  }
}

// --- wiring -----------------------------------------------------------------------------------------------
session = setUpSignIn(ready);
$("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  ask($("question").value);
});
$("question").addEventListener("keydown", (event) => {
  // Enter sends; Shift+Enter is a new line; never while an input method is composing (Telex, VNI).
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("ask-form").requestSubmit();
  }
});
$("thumb-up").addEventListener("click", () => choose(5));
$("thumb-down").addEventListener("click", () => choose(1));
$("feedback-form").addEventListener("submit", sendFeedback);
