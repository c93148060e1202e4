// Replay (recover) a range of messages: count first with a dry run, then start the replay as a
// background task and follow its progress.
import { useEffect, useState } from "preact/hooks";
import { ErrorBox, api, html, link, useLoad } from "../lib.js";

const POLL_MS = 1000;

export function ReplayPage({ appId }) {
  const app = encodeURIComponent(appId);
  const endpoints = useLoad(() => api("GET", `/app/${app}/endpoint?limit=250`), [appId]);
  const [form, setForm] = useState({ endpoint: "", since: "", until: "", eventTypes: "", status: "" });
  const [count, setCount] = useState(null);
  const [task, setTask] = useState(null);
  const [error, setError] = useState(null);
  const set = (name) => (e) => {
    setForm({ ...form, [name]: e.currentTarget.value });
    setCount(null); // a changed range needs a new count before it can run
  };
  const request = (dryRun) => {
    const body = { since: new Date(form.since).toISOString(), dryRun };
    if (form.until) body.until = new Date(form.until).toISOString();
    const types = form.eventTypes
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    if (types.length) body.eventTypes = types;
    if (form.status !== "") body.status = Number(form.status);
    const path = form.endpoint
      ? `/app/${app}/endpoint/${encodeURIComponent(form.endpoint)}/replay`
      : `/app/${app}/replay`;
    return api("POST", path, body);
  };
  const run = (dryRun) => async (event) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await request(dryRun);
      if (dryRun) setCount(result.count);
      else setTask(result);
    } catch (e) {
      setError(e);
    }
  };
  useTaskProgress(task, setTask, setError);
  return html`<h1>Replay a range</h1>
    <p class="sub"><a href=${link("app", appId)}>← Application</a></p>
    <form class="edit" onSubmit=${run(true)}>
      <label for="replay-endpoint">Endpoint</label>
      <select id="replay-endpoint" value=${form.endpoint} onChange=${set("endpoint")}>
        <option value="">every endpoint</option>
        ${(endpoints.data?.data ?? []).map((e) => html`<option value=${e.id}>${e.uid ?? e.url}</option>`)}
      </select>
      <label for="replay-since">Since</label>
      <input id="replay-since" type="datetime-local" required value=${form.since} onInput=${set("since")} />
      <label for="replay-until">Until (optional)</label>
      <input id="replay-until" type="datetime-local" value=${form.until} onInput=${set("until")} />
      <label for="replay-types">Event types (comma-separated, optional)</label>
      <input id="replay-types" value=${form.eventTypes} onInput=${set("eventTypes")} />
      <label for="replay-status">Delivery status</label>
      <select id="replay-status" value=${form.status} onChange=${set("status")}>
        <option value="">any</option>
        <option value="0">success</option>
        <option value="1">pending</option>
        <option value="2">fail</option>
        <option value="3">sending</option>
      </select>
      <button type="submit">Count (dry run)</button>
      ${
        count === null
          ? null
          : html`<p role="status" data-testid="replay-count">
                ${count} message${count === 1 ? "" : "s"} would be replayed.
              </p>
              <button type="button" class="danger" disabled=${count === 0} onClick=${run(false)}>
                Replay ${count}
              </button>`
      }
      <${ErrorBox} error=${error} />
    </form>
    ${
      task
        ? html`<p role="status" data-testid="replay-task">
            Task <code>${task.id}</code>: ${task.status}, ${task.data?.done ?? 0} of ${task.data?.total ?? "?"} done.
          </p>`
        : null
    }`;
}

/** Polls the background task until it has finished or failed. */
function useTaskProgress(task, setTask, setError) {
  const running = task?.status === "running";
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => {
      api("GET", `/background-task/${encodeURIComponent(task.id)}`).then(setTask, setError);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [task?.id, running]);
}
