// One endpoint: health from its recent attempts, edit, disable/enable, rotate secret, send an
// example event.
import { useState } from "preact/hooks";
import { ActionButton, ErrorBox, Loading, StatusBadge, api, duration, html, link, useLoad, when } from "../lib.js";
import { EndpointState } from "./apps.js";

/** Health is computed over this many latest attempts (one indexed page of the attempt list). */
const HEALTH_SAMPLE = 100;

export function EndpointPage({ appId, endpointId }) {
  const base = `/app/${encodeURIComponent(appId)}/endpoint/${encodeURIComponent(endpointId)}`;
  const endpoint = useLoad(() => api("GET", base), [base]);
  const attempts = useLoad(
    () =>
      api(
        "GET",
        `/app/${encodeURIComponent(appId)}/attempt/endpoint/${encodeURIComponent(endpointId)}?limit=${HEALTH_SAMPLE}`,
      ),
    [base],
  );
  const [notice, setNotice] = useState(null);
  return html`<${Loading} state=${endpoint}>
    ${(e) =>
      html`<h1>Endpoint ${e.uid ?? e.id}</h1>
        <p class="sub">
          <a href=${link("app", appId)}>← Application</a> · <code>${e.id}</code> · <${EndpointState} endpoint=${e} />
        </p>
        <${Loading} state=${attempts}>${(page) => html`<${Health} attempts=${page.data} />`}<//>
        <section class="actions" aria-label="Actions">
          <${ActionButton}
            onClick=${async () => {
              await api("PATCH", base, { disabled: !e.disabled });
              setNotice(e.disabled ? "Endpoint enabled." : "Endpoint disabled.");
              endpoint.reload();
            }}
            kind=${e.disabled ? "" : "danger"}
            confirm=${e.disabled ? undefined : "Disable this endpoint? Deliveries to it stop until it is enabled."}
            >${e.disabled ? "Enable endpoint" : "Disable endpoint"}<//
          >
          <${ActionButton}
            onClick=${async () => {
              await api("POST", `${base}/secret/rotate`, {});
              setNotice("Secret rotated; the previous one stays valid for the grace period.");
            }}
            confirm="Rotate the signing secret?"
            >Rotate secret<//
          >
          <${SendExample} base=${base} onSent=${setNotice} />
        </section>
        ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
        <${EditForm}
          endpoint=${e}
          base=${base}
          onSaved=${() => {
            setNotice("Saved.");
            endpoint.reload();
          }}
        />`}
  <//>`;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function Health({ attempts }) {
  const ok = attempts.filter((a) => a.status === 0).length;
  const durations = attempts.map((a) => a.responseDurationMs).sort((x, y) => x - y);
  const lastError = attempts.find((a) => a.status !== 0);
  return html`<section class="cards" aria-label="Health">
      <div class="card">
        <span class="label">Success rate (last ${attempts.length} attempts)</span>
        <span class="value">${attempts.length ? `${Math.round((ok / attempts.length) * 100)} %` : "—"}</span>
      </div>
      <div class="card">
        <span class="label">Latency p50 / p95</span>
        <span class="value">${duration(percentile(durations, 50))} / ${duration(percentile(durations, 95))}</span>
      </div>
      <div class="card">
        <span class="label">Last error</span>
        <span class="value small"
          >${
            lastError
              ? html`${when(lastError.timestamp)}: ${lastError.responseStatusCode || "no response"}
                ${lastError.response.slice(0, 120)}`
              : "none"
          }</span
        >
      </div>
    </section>
    ${
      attempts.length
        ? html`<details>
            <summary>Recent attempts</summary>
            <table>
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Message</th>
                  <th>Status</th>
                  <th>Code</th>
                  <th>Duration</th>
                </tr>
              </thead>
              <tbody>
                ${attempts.slice(0, 20).map(
                  (a) =>
                    html`<tr>
                      <td>${when(a.timestamp)}</td>
                      <td><code>${a.msgId}</code></td>
                      <td><${StatusBadge} status=${a.status} /></td>
                      <td>${a.responseStatusCode}</td>
                      <td>${duration(a.responseDurationMs)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </details>`
        : null
    }`;
}

function SendExample({ base, onSent }) {
  const [eventType, setEventType] = useState("");
  return html`<span class="inline-form">
    <label for="example-type">Example event type</label>
    <input
      id="example-type"
      value=${eventType}
      onInput=${(e) => setEventType(e.currentTarget.value)}
      placeholder="invoice.paid"
    />
    <${ActionButton}
      onClick=${async () => {
        const m = await api("POST", `${base}/send-example`, { eventType });
        onSent(`Example sent as message ${m.id}.`);
      }}
      >Send example<//
    >
  </span>`;
}

function EditForm({ endpoint, base, onSaved }) {
  const [url, setUrl] = useState(endpoint.url);
  const [description, setDescription] = useState(endpoint.description);
  const [types, setTypes] = useState((endpoint.filterTypes ?? []).join(", "));
  const [error, setError] = useState(null);
  const save = async (event) => {
    event.preventDefault();
    setError(null);
    const filterTypes = types
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    try {
      await api("PATCH", base, { url, description, filterTypes: filterTypes.length ? filterTypes : null });
      onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return html`<form class="edit" onSubmit=${save}>
    <h2>Edit</h2>
    <label for="ep-url">URL</label>
    <input id="ep-url" type="url" required value=${url} onInput=${(e) => setUrl(e.currentTarget.value)} />
    <label for="ep-description">Description</label>
    <input id="ep-description" value=${description} onInput=${(e) => setDescription(e.currentTarget.value)} />
    <label for="ep-types">Event types (comma-separated; empty for all)</label>
    <input id="ep-types" value=${types} onInput=${(e) => setTypes(e.currentTarget.value)} />
    <button type="submit">Save</button>
    <${ErrorBox} error=${error} />
  </form>`;
}
