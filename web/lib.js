// Shared pieces of the dashboard: the html tag, the API client (cookie session + CSRF header),
// hash routing and formatting helpers.
import { h } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import htm from "htm";

export const html = htm.bind(h);

/** The CSRF token of the current session; sent on every request that changes state. */
let csrfToken = null;
export function setCsrfToken(token) {
  csrfToken = token;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Calls the REST API as the signed-in session; throws ApiError with the problem's detail. */
export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, problemText(response.status, data));
  return data;
}

function problemText(status, data) {
  if (Array.isArray(data?.detail)) return data.detail.map((d) => `${(d.loc ?? []).join(".")}: ${d.msg}`).join("; ");
  return `${status}: ${data?.detail ?? "request failed"}`;
}

/** Loads `load()` when `deps` change: { data, error, loading, reload }. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const run = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => setState({ data, error: null, loading: false }),
      (error) => setState({ data: null, error, loading: false }),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/** The hash route: "#/app/x/messages?eventType=a" → { path: ["app","x","messages"], query }. */
export function useRoute() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  const [path, search] = hash.replace(/^#\/?/, "").split("?");
  return { path: path ? path.split("/").map(decodeURIComponent) : [], query: new URLSearchParams(search ?? "") };
}

export function link(...parts) {
  const last = parts[parts.length - 1];
  const query = last instanceof URLSearchParams ? parts.pop().toString() : "";
  return `#/${parts.map(encodeURIComponent).join("/")}${query ? `?${query}` : ""}`;
}

export const STATUS = { 0: "success", 1: "pending", 2: "fail", 3: "sending" };

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function StatusBadge({ status }) {
  const text = typeof status === "number" ? STATUS[status] : status;
  return html`<span class=${`badge badge-${text}`}>${text}</span>`;
}

export function ErrorBox({ error }) {
  return error ? html`<p class="error" role="alert">${error.message}</p>` : null;
}

/** A button that runs an async action, shows it is busy, and reports failure next to itself. */
export function ActionButton({ onClick, children, kind = "", confirm: question }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const act = async () => {
    if (question && !window.confirm(question)) return;
    setBusy(true);
    setError(null);
    try {
      await onClick();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="action"
    ><button type="button" class=${kind} onClick=${act} disabled=${busy}>${children}</button
    ><${ErrorBox} error=${error}
  /></span>`;
}

export function Loading({ state, children }) {
  if (state.error) return html`<${ErrorBox} error=${state.error} />`;
  if (state.loading && !state.data) return html`<p class="loading">Loading…</p>`;
  return children(state.data);
}
