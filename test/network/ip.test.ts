import { describe, expect, test } from "bun:test";
import { canonicalIp, contains, formatCidr, netmaskToPrefix, parseCidr, parseIp, prefixToNetmask } from "../../src/network/ip.ts";

describe("ip", () => {
  test("IPv4: strict dotted quads", () => {
    expect(canonicalIp("192.0.2.1")).toBe("192.0.2.1");
    for (const bad of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.-4", "", "a.b.c.d", " 1.2.3.4"]) expect(parseIp(bad)).toBeUndefined();
  });

  test("IPv6: :: compression both ways, RFC 5952 output", () => {
    const cases: [string, string][] = [
      ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
      ["2001:DB8::1", "2001:db8::1"],
      ["::", "::"],
      ["::1", "::1"],
      ["fe80::", "fe80::"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
      ["::ffff:192.0.2.1", "::ffff:c000:201"],
      ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ];
    for (const [input, out] of cases) expect(canonicalIp(input)).toBe(out);
    for (const bad of [":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1:2:3:4:5:6:7:8::", "fe80::1%eth0", ":1::"]) expect(parseIp(bad)).toBeUndefined();
  });

  test("netmasks and prefixes", () => {
    expect(netmaskToPrefix("255.255.255.0")).toBe(24);
    expect(netmaskToPrefix("255.255.224.0")).toBe(19);
    expect(netmaskToPrefix("0.0.0.0")).toBe(0);
    expect(netmaskToPrefix("255.0.255.0")).toBeUndefined();
    expect(netmaskToPrefix("ffff:ffff:ffff:ffff::")).toBe(64);
    expect(prefixToNetmask(20)).toBe("255.255.240.0");
  });

  test("CIDR containment", () => {
    const net = parseCidr("10.1.0.5/16")!;
    expect(contains(net, parseIp("10.1.255.1")!)).toBe(true);
    expect(contains(net, parseIp("10.2.0.1")!)).toBe(false);
    expect(contains(parseCidr("2001:db8::10/64")!, parseIp("2001:db8::1")!)).toBe(true);
    expect(contains(parseCidr("2001:db8::10/64")!, parseIp("2001:db8:1::1")!)).toBe(false);
    expect(formatCidr(parseCidr("2001:DB8:0::1/64")!)).toBe("2001:db8::1/64");
    expect(parseCidr("10.0.0.1/33")).toBeUndefined();
    expect(parseCidr("10.0.0.1/2/3")).toBeUndefined();
  });
});
