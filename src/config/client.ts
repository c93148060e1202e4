// Where the CLI's client commands find a running server: `--server` / `--token`, else
// HOOKLANE_URL / HOOKLANE_TOKEN (falling back to HOOKLANE_ADMIN_TOKEN, which `serve` reads
// too). Kept in config/ because this layer is the one place that reads the environment.

export interface ClientSettings {
  url: string;
  token: string | undefined;
}

export const DEFAULT_SERVER_URL = "http://127.0.0.1:8071";

export function clientSettings(
  flags: { server?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): ClientSettings {
  const url = flags.server ?? env.HOOKLANE_URL ?? DEFAULT_SERVER_URL;
  const token = flags.token ?? env.HOOKLANE_TOKEN ?? env.HOOKLANE_ADMIN_TOKEN;
  return { url: url.replace(/\/+$/, ""), token: token === "" ? undefined : token };
}
