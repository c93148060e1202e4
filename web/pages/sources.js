// Inbound sources (operator only; the API refuses them to portal sessions), the requests each
// received, and one request as stored, which can be forwarded again as a new message.
import { useState } from "preact/hooks";
import { ActionButton, Loading, api, html, link, useLoad, when } from "../lib.js";

const PAGE_SIZE = 25;
/** Credentials a sender put in the request (a bearer or basic-auth secret); shown by name only. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key)$/i;

export function SourcesPage() {
  const [iterator, setIterator] = useState(null);
  const state = useLoad(
    () => api("GET", `/source?limit=50${iterator ? `&iterator=${encodeURIComponent(iterator)}` : ""}`),
    [iterator],
  );
  return html`<h1>Sources</h1>
    <${Loading} state=${state}>
      ${(page) =>
        html`<table data-testid="sources">
            <thead>
              <tr>
                <th>Source</th>
                <th>Verification</th>
                <th>Ingest URL</th>
                <th>Application</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              ${
                page.data.length === 0
                  ? html`<tr>
                      <td colspan="5">No sources yet.</td>
                    </tr>`
                  : null
              }
              ${page.data.map(
                (s) =>
                  html`<tr>
                    <td><a href=${link("source", s.id)}>${s.name}</a> ${s.uid ? html`<code>${s.uid}</code>` : null}</td>
                    <td>${s.verification.type}</td>
                    <td class="url"><code>${s.ingestUrl}</code></td>
                    <td><a href=${link("app", s.appId)}>${s.appId}</a></td>
                    <td>${when(s.createdAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          ${page.done ? null : html`<button type="button" onClick=${() => setIterator(page.iterator)}>Next page</button>`}`}
    <//>`;
}

export function SourcePage({ sourceId, query }) {
  const source = encodeURIComponent(sourceId);
  const info = useLoad(() => api("GET", `/source/${source}`), [sourceId]);
  const iterator = query.get("iterator");
  const requests = useLoad(() => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (iterator) params.set("iterator", iterator);
    return api("GET", `/source/${source}/request?${params}`);
  }, [sourceId, iterator]);
  return html`<${Loading} state=${info}>
    ${(s) =>
      html`<h1>${s.name}</h1>
        <p class="sub"><a href=${link("sources")}>← Sources</a></p>
        <dl class="facts">
          <dt>Id</dt>
          <dd><code>${s.id}</code>${s.uid ? html` · <code>${s.uid}</code>` : null}</dd>
          <dt>Ingest URL</dt>
          <dd><code>${s.ingestUrl}</code></dd>
          <dt>Verification</dt>
          <dd>${s.verification.type}</dd>
          <dt>Forwards to</dt>
          <dd><a href=${link("app", s.appId)}>${s.appId}</a></dd>
          <dt>Event type</dt>
          <dd>${eventTypeRule(s.eventType)}</dd>
          <dt>Dedupe window</dt>
          <dd>${s.dedupeWindowSeconds} s</dd>
        </dl>
        <h2>Received requests</h2>
        <${Loading} state=${requests}>
          ${(page) =>
            html`<table data-testid="source-requests">
                <thead>
                  <tr>
                    <th>Received</th>
                    <th>Request</th>
                    <th>Delivery id</th>
                    <th>Event type</th>
                    <th>Forwarded as</th>
                  </tr>
                </thead>
                <tbody>
                  ${
                    page.data.length === 0
                      ? html`<tr>
                          <td colspan="5">No requests received yet.</td>
                        </tr>`
                      : null
                  }
                  ${page.data.map(
                    (r) =>
                      html`<tr>
                        <td>${when(r.receivedAt)}</td>
                        <td><a href=${link("source", s.id, "request", r.id)}>${r.id}</a></td>
                        <td>${r.deliveryId ?? "—"}</td>
                        <td>${r.eventType}</td>
                        <td><a href=${link("app", s.appId, "msg", r.messageId)}>${r.messageId}</a></td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              <nav class="pager" aria-label="Pages">
                ${iterator ? html`<a href=${link("source", s.id)}>First page</a>` : null}
                ${
                  page.done
                    ? null
                    : html`<a href=${link("source", s.id, new URLSearchParams({ iterator: page.iterator }))}
                        >Next page</a
                      >`
                }
              </nav>`}
        <//>`}
  <//>`;
}

function eventTypeRule(rule) {
  if (rule.from === "fixed") return rule.value;
  const where = rule.from === "header" ? `header ${rule.name}` : `JSON ${rule.path}`;
  return rule.fallback ? `${where} (else ${rule.fallback})` : where;
}

export function SourceRequestPage({ sourceId, requestId }) {
  const path = `/source/${encodeURIComponent(sourceId)}/request/${encodeURIComponent(requestId)}`;
  const source = useLoad(() => api("GET", `/source/${encodeURIComponent(sourceId)}`), [sourceId]);
  const request = useLoad(() => api("GET", path), [path]);
  const [replayed, setReplayed] = useState([]);
  const appId = source.data?.appId;
  const messageLink = (id) =>
    appId ? html`<a href=${link("app", appId, "msg", id)}>${id}</a>` : html`<code>${id}</code>`;
  return html`<${Loading} state=${request}>
    ${(r) =>
      html`<h1>Request <code>${r.id}</code></h1>
        <p class="sub"><a href=${link("source", sourceId)}>← ${source.data?.name ?? "Source"}</a></p>
        <dl class="facts">
          <dt>Received</dt>
          <dd>${when(r.receivedAt)}</dd>
          <dt>Delivery id</dt>
          <dd>${r.deliveryId ?? "—"}</dd>
          <dt>Event type</dt>
          <dd>${r.eventType}</dd>
          <dt>Forwarded as</dt>
          <dd>${messageLink(r.messageId)}</dd>
        </dl>
        <p>
          <${ActionButton}
            onClick=${async () => {
              const result = await api("POST", `${path}/replay`);
              setReplayed([...replayed, result.messageId]);
            }}
            >Replay<//
          >
        </p>
        ${replayed.map(
          (id) =>
            html`<p class="notice" role="status" data-testid="source-replay">
              Replayed as message ${messageLink(id)}.
            </p>`,
        )}
        <h2>Headers</h2>
        <table class="headers" data-testid="request-headers">
          <tbody>
            ${Object.entries(r.headers).map(
              ([name, value]) =>
                html`<tr>
                  <th scope="row">${name}</th>
                  <td><code>${CREDENTIAL_HEADER.test(name) ? "•••••••• (masked)" : value}</code></td>
                </tr>`,
            )}
          </tbody>
        </table>
        <h2>Body</h2>
        ${
          r.body === null
            ? html`<p>Not UTF-8 text; the bytes as received, in base64:</p>
                <pre class="payload" data-testid="request-body">${r.bodyBase64}</pre>`
            : html`<pre class="payload" data-testid="request-body">${r.body || "(empty body)"}</pre>`
        }`}
  <//>`;
}
