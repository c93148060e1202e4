import { describe, expect, it } from "vitest";
import { aesGcmCipher, plaintextCipher } from "./secretCipher.js";

describe("secret cipher", () => {
  const cipher = aesGcmCipher("correct horse battery staple");

  it("round-trips and never stores the plaintext", () => {
    const sealed = cipher.seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    expect(sealed).toMatch(/^enc:v1:/);
    expect(sealed).not.toContain("MfKQ9r8G");
    expect(cipher.open(sealed)).toBe("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    expect(cipher.seal("same")).not.toBe(cipher.seal("same")); // fresh IV each time
  });

  it("reads plaintext written before encryption was configured", () => {
    expect(cipher.open("whsec_plain")).toBe("whsec_plain");
  });

  it("fails clearly with the wrong key or none", () => {
    const sealed = cipher.seal("whsec_x");
    expect(() => aesGcmCipher("another key").open(sealed)).toThrow(/HOOKLANE_MAIN_SECRET differs/);
    expect(() => plaintextCipher.open(sealed)).toThrow(/set HOOKLANE_MAIN_SECRET/);
  });

  it("detects tampering", () => {
    const sealed = cipher.seal("whsec_x");
    const raw = Buffer.from(sealed.slice(7), "base64");
    raw[raw.length - 1]! ^= 1;
    expect(() => cipher.open("enc:v1:" + raw.toString("base64"))).toThrow();
  });
});
