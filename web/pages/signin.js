// The sign-in form: the admin token (or an app-portal token) is exchanged for a session cookie.
import { useState } from "preact/hooks";
import { ErrorBox, api, html } from "../lib.js";

export function SignInPage({ error: initialError, onSignedIn }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState(initialError);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      onSignedIn(await api("POST", "/dashboard/session", { token: token.trim() }));
    } catch (e) {
      setError(e);
    }
  };
  return html`<main class="signin">
    <h1>Hooklane</h1>
    <form onSubmit=${submit}>
      <label for="token">Admin token</label>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="current-password"
        required
        value=${token}
        onInput=${(e) => setToken(e.currentTarget.value)}
      />
      <button type="submit">Sign in</button>
      <${ErrorBox} error=${error} />
    </form>
  </main>`;
}
