// Live tail: attempts as the worker records them, over Server-Sent Events.
import { useEffect, useState } from "preact/hooks";
import { StatusBadge, duration, html, link, when } from "../lib.js";

/** Keeps the page light during bursts: older rows drop off the end. */
const MAX_ROWS = 200;

export function TailPage({ appId, enabled }) {
  const [rows, setRows] = useState([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!enabled) return undefined;
    const source = new EventSource(`/api/v1/dashboard/tail${appId ? `?app_id=${encodeURIComponent(appId)}` : ""}`);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener("attempt", (event) => {
      const attempt = JSON.parse(event.data);
      setRows((current) => [attempt, ...current].slice(0, MAX_ROWS));
    });
    return () => source.close();
  }, [appId, enabled]);
  if (!enabled) {
    return html`<h1>Live tail</h1>
      <p class="notice">This server process runs no delivery worker, so it has no attempts to stream.</p>`;
  }
  return html`<h1>Live tail</h1>
    <p class="sub" role="status" data-testid="tail-state">
      ${connected ? "Connected: new attempts appear here." : "Connecting…"}
    </p>
    <table data-testid="tail">
      <thead>
        <tr>
          <th>Time</th>
          <th>Status</th>
          <th>Code</th>
          <th>Duration</th>
          <th>Event type</th>
          <th>Message</th>
          <th>URL</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length === 0
            ? html`<tr>
                <td colspan="7">Waiting for attempts…</td>
              </tr>`
            : null
        }
        ${rows.map(
          (a) =>
            html`<tr>
              <td>${when(a.timestamp)}</td>
              <td><${StatusBadge} status=${a.status} />${a.next === "retry" ? " (will retry)" : ""}</td>
              <td>${a.responseStatusCode || "—"}</td>
              <td>${duration(a.responseDurationMs)}</td>
              <td>${a.eventType}</td>
              <td><a href=${link("app", a.appId, "msg", a.msgId)}>${a.msgId}</a></td>
              <td class="url">${a.url}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
