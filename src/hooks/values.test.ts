import { LosslessNumber } from "lossless-json";
import { expect, it } from "vitest";
import { goFormat, goMarshal } from "./goJson.js";
import { ParameterNodeError } from "./request.js";
import { extractSignatures } from "./signatures.js";
import { getParameter, replaceParameter } from "./values.js";

const payload = { "a.b": "literal", a: { b: "nested", list: [{ id: 1 }, ["x", "y"]] }, empty: [] };

it("walks dot paths through objects and arrays; a literal dotted key wins", () => {
  expect(getParameter("a.b", payload)).toBe("literal");
  expect(getParameter("a.list.0.id", payload)).toBe(1);
  expect(getParameter("a.list.1.1", payload)).toBe("y");
  for (const missing of ["a.c", "a.list.2", "a.list.x", "empty.0", "a.b.c.d"]) {
    expect(() => getParameter(missing, payload)).toThrow(ParameterNodeError);
  }
});

it("replaces only values that exist", () => {
  const target = { data: "{}", list: [{ inner: "1" }] };
  expect(replaceParameter("data", target, { x: 1 })).toBe(true);
  expect(replaceParameter("list.0.inner", target, { y: 2 })).toBe(true);
  expect(replaceParameter("absent", target, 1)).toBe(false);
  expect(target).toEqual({ data: { x: 1 }, list: [{ inner: { y: 2 } }] });
});

it("writes JSON and scalars as Go does", () => {
  const value = { b: [new LosslessNumber("2.50"), null], a: "<&>", "\u2028": true };
  expect(goMarshal(value)).toBe('{"a":"\\u003c\\u0026\\u003e","b":[2.50,null],"\\u2028":true}');
  expect(goFormat(null)).toBe("<nil>");
  expect(goFormat(new LosslessNumber("12345678901234567890"))).toBe("12345678901234567890");
});

it("extracts signatures: prefixed entries of a list, or one value with or without prefix", () => {
  expect(extractSignatures("sha256=aa,sha1=bb,sha256=cc", "sha256=")).toEqual(["aa", "cc"]);
  expect(extractSignatures("sha256=aa", "sha256=")).toEqual(["aa"]);
  expect(extractSignatures("aa", "sha256=")).toEqual(["aa"]);
});
