// Applications (operator only) and one application's endpoints with their state.
import { useState } from "preact/hooks";
import { Loading, api, html, link, useLoad, when } from "../lib.js";

export function AppsPage() {
  const [iterator, setIterator] = useState(null);
  const state = useLoad(
    () => api("GET", `/app?limit=50${iterator ? `&iterator=${encodeURIComponent(iterator)}` : ""}`),
    [iterator],
  );
  return html`<h1>Applications</h1>
    <${Loading} state=${state}>
      ${(page) =>
        html`<table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Id</th>
                <th>Uid</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              ${page.data.map(
                (a) =>
                  html`<tr>
                    <td><a href=${link("app", a.id)}>${a.name}</a></td>
                    <td><code>${a.id}</code></td>
                    <td>${a.uid ?? "—"}</td>
                    <td>${when(a.createdAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          ${page.done ? null : html`<button type="button" onClick=${() => setIterator(page.iterator)}>Next page</button>`}`}
    <//>`;
}

export function AppPage({ appId }) {
  const app = useLoad(() => api("GET", `/app/${encodeURIComponent(appId)}`), [appId]);
  const endpoints = useLoad(() => api("GET", `/app/${encodeURIComponent(appId)}/endpoint?limit=250`), [appId]);
  return html`<${Loading} state=${app}>
    ${(a) =>
      html`<h1>${a.name}</h1>
        <p class="sub">
          <code>${a.id}</code> · <a href=${link("app", a.id, "messages")}>Messages</a> ·
          <a href=${link("app", a.id, "replay")}>Replay a range</a>
        </p>
        <h2>Endpoints</h2>
        <${Loading} state=${endpoints}>
          ${(page) =>
            page.data.length === 0
              ? html`<p>No endpoints yet.</p>`
              : html`<table>
                  <thead>
                    <tr>
                      <th>Endpoint</th>
                      <th>URL</th>
                      <th>State</th>
                      <th>Event types</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${page.data.map(
                      (e) =>
                        html`<tr>
                          <td><a href=${link("app", a.id, "endpoint", e.id)}>${e.uid ?? e.id}</a></td>
                          <td class="url">${e.url}</td>
                          <td><${EndpointState} endpoint=${e} /></td>
                          <td>${e.filterTypes?.join(", ") ?? "all"}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`}
        <//>`}
  <//>`;
}

const STATE_BADGES = {
  disabled: ["badge-fail", "disabled"],
  circuit_open: ["badge-fail", "circuit open"],
  circuit_half_open: ["badge-pending", "probing"],
  throttled: ["badge-pending", "throttled"],
  failing: ["badge-pending", "failing"],
  healthy: ["badge-success", "enabled"],
};

/** The endpoint's health state as the server reports it, with the reason on hover. */
export function EndpointState({ endpoint }) {
  const state = endpoint.disabled ? "disabled" : (endpoint.health?.state ?? "healthy");
  const [badge, label] = STATE_BADGES[state] ?? STATE_BADGES.healthy;
  return html`<span class="badge ${badge}" title=${endpoint.health?.reason ?? ""}>${label}</span>`;
}
