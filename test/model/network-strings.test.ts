/**
 * Regressions found by the fuzzer: the intermediate network form let through strings that every
 * renderer writes into a line of a file (names, match globs, search domains, bond and bridge
 * options), so a line break in one added lines of the cloud's choosing to eni, ifcfg or networkd.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { blankInterface, isInterfaceName, NetworkConfigSchema } from "../../src/model/network.ts";

const physical = (extra: Record<string, unknown> = {}) => ({ ...blankInterface("eth0"), kind: "physical", match: {}, rename: false, ...extra });
const valid = (interfaces: unknown[], search: string[] = []) => v.is(NetworkConfigSchema, { interfaces, nameservers: { addresses: [], search } });

describe("NetworkConfigSchema keeps every written string on one line", () => {
  test("interface names: what the kernel takes, less control characters", () => {
    for (const good of ["eth0", "enp0s31f6", "bond0.200", "a-b_c", "x".repeat(15)]) expect(isInterfaceName(good)).toBe(true);
    for (const bad of ["", ".", "..", "eth 0", "eth0\n", "a/b", "a:b", "x".repeat(16), "nul\0", "del\x7f", "bell\x07"]) expect(isInterfaceName(bad)).toBe(false);
    expect(valid([physical({ name: "eth0\nauto x" })])).toBe(false);
  });

  test("match.name and search domains are one word each", () => {
    expect(valid([physical({ match: { name: "en*" } })], ["example.com"])).toBe(true);
    expect(valid([physical({ match: { name: "en*\nName=x" } })])).toBe(false);
    expect(valid([physical()], ["a.example b.example"])).toBe(false);
    expect(valid([physical()], ["a\nb"])).toBe(false);
  });

  test("bond and bridge options are text without line breaks", () => {
    const bond = (value: unknown) => ({ ...blankInterface("bond0"), kind: "bond", members: [], mode: "active-backup", params: { "transmit-hash-policy": value } });
    expect(valid([bond("layer3+4")])).toBe(true);
    expect(valid([bond(["10.0.0.1", "10.0.0.2"])])).toBe(true);
    expect(valid([bond("layer2\n  up reboot")])).toBe(false);
    expect(valid([bond(["ok", "x\ry"])])).toBe(false);
  });
});
