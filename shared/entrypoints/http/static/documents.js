// The documents page: everyone sees the documents their role may read; managers and directors also upload
// (with progress) and delete (after a confirmation). Statuses refresh while any document is being indexed.
import {
  LEVEL_NAMES, STATUS_NAMES, callJson, credential, el, failureReason, formatDate, messageFor, setUpSignIn,
} from "./common.js";

const PAGE_SIZE = 20;
const POLL_MS = 1500;
const TITLE_HINT = "Để trống để dùng tên tệp.";
const $ = (id) => document.getElementById(id);
const state = { me: null, skip: 0, total: 0, timer: null, watching: new Map() };
let session = null;

function ready(me) {
  state.me = me;
  const levels = me.access_levels.map((l) => LEVEL_NAMES[l] || l).join(", ");
  $("scope").textContent = me.can_manage_documents
    ? `Bạn xem được tài liệu ở các mức: ${levels}. Bạn có thể tải lên và xóa tài liệu.`
    : `Bạn xem được tài liệu ở các mức: ${levels}. Chỉ quản lý và giám đốc mới tải lên hoặc xóa được tài liệu.`;
  $("upload-card").hidden = !me.can_manage_documents;
  $("documents").classList.toggle("readonly", !me.can_manage_documents);
  const level = $("doc-level");
  level.replaceChildren(...me.access_levels.map((l) => el("option", { value: l, text: LEVEL_NAMES[l] || l })));
  level.value = me.access_levels.includes("internal") ? "internal" : me.access_levels[0];
  load();
}

// --- the list ---------------------------------------------------------------------------------------------
async function load() {
  clearTimeout(state.timer);
  let page;
  try {
    page = await callJson(`api/v1/documents?limit=${PAGE_SIZE}&skip=${state.skip}`);
  } catch (e) {
    if (e.status === 401) { session.signedOut(e.message); return; }
    $("list-error").textContent = e.message;
    state.timer = setTimeout(load, POLL_MS * 4);
    return;
  }
  $("list-error").textContent = "";
  state.total = page.total;
  if (page.documents.length === 0 && state.skip > 0) {  // the last page emptied by a delete
    state.skip = Math.max(0, state.skip - PAGE_SIZE);
    load();
    return;
  }
  render(page.documents);
  await refreshWatched();
  const busy = page.documents.some((d) => d.status === "pending" || d.status === "indexing");
  if (busy || state.watching.size) state.timer = setTimeout(load, POLL_MS);
  document.body.dataset.idle = String(!busy && !state.watching.size);  // nothing left to refresh
}

function statusCell(d) {
  const cell = el("td", {}, el("span", { class: "badge " + d.status, text: STATUS_NAMES[d.status] || d.status,
                                         "data-status": d.status }));
  if (d.status === "failed" && d.error) {
    cell.append(el("div", { class: "reason", text: "Lý do: " + failureReason(d.error), title: d.error }));
  }
  return cell;
}

function render(documents) {
  const body = $("documents").tBodies[0];
  const types = new Set();
  body.replaceChildren(...documents.map((d) => {
    types.add(d.document_type);
    const row = el("tr", { "data-id": d.id },
      el("td", {}, el("div", { class: "title", text: d.title }), el("div", { class: "id", text: fileName(d.source) || d.id })),
      el("td", { text: d.document_type }),
      el("td", {}, el("span", { class: "badge level", text: LEVEL_NAMES[d.access_level] || d.access_level })),
      statusCell(d),
      el("td", { class: "n", text: String(d.chunk_count) }),
      el("td", { class: "date", text: formatDate(d.created_at) }),
      el("td", { class: "date", text: formatDate(d.updated_at) }));
    if (state.me.can_manage_documents) {
      row.append(el("td", { class: "manage" }, el("button", {
        type: "button", class: "danger", text: "Xóa", "aria-label": "Xóa " + d.title,
        onclick: () => confirmDelete(d),
      })));
    }
    return row;
  }));
  if (!documents.length) {
    body.append(el("tr", {}, el("td", { colSpan: 8, class: "muted", text: "Chưa có tài liệu nào bạn được xem." })));
  }
  $("known-types").replaceChildren(...[...types].sort().map((t) => el("option", { value: t })));
  const first = state.total ? state.skip + 1 : 0;
  const last = Math.min(state.skip + PAGE_SIZE, state.total);
  $("total").textContent = `(${state.total})`;
  $("page").textContent = `${first}–${last} / ${state.total}`;
  $("prev").disabled = state.skip === 0;
  $("next").disabled = state.skip + PAGE_SIZE >= state.total;
}

/** The file's own name: a server-side ingest records the path it read, which says nothing to a reader. */
function fileName(source) { return (source || "").split(/[\\/]/).pop(); }

// --- delete -----------------------------------------------------------------------------------------------
function confirmDelete(doc) {
  const dialog = $("confirm-delete");
  $("confirm-name").textContent = doc.title;
  dialog.returnValue = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "delete") return;
    try {
      await callJson("api/v1/documents/" + encodeURIComponent(doc.id), { method: "DELETE" });
    } catch (e) {
      $("list-error").textContent = e.message;
    }
    load();
  };
  dialog.showModal();
}

// --- upload -----------------------------------------------------------------------------------------------
/** One request with XMLHttpRequest, which (unlike fetch) reports upload progress. */
function transfer(method, url, headers, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [key, value] of Object.entries(headers)) xhr.setRequestHeader(key, value);
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) { resolve(xhr.response); return; }
      const error = (xhr.response && xhr.response.error) || {};
      const failure = new Error(messageFor(xhr.status, error, xhr.getResponseHeader("Retry-After")));
      failure.status = xhr.status;
      reject(failure);
    };
    xhr.onerror = () => reject(new Error(messageFor(0, {}, null)));
    xhr.send(body);
  });
}

/**
 * Local mode: the file goes to POST api/v1/documents (multipart), which answers with the pending document.
 * AWS mode (the server marks the page data-upload="presigned"): api/v1/documents/upload-url gives a
 * presigned S3 URL, the file is PUT there with its signed metadata, and the ingest function records the
 * document when the bucket's event reaches it (until then it reads as queued).
 */
async function send(file, fields, onProgress) {
  if (document.body.dataset.upload !== "presigned") {
    const form = new FormData();
    form.append("file", file);
    for (const [key, value] of Object.entries(fields)) if (value) form.append(key, value);
    return transfer("POST", "api/v1/documents", { Authorization: "Bearer " + credential() }, form, onProgress);
  }
  const made = await callJson("api/v1/documents/upload-url", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ filename: file.name, title: fields.title || null, document_type: fields.document_type,
                           access_level: fields.access_level }),
  });
  await transfer("PUT", made.upload_url, made.headers, file, onProgress);
  return { id: made.document_id, status: "pending", queued: true };
}

function uploadRow(file) {
  const progress = el("progress", { max: 1, value: 0, "aria-label": "Tiến trình " + file.name });
  const status = el("span", { class: "small muted", text: "Đang tải lên…", role: "status" });
  const row = el("li", { "data-file": file.name }, el("span", { text: file.name }), progress, status);
  $("uploads").append(row);
  return { row, progress, status };
}

async function upload(event) {
  event.preventDefault();
  const files = [...$("files").files];
  if (!files.length) {
    $("upload-error").textContent = "Vui lòng chọn ít nhất một tệp.";
    return;
  }
  $("upload-error").textContent = "";
  $("upload-button").disabled = true;
  const title = files.length === 1 ? $("doc-title").value.trim() : "";  // several files: each keeps its name
  const fields = { title, document_type: $("doc-type").value.trim() || "general", access_level: $("doc-level").value };
  for (const file of files) {
    const item = uploadRow(file);
    try {
      const doc = await send(file, fields, (share) => { item.progress.value = share; });
      item.progress.value = 1;
      item.status.textContent = STATUS_NAMES[doc.status] || doc.status;
      item.row.dataset.id = doc.id;
      item.queued = Boolean(doc.queued);  // in the bucket: not recorded until the ingest function runs
      state.watching.set(doc.id, item);
    } catch (e) {
      item.status.textContent = e.message;
      item.status.className = "small reason";
      item.row.dataset.failed = "true";
    }
  }
  $("upload-form").reset();
  $("doc-level").value = fields.access_level;
  $("doc-title").disabled = false;
  $("title-hint").textContent = TITLE_HINT;
  $("upload-button").disabled = false;
  load();
}

async function refreshWatched() {
  for (const [id, item] of state.watching) {
    let doc;
    try {
      doc = await callJson("api/v1/documents/" + encodeURIComponent(id));
    } catch (e) {
      if (e.status === 404 && item.queued) continue;  // still on its way from the bucket
      item.status.textContent = e.message;
      state.watching.delete(id);
      continue;
    }
    item.status.textContent = doc.status === "indexed" ? `${STATUS_NAMES.indexed} (${doc.chunk_count} đoạn)`
      : doc.status === "failed" ? `${STATUS_NAMES.failed}: ${failureReason(doc.error)}` : STATUS_NAMES[doc.status];
    item.row.dataset.status = doc.status;
    if (doc.status === "indexed" || doc.status === "failed") state.watching.delete(id);
  }
}

// --- wiring -----------------------------------------------------------------------------------------------
session = setUpSignIn(ready);
$("upload-form").addEventListener("submit", upload);
$("files").addEventListener("change", () => {
  const several = $("files").files.length > 1;
  $("doc-title").disabled = several;
  $("title-hint").textContent = several ? "Nhiều tệp: mỗi tài liệu lấy tên tệp làm tiêu đề." : TITLE_HINT;
});
$("prev").addEventListener("click", () => { state.skip = Math.max(0, state.skip - PAGE_SIZE); load(); });
$("next").addEventListener("click", () => { state.skip += PAGE_SIZE; load(); });
