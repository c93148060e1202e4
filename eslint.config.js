// Lint rules, including the layer rule: imports point one way (lib ← config ← domain ←
// storage ← delivery ← inbound ← ingest ← hooks ← api ← app ← cli). ingest (queue adapters) and
// hooks (webhook-compatible command hooks) sit beside api: none imports another; app/cli wire
// them. inbound (webhooks received by sources) is used by api's /in route; ingest has no use for it.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const layers = ["lib", "config", "domain", "storage", "delivery", "inbound", "ingest", "hooks", "api", "app", "cli"];

/** Layers at the same height: listed one below the other, but none may import another. */
const siblings = { api: ["ingest", "hooks"], hooks: ["ingest"], ingest: ["inbound"] };

/** For files in `layer`, forbid importing any layer above it (or a sibling). */
function layerRule(layer) {
  const above = [...layers.slice(layers.indexOf(layer) + 1), ...(siblings[layer] ?? [])];
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: above.map((upper) => ({
            group: [`**/${upper}/*`, `../${upper}/*`, `../../${upper}/*`],
            message: `${layer}/ is below or beside ${upper}/ and must not import from it`,
          })),
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "bench/results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setImmediate: "readonly",
        performance: "readonly",
        AbortSignal: "readonly",
        URL: "readonly",
        Buffer: "readonly",
        fetch: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.{ts,js}", "src/**/*.test.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    // The dashboard's browser modules (served as-is, no build step).
    files: ["web/**/*.js"],
    languageOptions: {
      globals: {
        window: "readonly",
        document: "readonly",
        location: "readonly",
        history: "readonly",
        addEventListener: "readonly",
        removeEventListener: "readonly",
        URLSearchParams: "readonly",
        EventSource: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
      },
    },
  },
  ...layers.map(layerRule),
);
