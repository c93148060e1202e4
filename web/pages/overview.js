// Overview: attempts per minute over the last hour and day, the backlog, and the endpoints
// that need attention (disabled, or paused by an open circuit).
import { useEffect } from "preact/hooks";
import { Loading, api, duration, html, link, useLoad } from "../lib.js";

const SERIES = [
  ["succeeded", "Succeeded"],
  ["retrying", "Retrying"],
  ["failed", "Failed"],
];
const REFRESH_MS = 10_000;

export function OverviewPage({ appId }) {
  const state = useLoad(
    () => api("GET", `/dashboard/overview${appId ? `?app_id=${encodeURIComponent(appId)}` : ""}`),
    [appId],
  );
  useRefresh(state.reload);
  return html`<h1>Overview</h1>
    <${Loading} state=${state}>
      ${(o) => html`
        <section class="cards" aria-label="Queue">
          <div class="card">
            <span class="label">Backlog (due now)</span
            ><span class="value" data-testid="backlog">${o.backlog.due}${o.backlog.dueCapped ? "+" : ""}</span>
          </div>
          <div class="card">
            <span class="label">Oldest pending delivery</span
            ><span class="value"
              >${o.backlog.oldestDueAgeMs === null ? "none" : duration(o.backlog.oldestDueAgeMs)}</span
            >
          </div>
          <div class="card">
            <span class="label">Endpoints needing attention</span
            ><span class="value">${o.disabledEndpoints.length}</span>
          </div>
        </section>
        <${RateChart} title="Last hour, attempts per minute" range=${o.hour} perMinute=${1} />
        <${RateChart} title="Last day, attempts per minute (15-minute averages)" range=${o.day} perMinute=${15} />
        <h2>Endpoints needing attention</h2>
        ${
          o.disabledEndpoints.length === 0
            ? html`<p>None: every endpoint is enabled.</p>`
            : html`<table>
                <thead>
                  <tr>
                    <th>Endpoint</th>
                    <th>Application</th>
                    <th>State</th>
                    <th>Reason</th>
                  </tr>
                </thead>
                <tbody>
                  ${o.disabledEndpoints.map(
                    (e) =>
                      html`<tr>
                        <td><a href=${link("app", e.appId, "endpoint", e.id)}>${e.uid ?? e.id}</a></td>
                        <td>${e.appId}</td>
                        <td>
                          <span class="badge badge-fail"
                            >${e.state === "circuit_open" ? "circuit open" : "disabled"}</span
                          >
                        </td>
                        <td>${e.reason}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      `}
    <//>`;
}

function useRefresh(reload) {
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
}

/** Stacked bars in inline SVG; each bar carries a <title> so hovering or a screen reader tells its counts. */
function RateChart({ title, range, perMinute }) {
  const buckets = range.buckets;
  const totals = buckets.map((b) => (b.succeeded + b.retrying + b.failed) / perMinute);
  const max = Math.max(1, ...totals);
  const width = 8;
  const height = 120;
  const sum = (key) => buckets.reduce((n, b) => n + b[key], 0);
  const summary = SERIES.map(([key, label]) => `${label}: ${sum(key)}`).join(", ");
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg
      viewBox=${`0 0 ${buckets.length * width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label=${`${title}. ${summary}`}
    >
      ${buckets.map((b, i) => {
        let y = height;
        return html`<g>
          <title>${new Date(b.start).toLocaleTimeString()}: ${SERIES.map(([k, l]) => `${l} ${b[k]}`).join(", ")}</title>
          ${SERIES.map(([key]) => {
            const h = (b[key] / perMinute / max) * (height - 4);
            y -= h;
            return h > 0
              ? html`<rect class=${`bar-${key}`} x=${i * width + 1} y=${y} width=${width - 2} height=${h} />`
              : null;
          })}
        </g>`;
      })}
    </svg>
    <p class="legend">
      ${SERIES.map(([key, label]) => html`<span class=${`key key-${key}`}>${label}: ${sum(key)}</span>`)}
      <span>peak ${max.toFixed(perMinute === 1 ? 0 : 1)}/min</span>
    </p>
  </figure>`;
}
