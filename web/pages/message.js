// One message: its payload, where it goes, and every attempt with the request headers (secrets
// masked), the response and its timing; any attempt's delivery can be sent again.
import { useState } from "preact/hooks";
import { ActionButton, Loading, StatusBadge, api, duration, html, link, useLoad, when } from "../lib.js";

export function MessagePage({ appId, msgId }) {
  const base = `/app/${encodeURIComponent(appId)}`;
  const msg = encodeURIComponent(msgId);
  const message = useLoad(() => api("GET", `${base}/msg/${msg}`), [appId, msgId]);
  const attempts = useLoad(() => api("GET", `${base}/attempt/msg/${msg}?limit=100`), [appId, msgId]);
  const headers = useLoad(() => endpointHeaders(base, attempts.data?.data ?? []), [attempts.data]);
  const [notice, setNotice] = useState(null);
  return html`<${Loading} state=${message}>
    ${(m) =>
      html`<h1>Message <code>${m.id}</code></h1>
        <p class="sub"><a href=${link("app", appId, "messages")}>← Messages</a></p>
        <dl class="facts">
          <dt>Event type</dt>
          <dd>${m.eventType}</dd>
          <dt>eventId</dt>
          <dd>${m.eventId ?? "—"}</dd>
          <dt>Created</dt>
          <dd>${when(m.timestamp)}</dd>
          <dt>Channels</dt>
          <dd>${m.channels?.join(", ") ?? "—"}</dd>
        </dl>
        <h2>Payload</h2>
        <pre class="payload" data-testid="payload">${JSON.stringify(m.payload, null, 2)}</pre>
        <h2>Attempts</h2>
        ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
        <${Loading} state=${attempts}>
          ${(page) =>
            page.data.length === 0
              ? html`<p>No attempts yet.</p>`
              : html`<ol class="attempts">
                  ${page.data.map(
                    (a) =>
                      html`<li class="attempt" data-testid="attempt">
                        <header>
                          <${StatusBadge} status=${a.status} />
                          <strong>${a.responseStatusCode || "no response"}</strong>
                          <span>${duration(a.responseDurationMs)}</span>
                          <span>${when(a.timestamp)}</span>
                          <a href=${link("app", appId, "endpoint", a.endpointId)}>${a.endpointId}</a>
                          <${ActionButton}
                            onClick=${async () => {
                              await api(
                                "POST",
                                `${base}/msg/${msg}/endpoint/${encodeURIComponent(a.endpointId)}/resend`,
                              );
                              setNotice(`Resend to ${a.endpointId} queued.`);
                              attempts.reload();
                            }}
                            >Resend<//
                          >
                        </header>
                        <details>
                          <summary>Request to ${a.url}</summary>
                          <${RequestHeaders} attempt=${a} custom=${headers.data?.[a.endpointId]} />
                        </details>
                        <details open=${a.status !== 0}>
                          <summary>Response</summary>
                          <pre>${a.response || "(empty body)"}</pre>
                        </details>
                      </li>`,
                  )}
                </ol>`}
        <//>`}
  <//>`;
}

/** Each endpoint's custom headers, as the API shows them (sensitive ones by name only). */
async function endpointHeaders(base, attempts) {
  const ids = [...new Set(attempts.map((a) => a.endpointId))];
  const views = await Promise.all(
    ids.map((id) => api("GET", `${base}/endpoint/${encodeURIComponent(id)}/headers`).catch(() => null)),
  );
  return Object.fromEntries(ids.map((id, i) => [id, views[i]]));
}

/**
 * The request as sent: the signature is a secret-derived value and is masked; the timestamp is
 * the attempt's own second. Custom headers come from the endpoint's current configuration.
 */
function RequestHeaders({ attempt, custom }) {
  const rows = [
    ["content-type", "application/json"],
    ["webhook-id", attempt.msgId],
    ["webhook-timestamp", `≈ ${Math.floor(Date.parse(attempt.timestamp) / 1000)} (the second it was sent)`],
    ["webhook-signature", "v1,•••••••• (masked)"],
    ...Object.entries(custom?.headers ?? {}),
    ...(custom?.sensitive ?? []).map((name) => [name, "•••••••• (masked)"]),
  ];
  return html`<table class="headers">
    <tbody>
      ${rows.map(
        ([name, value]) =>
          html`<tr>
            <th scope="row">${name}</th>
            <td><code>${value}</code></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
