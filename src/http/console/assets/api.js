// The console's only door to the API: same origin, bearer token in a header
// (never in a URL), every failure turned into an ApiError carrying the error envelope.
import { h } from "./dom.js";

export class ApiError extends Error {
  constructor(status, code, message, requestId, details) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }

  get isAuth() {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * createApi(() => token) -> { get, post, patch, del, raw }
 * JSON in, JSON out; `raw` returns the Response for downloads.
 */
export function createApi(getToken, { onAuthError } = {}) {
  async function raw(method, path, { json, body, contentType, query } = {}) {
    const headers = { accept: "application/json" };
    const token = getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(json);
    } else if (contentType) {
      headers["content-type"] = contentType;
    }
    let url = path;
    if (query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
      const qs = params.toString();
      if (qs) url += (url.includes("?") ? "&" : "?") + qs;
    }
    let res;
    try {
      res = await fetch(url, { method, headers, body, cache: "no-store", credentials: "omit" });
    } catch (err) {
      throw new ApiError(0, "network_error", `the service did not answer (${err.message})`, null);
    }
    if (!res.ok) {
      const err = await errorOf(res);
      if (err.isAuth && onAuthError) onAuthError(err);
      throw err;
    }
    return res;
  }
  const call = async (method, path, options) => {
    const res = await raw(method, path, options);
    return res.status === 204 ? null : res.json();
  };
  return {
    raw,
    get: (path, query) => call("GET", path, { query }),
    post: (path, json, query) => call("POST", path, { json, query }),
    patch: (path, json, query) => call("PATCH", path, { json, query }),
    del: (path) => call("DELETE", path),
    send: (method, path, options) => call(method, path, options),
  };
}

async function errorOf(res) {
  const requestId = res.headers.get("x-request-id");
  let envelope = null;
  try {
    envelope = await res.json();
  } catch {
    // not JSON: a proxy's page, say
  }
  const e = envelope && typeof envelope === "object" ? envelope.error : null;
  if (e && typeof e.code === "string") return new ApiError(res.status, e.code, e.message ?? e.code, e.requestId ?? requestId, e.details);
  return new ApiError(res.status, `http_${res.status}`, `${res.status} ${res.statusText || "error"}`, requestId);
}

/** The envelope's message, code and request id, as an alert block. */
export function errorView(err, prefix) {
  if (!(err instanceof ApiError)) {
    return h("div", { class: "alert error", role: "alert" }, h("p", {}, prefix ? `${prefix}: ` : "", String(err?.message ?? err)));
  }
  const hint = err.isAuth ? authHint(err) : null;
  return h(
    "div",
    { class: "alert error", role: "alert" },
    h("p", {}, prefix ? h("strong", {}, `${prefix}: `) : null, err.message),
    hint ? h("p", {}, hint) : null,
    h(
      "p",
      { class: "meta" },
      err.status ? `HTTP ${err.status} · ` : "",
      "code ",
      h("code", {}, err.code),
      err.requestId ? [" · request id ", h("code", { class: "request-id" }, err.requestId)] : null,
    ),
  );
}

function authHint(err) {
  if (err.code === "auth_not_configured") return "The service has no token configured for this API.";
  return "This token is not allowed here. Curating exemplars needs an admin token; traffic statistics take an analyst or admin token.";
}
