import { describe, expect, it } from "vitest";
import { challengeBody, echoesChallenge, newChallenge } from "./endpointVerification.js";

describe("endpoint verification challenges", () => {
  it("are random and travel in a typed JSON body", () => {
    const challenge = newChallenge();
    expect(challenge).not.toBe(newChallenge());
    expect(JSON.parse(challengeBody(challenge))).toEqual({ type: "endpoint.verification", challenge });
  });

  it("are echoed as JSON or as bare text, and nothing else counts", () => {
    const c = newChallenge();
    expect(echoesChallenge(JSON.stringify({ challenge: c }), c)).toBe(true);
    expect(echoesChallenge(`${c}\n`, c)).toBe(true);
    expect(echoesChallenge("ok", c)).toBe(false);
    expect(echoesChallenge(JSON.stringify({ challenge: `${c}x` }), c)).toBe(false);
    expect(echoesChallenge(JSON.stringify([c]), c)).toBe(false);
    expect(echoesChallenge("", c)).toBe(false);
  });
});
