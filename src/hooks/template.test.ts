import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { renderTemplate, TemplateError } from "./template.js";

it("substitutes getenv (empty when unset) and cat, trimming with {{- -}}", () => {
  const dir = mkdtempSync(join(tmpdir(), "hooks-template-"));
  try {
    writeFileSync(join(dir, "token"), "t0ken");
    const text = `a: "{{ getenv "A" }}"\nb: "{{getenv \`B\`}}"\nc: "x  {{- cat "${join(dir, "token")}" -}}  y"`;
    expect(renderTemplate(text, { A: "one" })).toBe('a: "one"\nb: ""\nc: "xt0keny"');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("rejects actions outside the supported subset, naming them", () => {
  expect(() => renderTemplate("{{ if .X }}{{ end }}", {})).toThrow(TemplateError);
  expect(() => renderTemplate('{{ credential "x" }}', {})).toThrow('unsupported template action {{ credential "x" }}');
  expect(() => renderTemplate('{{ cat "/nonexistent/hooklane" }}', {})).toThrow('cat "/nonexistent/hooklane"');
});
