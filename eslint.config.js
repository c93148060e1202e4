// Lint rules, including the layer rule: imports point one way (lib ← config ← domain ←
// storage ← delivery ← inbound ← ingest ← api ← app ← cli). ingest (queue adapters) sits
// beside api: neither imports the other; app wires both. inbound (webhooks received by
// sources) is used by api's /in route; ingest has no use for it.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const layers = ["lib", "config", "domain", "storage", "delivery", "inbound", "ingest", "api", "app", "cli"];

/** Layers at the same height: listed one below the other, but neither may import the other. */
const siblings = { api: ["ingest"], ingest: ["inbound"] };

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
  ...layers.map(layerRule),
);
