// Serves the web dashboard: the page shell at / and /portal, its modules from web/, and the
// three front-end libraries straight from node_modules (no build step, no CDN).
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** web/ sits at the package root, two levels above this module in src/ and in dist/. */
const WEB_ROOT = fileURLToPath(new URL("../../web/", import.meta.url));

const require = createRequire(import.meta.url);
/** Browser ES modules of the libraries, by the name the page's import map gives them. */
const VENDOR: Record<string, string> = {
  "preact.js": join(dirname(require.resolve("preact")), "preact.module.js"),
  "hooks.js": join(dirname(require.resolve("preact/hooks")), "hooks.module.js"),
  "htm.js": join(dirname(require.resolve("htm")), "htm.module.js"),
};

export async function registerDashboardAssets(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: WEB_ROOT, prefix: "/ui/", index: false });
  // The shell is the same for both views; the page asks /api/v1/dashboard/session who it serves.
  const shell = { schema: { hide: true } };
  for (const path of ["/", "/portal"]) {
    app.get(path, shell, (_request, reply) =>
      reply.header("cache-control", "no-store").sendFile("index.html", WEB_ROOT),
    );
  }
  app.get<{ Params: { name: string } }>("/ui/vendor/:name", shell, (request, reply) => {
    const file = VENDOR[request.params.name];
    if (!file) return reply.status(404).send({ code: "not_found", detail: "Not found" });
    return reply.type("text/javascript").sendFile(basename(file), dirname(file));
  });
}
