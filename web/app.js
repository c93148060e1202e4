// The dashboard shell: signs in (admin token form, or a portal magic link's #token=…), then
// routes between pages. A portal session is scoped to one application by the API itself; the
// shell only hides the navigation that would lead elsewhere.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, html, link, setCsrfToken, useRoute } from "./lib.js";
import { AppPage, AppsPage } from "./pages/apps.js";
import { EndpointPage } from "./pages/endpoint.js";
import { MessagePage } from "./pages/message.js";
import { MessagesPage } from "./pages/messages.js";
import { OverviewPage } from "./pages/overview.js";
import { ReplayPage } from "./pages/replay.js";
import { SignInPage } from "./pages/signin.js";
import { SourcePage, SourceRequestPage, SourcesPage } from "./pages/sources.js";
import { TailPage } from "./pages/tail.js";

async function loadSession() {
  const magic = /^#token=([^&]+)/.exec(location.hash);
  if (magic) {
    // Exchange the link's token for a cookie at once and drop it from the address bar.
    history.replaceState(null, "", `${location.pathname}#/`);
    return api("POST", "/dashboard/session", { token: decodeURIComponent(magic[1]) });
  }
  try {
    return await api("GET", "/dashboard/session");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

function App() {
  const [session, setSession] = useState(undefined);
  const [error, setError] = useState(null);
  useEffect(() => {
    loadSession().then(setSession, (e) => {
      setError(e);
      setSession(null);
    });
  }, []);
  if (session === undefined) return html`<p class="loading">Loading…</p>`;
  if (!session) return html`<${SignInPage} error=${error} onSignedIn=${setSession} />`;
  setCsrfToken(session.csrfToken);
  const signOut = async () => {
    await api("DELETE", "/dashboard/session");
    setCsrfToken(null);
    setSession(null);
  };
  return html`<${Shell} session=${session} onSignOut=${signOut} />`;
}

function Shell({ session, onSignOut }) {
  const route = useRoute();
  const portalApp = session.appId;
  const nav = portalApp
    ? [
        ["Overview", link()],
        ["Endpoints", link("app", portalApp)],
        ["Messages", link("app", portalApp, "messages")],
        ["Replay", link("app", portalApp, "replay")],
        ["Live tail", link("tail")],
      ]
    : [
        ["Overview", link()],
        ["Applications", link("apps")],
        ["Sources", link("sources")],
        ["Live tail", link("tail")],
      ];
  const current = `#/${route.path.join("/")}`;
  return html`
    <header class="top">
      <a class="brand" href=${link()}>Hooklane</a>
      <span class="scope">${portalApp ? `Portal · ${portalApp}` : "Operator"}</span>
      <nav aria-label="Main">
        ${nav.map(
          ([label, href]) =>
            html`<a href=${href} aria-current=${href.split("?")[0] === current ? "page" : undefined}>${label}</a>`,
        )}
      </nav>
      <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
    </header>
    <main id="main">${page(route, session)}</main>
  `;
}

function page({ path, query }, session) {
  // The second part names the application or the source the section is about.
  const [section, key, sub, id] = path;
  const scopeApp = session.appId ?? undefined;
  if (section === undefined || section === "") return html`<${OverviewPage} appId=${scopeApp} />`;
  if (section === "apps") return html`<${AppsPage} />`;
  if (section === "sources") return html`<${SourcesPage} />`;
  if (section === "source" && key) {
    if (sub === undefined) return html`<${SourcePage} sourceId=${key} query=${query} />`;
    if (sub === "request" && id) return html`<${SourceRequestPage} sourceId=${key} requestId=${id} />`;
  }
  if (section === "tail") return html`<${TailPage} appId=${scopeApp} enabled=${session.liveTail} />`;
  if (section === "app" && key) {
    if (sub === undefined) return html`<${AppPage} appId=${key} />`;
    if (sub === "endpoint" && id) return html`<${EndpointPage} appId=${key} endpointId=${id} />`;
    if (sub === "messages") return html`<${MessagesPage} appId=${key} query=${query} />`;
    if (sub === "msg" && id) return html`<${MessagePage} appId=${key} msgId=${id} />`;
    if (sub === "replay") return html`<${ReplayPage} appId=${key} />`;
  }
  return html`<p class="error" role="alert">No such page.</p>`;
}

render(html`<${App} />`, document.getElementById("root"));
