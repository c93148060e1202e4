// `hooklane hooks --check`: each kind of broken hook file is rejected with exit code 2 and a
// message naming the file and the bad key; good JSON and YAML files pass.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "hooks-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

const good = { id: "deploy", "execute-command": "/bin/true" };
const hmacRule = (extra: Record<string, unknown>) => ({
  match: { type: "payload-hmac-sha256", parameter: { source: "header", name: "X-Sig" }, ...extra },
});

const BROKEN: [string, unknown, string][] = [
  ["syntax error", '[{"id": "a",}', "not valid JSON or YAML (line 1"],
  ["not a list", { id: "a" }, "top level: must be a list"],
  ["misspelt key", [{ id: "a", execute_command: "/bin/true" }], "[0].execute_command: unknown key"],
  ["missing id", [good, { "execute-command": "/bin/true" }], "[1].id: is required"],
  [
    "wrong type",
    [{ ...good, "include-command-output-in-response": "yes" }],
    "[0].include-command-output-in-response: must be true or false",
  ],
  ["duplicate id", [good, { id: "other" }, good], '[2].id: duplicate hook id "deploy"'],
  [
    "bad value source",
    [{ ...good, "pass-arguments-to-command": [{ source: "body", name: "x" }] }],
    "[0].pass-arguments-to-command[0].source: must be one of",
  ],
  [
    "bad match type",
    [{ ...good, "trigger-rule": { and: [hmacRule({ secret: "s" }), { match: { type: "equals", value: "x" } }] } }],
    "[0].trigger-rule.and[1].match.type: must be one of",
  ],
  [
    "secret missing",
    [{ ...good, "trigger-rule": { or: [hmacRule({})] } }],
    "[0].trigger-rule.or[0].match.secret: is required for type payload-hmac-sha256",
  ],
  [
    "invalid regex",
    [
      {
        ...good,
        "trigger-rule": { not: { match: { type: "regex", regex: "(", parameter: { source: "payload", name: "a" } } } },
      },
    ],
    "[0].trigger-rule.not.match.regex: invalid regular expression",
  ],
  [
    "two rules in one",
    [{ ...good, "trigger-rule": { and: [], or: [] } }],
    "[0].trigger-rule: must have exactly one of",
  ],
  [
    "bad status code",
    [{ ...good, "success-http-response-code": "200" }],
    "[0].success-http-response-code: must be an integer",
  ],
  [
    "secret-env unset",
    [{ ...good, "trigger-rule": hmacRule({ "secret-env": "HOOKLANE_TEST_UNSET_SECRET" }) }],
    "[0].trigger-rule.match.secret-env: environment variable HOOKLANE_TEST_UNSET_SECRET is not set",
  ],
  [
    "standard-webhooks without a secret",
    [{ ...good, "trigger-rule": { match: { type: "standard-webhooks" } } }],
    "[0].trigger-rule.match.secret: is required for type standard-webhooks",
  ],
  [
    "bad exit-code map",
    [{ ...good, "exit-code-http-status": { three: 409 } }],
    '[0].exit-code-http-status.three: key must be an exit code or "*"',
  ],
];

describe("hooklane hooks --check", () => {
  it.each(BROKEN)("rejects a file with %s and names the key", async (name, content, expected) => {
    const path = file(`${name.replace(/\W+/g, "-")}.json`, content);
    const result = await runCli(["hooks", "--check", path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path}: ${expected}`);
  });

  it("accepts good JSON and YAML files, webhook's single-dash flag included", async () => {
    const json = file("good.json", [
      good,
      { id: "signed", "trigger-rule": hmacRule({ secret: "s" }) },
      { id: "from-hooklane", "trigger-rule": { match: { type: "standard-webhooks", secret: "whsec_c2VjcmV0" } } },
    ]);
    const yaml = file("good.yaml", "- id: other\n  execute-command: /bin/true\n  http-methods: [POST]\n");
    const result = await runCli(["hooks", "-check", json, "-hooks", yaml]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain(`${json}: ok (3 hooks)`);
    expect(result.stdout).toContain(`${yaml}: ok (1 hook)`);
  });

  it("renders -template before checking, and reports ids clashing across files", async () => {
    const templated = file("templated.yaml", '- id: "{{ getenv "HOOK_ID" }}"\n  execute-command: /bin/true\n');
    const clash = file("clash.json", [{ id: "from-env", "execute-command": "/bin/true" }]);
    const result = await runCli(["hooks", "-template", "--check", templated, clash], { HOOK_ID: "from-env" });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(`${templated}: ok (1 hook)`);
    expect(result.stderr).toContain(`${clash}: hook id "from-env" is already defined in ${templated}`);
  });

  it("names an unsupported template action", async () => {
    const path = file("bad-template.yaml", '- id: a\n  execute-command: "{{ env "X" }}"\n');
    const result = await runCli(["hooks", "-template", "--check", path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path}: unsupported template action {{ env "X" }}`);
  });
});
