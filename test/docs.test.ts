// README stays true: its configuration table is the one the schema renders.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { withConfigTable } from "../src/config/docs.js";

/** Prettier pads table cells; compare the tables' content, not their alignment. */
const normalize = (text: string): string =>
  text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (line.startsWith("|") ? line.replace(/ +/g, " ").replace(/-{3,}/g, "---") : line))
    .join("\n");

it("README's configuration table matches the config schema (run `npm run docs:config`)", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  expect(normalize(withConfigTable(readme))).toBe(normalize(readme));
});
