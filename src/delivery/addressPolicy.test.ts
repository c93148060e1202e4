import { describe, expect, it } from "vitest";
import { AddressPolicy } from "./addressPolicy.js";

describe("AddressPolicy", () => {
  const strict = new AddressPolicy([]);

  it.each([
    ["169.254.169.254", "cloud metadata"],
    ["127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.20.0.1", "private"],
    ["192.168.1.1", "private"],
    ["100.100.100.200", "carrier-grade NAT"],
    ["224.0.0.1", "multicast"],
    ["::1", "loopback"],
    ["fd00:ec2::254", "unique local"],
    ["fe80::1", "link-local"],
    ["::ffff:127.0.0.1", "loopback"],
    ["0.0.0.0", "unspecified"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(strict.refusal(address)).toContain(reason);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])("allows public %s", (address) => {
    expect(strict.refusal(address)).toBeNull();
  });

  it("lets an allow-listed subnet through and nothing else", () => {
    const policy = new AddressPolicy(["127.0.0.0/8"]);
    expect(policy.refusal("127.0.0.1")).toBeNull();
    expect(policy.refusal("10.0.0.1")).toContain("private");
    expect(policy.refusal("169.254.169.254")).toContain("metadata");
  });
});
