// What the ask, documents and dashboard pages share: the credential, calls to the API, and errors in plain Vietnamese.
//
// The credential (a sign-in token or a pasted API key) lives in sessionStorage: it is gone when the tab
// closes, and it is sent only in the Authorization header, never as a cookie a forged request could ride.
// Every URL is relative to the page, so the pages work under an API Gateway stage prefix too.
"use strict";

const CREDENTIAL = "vnrag.credential";

export const ROLE_NAMES = { guest: "Khách", employee: "Nhân viên", manager: "Quản lý", director: "Giám đốc" };
export const LEVEL_NAMES = { public: "Công khai", internal: "Nội bộ", confidential: "Mật", restricted: "Tuyệt mật" };
export const STATUS_NAMES = { pending: "Đang chờ xử lý", indexing: "Đang lập chỉ mục", indexed: "Đã lập chỉ mục",
                              failed: "Lỗi" };

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function credential() { return sessionStorage.getItem(CREDENTIAL); }
export function forget() { sessionStorage.removeItem(CREDENTIAL); }
function remember(value) { sessionStorage.setItem(CREDENTIAL, value); }

function headers(extra) {
  const h = new Headers(extra || {});
  const c = credential();
  if (c) h.set("Authorization", "Bearer " + c);
  return h;
}

/** A fetch of `path` (relative: "api/v1/...") with the credential; network failures become an ApiError. */
export async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { ...options, headers: headers(options.headers), credentials: "omit" });
  } catch (e) {
    throw new ApiError(messageFor(0, {}, null), 0, "network");
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function callJson(path, options = {}) {
  const response = await call(path, options);
  return response.status === 204 ? null : response.json();
}

/** The Vietnamese message for an error response (the API's own messages are English, for developers). */
export async function errorOf(response) {
  let body = null;
  try { body = await response.json(); } catch (e) { /* not JSON: a proxy's page */ }
  const error = (body && body.error) || {};
  return new ApiError(messageFor(response.status, error, response.headers.get("Retry-After")), response.status,
                      error.code || "http_" + response.status);
}

export function messageFor(status, error, retryAfter) {
  const code = error.code || "";
  if (status === 0) return "Không kết nối được tới máy chủ. Kiểm tra kết nối mạng hoặc thử lại sau ít phút.";
  if (status === 429) {
    const seconds = Number.parseInt(retryAfter || "", 10);
    const wait = Number.isFinite(seconds) && seconds > 0 ? `sau ${seconds} giây` : "sau ít phút";
    return `Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại ${wait}.`;
  }
  if (status === 401) {
    return code === "unauthorized" && /password|username/i.test(error.message || "")
      ? "Tên đăng nhập hoặc mật khẩu không đúng."
      : "Phiên đăng nhập đã hết hạn hoặc khóa API không hợp lệ. Vui lòng đăng nhập lại.";
  }
  if (status === 403) return "Bạn không có quyền thực hiện thao tác này.";
  if (status === 404) return "Không tìm thấy tài liệu hoặc tài liệu không còn nữa.";
  if (status === 413) return "Tệp quá lớn, vượt giới hạn cho phép.";
  if (status === 415) return "Định dạng tệp không được hỗ trợ. Hãy dùng tệp .txt, .md, .html, .docx hoặc .pdf.";
  if (status === 422) {
    if (code === "empty_document") return "Tệp rỗng, không có nội dung.";
    if (code === "corrupt_document") return "Không đọc được tệp: tệp bị hỏng hoặc sai định dạng.";
    if (code === "invalid_query") return "Câu hỏi không hợp lệ. Hãy nhập câu hỏi bằng chữ, tối đa 1.000 ký tự.";
    return "Yêu cầu không hợp lệ" + (error.field ? ` (trường ${error.field})` : "") + ". Vui lòng kiểm tra lại.";
  }
  if (status === 502 || status === 503 || status === 504) {
    return "Máy chủ đang tạm thời không sẵn sàng. Vui lòng thử lại sau ít phút.";
  }
  if (status >= 500) return "Máy chủ gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau.";
  return "Yêu cầu không thực hiện được. Vui lòng thử lại.";
}

// Why an ingest failed, as the document records it: English written for operators (shared/services/parsing,
// ingestion, drop_folder), shown here in Vietnamese with the English kept as the tooltip. Every reason the
// service writes has its line here (tests/integration/test_web_browser.py reads them from the code); an
// unknown one is shown as it is.
const REASONS = [
  [/password-protected|encrypted/i, "Tệp PDF có mật khẩu hoặc bị mã hóa: hãy tải lên bản không đặt mật khẩu."],
  [/no text layer/i, "Tệp PDF không có lớp chữ và không nhận dạng được chữ trên các trang quét."],
  [/OCR found no text/i, "Không nhận dạng được chữ trong ảnh."],
  [/invalid metadata/i, "Thông tin kèm theo tệp (mức truy cập, loại văn bản) không hợp lệ."],
  [/unsupported file type|cannot read .*; supported:|PNG, JPEG and TIFF are read|not a PNG, JPEG or TIFF/i,
   "Định dạng tệp không được hỗ trợ."],
  [/antiword|catdoc/i, "Máy chủ chưa cài công cụ đọc tệp .doc: hãy báo quản trị viên, hoặc tải lên bản .docx."],
  [/cannot be (?:read|decoded|rendered)|not a valid zip|nested too deeply|binary data|not text in any known encoding|byte-order mark|archive holds|zip archive is not|does not start with/i,
   "Không đọc được tệp: tệp bị hỏng hoặc sai định dạng."],
  [/is empty|holds no text/i, "Tài liệu không có nội dung văn bản để lập chỉ mục."],
  [/\blimit\b|more text than|more than \S+ cells/i, "Tài liệu vượt quá giới hạn kích thước cho phép."],
  // The embedding or word segmentation model failed on the server (ModelUnavailable): nothing the user did.
  [/could not be indexed|model|unavailable|holds vectors of|tokenizer|input_ids|output shape|JSON object|cannot load|unreadable/i,
   "Không lập chỉ mục được tài liệu do lỗi máy chủ. Hãy thử tải lên lại."],
];

export function failureReason(error) {
  const known = REASONS.find(([pattern]) => pattern.test(error || ""));
  return known ? known[1] : error;
}

/** Sign in with a username and password; the token is kept for this tab. */
export async function signIn(username, password) {
  const body = await callJson("api/v1/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  remember(body.access_token);
  return whoAmI();
}

/** Use a pasted API key (or token) instead: it is checked before it is kept. */
export async function useKey(key) {
  remember(key.trim());
  try {
    return await whoAmI();
  } catch (e) {
    forget();
    throw e;
  }
}

export function whoAmI() { return callJson("api/v1/auth/me"); }

/** An element with text only: nothing from the API is ever parsed as HTML. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("data-") || key.startsWith("aria-") || key === "role" || key === "for") {
      node.setAttribute(key, value);
    } else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);  // strings become text nodes
  }
  return node;
}

export function formatDate(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleString("vi-VN", { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit",
                                     minute: "2-digit" });
}

/**
 * The sign-in card and the header's "signed in as" line, shared by both pages. `onReady(me)` runs once a
 * credential is known to work (at load when the tab already holds one, or after signing in).
 */
export function setUpSignIn(onReady) {
  // "#token=…" in the address signs the tab in (for automation and links from a script): a fragment never
  // reaches a server, and it is taken out of the address at once.
  const given = new URLSearchParams(location.hash.slice(1)).get("token");
  if (given) {
    remember(given);
    history.replaceState(null, "", location.pathname + location.search);
  }
  const card = document.getElementById("signin");
  const app = document.getElementById("app");
  const who = document.getElementById("who");
  const error = document.getElementById("signin-error");

  function show(me) {
    card.hidden = true;
    app.hidden = false;
    who.hidden = false;
    document.getElementById("who-name").textContent = me.id;
    document.getElementById("who-role").textContent = ROLE_NAMES[me.role] || me.role;
    document.body.dataset.role = me.role;
    onReady(me);
  }

  function signedOut(message) {
    forget();
    card.hidden = false;
    app.hidden = true;
    who.hidden = true;
    error.textContent = message || "";
    document.getElementById("username").focus();
  }

  async function attempt(action, button) {
    error.textContent = "";
    button.disabled = true;
    try {
      show(await action());
    } catch (e) {
      error.textContent = e.message;
    } finally {
      button.disabled = false;
    }
  }

  document.getElementById("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const username = document.getElementById("username").value.trim();
    const password = document.getElementById("password").value;
    if (!username || !password) {
      error.textContent = "Vui lòng nhập tên đăng nhập và mật khẩu.";
      return;
    }
    attempt(() => signIn(username, password), event.submitter || event.target.querySelector("button"));
  });
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = document.getElementById("api-key").value.trim();
    if (!key) {
      error.textContent = "Vui lòng dán khóa API.";
      return;
    }
    attempt(() => useKey(key), event.submitter || event.target.querySelector("button"));
  });
  document.getElementById("signout").addEventListener("click", () => signedOut(""));

  if (credential()) {
    whoAmI().then(show, (e) => signedOut(e.status === 401 ? "" : e.message));
  } else {
    signedOut("");
  }
  return { signedOut };
}
