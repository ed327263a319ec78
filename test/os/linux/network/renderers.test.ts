import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { blankInterface, type NetworkConfig } from "../../../../src/model/network.ts";
import { defaultRenderer, RENDERER_NAMES, RENDERERS } from "../../../../src/os/linux/network/index.ts";
import { connectionUuid } from "../../../../src/os/linux/network/network-manager.ts";
import { convertFixture, inputs } from "../../../helpers/network-goldens.ts";

const one = (extra: Partial<NetworkConfig["interfaces"][number]>): NetworkConfig => ({
  interfaces: [{ ...blankInterface("eth0"), kind: "physical", match: { mac: "fa:16:3e:00:00:01" }, rename: true, ...extra } as NetworkConfig["interfaces"][number]],
  nameservers: { addresses: [], search: [] },
});

describe("renderers", () => {
  test("pure and deterministic: the same config renders the same bytes, and is not changed", () => {
    for (const file of inputs()) {
      const config = convertFixture(file);
      const before = JSON.stringify(config);
      for (const r of RENDERER_NAMES) expect(RENDERERS[r](config)).toEqual(RENDERERS[r](structuredClone(config)));
      expect(JSON.stringify(config)).toBe(before);
    }
  });

  test("every path is absolute, under /etc, and free of ..", () => {
    for (const file of inputs()) {
      for (const r of RENDERER_NAMES) {
        for (const path of Object.keys(RENDERERS[r](convertFixture(file)))) expect(path).toMatch(/^\/etc\/(?!.*\/\.\.?(\/|$))[^\s]+$/);
      }
    }
  });

  test("netplan: SLAAC is accept-ra without DHCPv6; global DNS goes to static interfaces without their own", () => {
    const config = one({ ipv6: "slaac", addresses: ["10.0.0.5/24"] });
    config.nameservers = { addresses: ["10.0.0.53"], search: ["example.com"] };
    const doc = parse(RENDERERS.netplan(config)["/etc/netplan/50-tether.yaml"] as string);
    expect(doc.network.ethernets.eth0).toEqual({
      match: { macaddress: "fa:16:3e:00:00:01" },
      "set-name": "eth0",
      "accept-ra": true,
      addresses: ["10.0.0.5/24"],
      nameservers: { addresses: ["10.0.0.53"], search: ["example.com"] },
    });
  });

  test("networkd: a default route is a gateway alone; DHCP route metric", () => {
    const files = RENDERERS.networkd(one({ dhcp4: true, dhcpRouteMetric: 200, addresses: ["10.0.0.5/24"], routes: [{ to: "0.0.0.0/0", via: "10.0.0.1" }] }));
    const network = files["/etc/systemd/network/10-tether-eth0.network"] as string;
    expect(network).toContain("[Route]\nGateway=10.0.0.1\n");
    expect(network).toContain("[DHCPv4]\nRouteMetric=200\n");
    expect(files["/etc/systemd/network/10-tether-eth0.link"]).toContain("[Match]\nMACAddress=fa:16:3e:00:00:01\n\n[Link]\nName=eth0\n");
  });

  test("sysconfig: static IPv6 with secondaries, default gateways, route6", () => {
    const files = RENDERERS.sysconfig(one({ addresses: ["2001:db8::5/64", "2001:db8::6/64"], routes: [{ to: "::/0", via: "2001:db8::1" }, { to: "2001:db8:1::/48", via: "2001:db8::2", metric: 10 }] }));
    expect(files["/etc/sysconfig/network-scripts/ifcfg-eth0"]).toContain('IPV6INIT=yes\nIPV6_AUTOCONF=no\nIPV6ADDR=2001:db8::5/64\nIPV6ADDR_SECONDARIES=2001:db8::6/64\nIPV6_DEFAULTGW=2001:db8::1\n');
    expect(files["/etc/sysconfig/network-scripts/route6-eth0"]).toContain("2001:db8:1::/48 via 2001:db8::2 metric 10 dev eth0\n");
  });

  test("network-manager: stable UUIDs per name", () => {
    expect(connectionUuid("eth0")).toBe(connectionUuid("eth0"));
    expect(connectionUuid("eth0")).not.toBe(connectionUuid("eth1"));
    expect(connectionUuid("eth0")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test("distro defaults", () => {
    expect(defaultRenderer("ubuntu")).toBe("netplan");
    expect(defaultRenderer("debian")).toBe("eni");
    expect(defaultRenderer("rocky")).toBe("sysconfig");
    expect(defaultRenderer("arch")).toBe("networkd");
  });
});
