// Messages: filter by event type, time range, endpoint and delivery status, or look one up by
// id or eventId. Pages with the API's keyset iterators, so page N costs what page 1 costs.
import { useState } from "preact/hooks";
import { Loading, StatusBadge, api, html, link, useLoad, when } from "../lib.js";

const PAGE_SIZE = 25;
const FILTERS = ["eventType", "endpoint", "status", "after", "before", "id"];

export function MessagesPage({ appId, query }) {
  const app = encodeURIComponent(appId);
  const endpoints = useLoad(() => api("GET", `/app/${app}/endpoint?limit=250`), [appId]);
  const key = query.toString();
  const state = useLoad(() => loadMessages(app, query), [appId, key]);
  return html`<h1>Messages</h1>
    <p class="sub"><a href=${link("app", appId)}>← Application</a></p>
    <${FilterForm} appId=${appId} query=${query} endpoints=${endpoints.data?.data ?? []} />
    <${Loading} state=${state}>
      ${(page) =>
        html`<table data-testid="messages">
            <thead>
              <tr>
                <th>Time</th>
                <th>Event type</th>
                <th>Message</th>
                <th>eventId</th>
                ${query.get("endpoint") ? html`<th>Status</th>` : null}
              </tr>
            </thead>
            <tbody>
              ${
                page.data.length === 0
                  ? html`<tr>
                      <td colspan="5">No messages match.</td>
                    </tr>`
                  : null
              }
              ${page.data.map(
                (m) =>
                  html`<tr>
                    <td>${when(m.timestamp)}</td>
                    <td>${m.eventType}</td>
                    <td><a href=${link("app", appId, "msg", m.id)}>${m.id}</a></td>
                    <td>${m.eventId ?? "—"}</td>
                    ${query.get("endpoint") ? html`<td><${StatusBadge} status=${m.status} /></td>` : null}
                  </tr>`,
              )}
            </tbody>
          </table>
          <nav class="pager" aria-label="Pages">
            ${query.get("iterator") ? html`<a href=${withQuery(appId, query, { iterator: null })}>First page</a>` : null}
            ${page.done ? null : html`<a href=${withQuery(appId, query, { iterator: page.iterator })}>Next page</a>`}
          </nav>`}
    <//>`;
}

/** One lookup by id/eventId, an endpoint's list (which knows delivery status), or the app's list. */
async function loadMessages(app, query) {
  const id = query.get("id");
  if (id) {
    try {
      return { data: [await api("GET", `/app/${app}/msg/${encodeURIComponent(id)}?with_content=false`)], done: true };
    } catch (error) {
      if (error.status === 404) return { data: [], done: true };
      throw error;
    }
  }
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), with_content: "false" });
  if (query.get("eventType")) params.set("event_types", query.get("eventType"));
  for (const bound of ["after", "before"]) {
    if (query.get(bound)) params.set(bound, new Date(query.get(bound)).toISOString());
  }
  if (query.get("iterator")) params.set("iterator", query.get("iterator"));
  const endpoint = query.get("endpoint");
  if (endpoint) {
    if (query.get("status")) params.set("status", query.get("status"));
    return api("GET", `/app/${app}/endpoint/${encodeURIComponent(endpoint)}/msg?${params}`);
  }
  return api("GET", `/app/${app}/msg?${params}`);
}

function withQuery(appId, query, changes) {
  const next = new URLSearchParams(query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === "") next.delete(k);
    else next.set(k, v);
  }
  return link("app", appId, "messages", next);
}

function FilterForm({ appId, query, endpoints }) {
  const [values, setValues] = useState(Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ""])));
  const set = (name) => (e) => setValues({ ...values, [name]: e.currentTarget.value });
  const submit = (event) => {
    event.preventDefault();
    location.hash = withQuery(appId, new URLSearchParams(), values);
  };
  return html`<form class="filters" onSubmit=${submit} aria-label="Filters">
    <label>Event type <input name="eventType" value=${values.eventType} onInput=${set("eventType")} /></label>
    <label
      >Endpoint
      <select name="endpoint" value=${values.endpoint} onChange=${set("endpoint")}>
        <option value="">any</option>
        ${endpoints.map((e) => html`<option value=${e.id}>${e.uid ?? e.url}</option>`)}
      </select>
    </label>
    <label
      >Status
      <select
        name="status"
        value=${values.status}
        onChange=${set("status")}
        disabled=${!values.endpoint}
        title="Status is per endpoint: choose an endpoint first"
      >
        <option value="">any</option>
        <option value="0">success</option>
        <option value="1">pending</option>
        <option value="2">fail</option>
        <option value="3">sending</option>
      </select>
    </label>
    <label>After <input type="datetime-local" name="after" value=${values.after} onInput=${set("after")} /></label>
    <label>Before <input type="datetime-local" name="before" value=${values.before} onInput=${set("before")} /></label>
    <label>Id or eventId <input name="id" value=${values.id} onInput=${set("id")} /></label>
    <button type="submit">Search</button>
  </form>`;
}
