import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { NetworkConfigSchema } from "../../src/model/network.ts";
import { convertFixture, inputs } from "../helpers/network-goldens.ts";

describe("NetworkConfig schema", () => {
  test("every fixture's conversion is a valid NetworkConfig", () => {
    for (const file of inputs()) expect(v.safeParse(NetworkConfigSchema, convertFixture(file)).issues).toBeUndefined();
  });

  test("rejects what renderers must never see", () => {
    const bad = {
      interfaces: [
        { kind: "physical", name: "this-name-is-too-long", match: {}, rename: false, dhcp4: false, ipv6: "none", addresses: ["10.0.0.1"], routes: [{ to: "default" }], nameservers: { addresses: ["x"], search: [] } },
        { kind: "bond", name: "bond0", members: [], mode: "fastest", params: [], dhcp4: true, ipv6: "none", addresses: [], routes: [], nameservers: { addresses: [], search: [] } },
      ],
      nameservers: { addresses: [], search: [] },
    };
    const issues = v.safeParse(NetworkConfigSchema, bad, { abortEarly: false }).issues ?? [];
    const paths = issues.map((i) => v.getDotPath(i));
    expect(paths).toEqual(
      expect.arrayContaining(["interfaces.0.name", "interfaces.0.addresses.0", "interfaces.0.routes.0.to", "interfaces.0.nameservers.addresses.0", "interfaces.1.mode", "interfaces.1.params"]),
    );
  });
});
