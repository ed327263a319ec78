import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../../../src/host/fake.ts";
import type { FakeTree } from "../../../../src/host/fake-fs.ts";
import type { NetworkInterfaceInfo, Platform } from "../../../../src/host/types.ts";
import { guestNetworkGetInterfaces, sixOctets } from "../../../../src/transports/virtio/commands/network-interfaces.ts";
import type { QgaContext } from "../../../../src/transports/virtio/qga-types.ts";
import { readOnlyContext } from "./qga-test-context.ts";

function context(tree: FakeTree, networkInterfaces: NetworkInterfaceInfo[], platform: Platform = "linux"): QgaContext {
  const host = createFakeHost({ tree, platform, system: { networkInterfaces } });
  return readOnlyContext(host);
}

const COUNTERS = ["rx_bytes", "rx_packets", "rx_errors", "rx_dropped", "tx_bytes", "tx_packets", "tx_errors", "tx_dropped", "rx_missed_errors", "multicast"];

/** /sys/class/net/<name>: ifindex, address and statistics/*, each counter a distinct number. */
function sysfs(name: string, ifindex: number, address: string | null, base: number | null): FakeTree {
  const tree: FakeTree = { [`/sys/class/net/${name}/ifindex`]: `${ifindex}\n` };
  if (address !== null) tree[`/sys/class/net/${name}/address`] = `${address}\n`;
  if (base !== null) COUNTERS.forEach((c, i) => (tree[`/sys/class/net/${name}/statistics/${c}`] = `${base + i}\n`));
  return tree;
}

const stats = (base: number) => ({
  "rx-bytes": base,
  "rx-packets": base + 1,
  "rx-errs": base + 2,
  // /proc/net/dev's (and so qemu-ga's) drop column: rx_dropped + rx_missed_errors
  "rx-dropped": base + 3 + base + 8,
  "tx-bytes": base + 4,
  "tx-packets": base + 5,
  "tx-errs": base + 6,
  "tx-dropped": base + 7,
});

describe("guest-network-get-interfaces", () => {
  test("qemu-ga's list: every interface in ifindex order, addresses v4 then v6, statistics only with an address", async () => {
    const tree = {
      ...sysfs("lo", 1, "00:00:00:00:00:00", 100),
      ...sysfs("eth0", 2, "52:54:00:12:34:56", 1000),
      ...sysfs("ifb0", 3, "0a:99:8d:1b:ff:fa", 5000),
      ...sysfs("wg0", 4, "", 7000),
    };
    // The Host lists eth0 before lo and leaves out ifb0 (no address); eth0's IPv6 comes first.
    const system: NetworkInterfaceInfo[] = [
      {
        name: "eth0",
        mac: "52:54:00:12:34:56",
        addresses: [
          { address: "fe80::5054:ff:fe12:3456", family: "ipv6", prefix: 64 },
          { address: "192.0.2.10", family: "ipv4", prefix: 24 },
          { address: "2001:db8::10", family: "ipv6", prefix: 64 },
          { address: "198.51.100.7", family: "ipv4", prefix: 32 },
        ],
      },
      { name: "lo", mac: "00:00:00:00:00:00", addresses: [{ address: "127.0.0.1", family: "ipv4", prefix: 8 }, { address: "::1", family: "ipv6", prefix: 128 }] },
      { name: "wg0", addresses: [{ address: "10.8.0.2", family: "ipv4", prefix: 24 }] },
    ];
    const result = await guestNetworkGetInterfaces.run(context(tree, system), {});
    expect(guestNetworkGetInterfaces.kind).toBe("read");
    expect(result).toEqual([
      {
        name: "lo",
        "hardware-address": "00:00:00:00:00:00",
        "ip-addresses": [
          { "ip-address": "127.0.0.1", "ip-address-type": "ipv4", prefix: 8 },
          { "ip-address": "::1", "ip-address-type": "ipv6", prefix: 128 },
        ],
        statistics: stats(100),
      },
      {
        name: "eth0",
        "hardware-address": "52:54:00:12:34:56",
        "ip-addresses": [
          { "ip-address": "192.0.2.10", "ip-address-type": "ipv4", prefix: 24 },
          { "ip-address": "198.51.100.7", "ip-address-type": "ipv4", prefix: 32 },
          { "ip-address": "fe80::5054:ff:fe12:3456", "ip-address-type": "ipv6", prefix: 64 },
          { "ip-address": "2001:db8::10", "ip-address-type": "ipv6", prefix: 64 },
        ],
        statistics: stats(1000),
      },
      // no address: listed, with its MAC, without ip-addresses or statistics (qemu-ga reads those only after an address)
      { name: "ifb0", "hardware-address": "0a:99:8d:1b:ff:fa" },
      // a device with no hardware address: zeros, as SIOCGIFHWADDR answers on Linux
      { name: "wg0", "hardware-address": "00:00:00:00:00:00", "ip-addresses": [{ "ip-address": "10.8.0.2", "ip-address-type": "ipv4", prefix: 24 }], statistics: stats(7000) },
    ]);
    // The member order qapi-schema.json declares.
    expect(Object.keys((result as object[])[1] as object)).toEqual(["name", "hardware-address", "ip-addresses", "statistics"]);
    expect(Object.keys(((result as { statistics: object }[])[1] as { statistics: object }).statistics)).toEqual([
      "rx-bytes",
      "rx-packets",
      "rx-errs",
      "rx-dropped",
      "tx-bytes",
      "tx-packets",
      "tx-errs",
      "tx-dropped",
    ]);
  });

  test("statistics are left out when a counter is missing; rx_missed_errors may be missing (old kernels)", async () => {
    const tree: FakeTree = { ...sysfs("eth0", 2, "52:54:00:00:00:01", 10), ...sysfs("eth1", 3, "52:54:00:00:00:02", 20) };
    delete tree["/sys/class/net/eth0/statistics/tx_dropped"];
    delete tree["/sys/class/net/eth1/statistics/rx_missed_errors"];
    const addr = (a: string) => [{ address: a, family: "ipv4" as const, prefix: 24 }];
    const result = (await guestNetworkGetInterfaces.run(context(tree, [{ name: "eth0", addresses: addr("192.0.2.1") }, { name: "eth1", addresses: addr("192.0.2.2") }]), {})) as {
      name: string;
      statistics?: Record<string, number>;
    }[];
    expect(result[0]?.statistics).toBeUndefined();
    expect(result[1]?.statistics).toEqual({ ...stats(20), "rx-dropped": 23 });
  });

  test("without /sys (a --root image, a fake host): the Host's list in its order, a %scope suffix dropped", async () => {
    const system: NetworkInterfaceInfo[] = [
      { name: "eth0", mac: "52:54:00:AB:CD:EF", addresses: [{ address: "fe80::1%eth0", family: "ipv6", prefix: 64 }] },
      { name: "lo", addresses: [] },
    ];
    expect(await guestNetworkGetInterfaces.run(context({}, system), {})).toEqual([
      { name: "eth0", "hardware-address": "52:54:00:ab:cd:ef", "ip-addresses": [{ "ip-address": "fe80::1", "ip-address-type": "ipv6", prefix: 64 }] },
      { name: "lo", "hardware-address": "00:00:00:00:00:00" },
    ]);
  });

  test("an address label (eth0:1) has no sysfs entry: it comes after the links, without statistics", async () => {
    const tree = { ...sysfs("lo", 1, "00:00:00:00:00:00", null), ...sysfs("eth0", 2, "52:54:00:00:00:01", 1) };
    const system: NetworkInterfaceInfo[] = [
      { name: "eth0:1", mac: "52:54:00:00:00:01", addresses: [{ address: "192.0.2.99", family: "ipv4", prefix: 24 }] },
      { name: "eth0", mac: "52:54:00:00:00:01", addresses: [{ address: "192.0.2.1", family: "ipv4", prefix: 24 }] },
    ];
    const result = (await guestNetworkGetInterfaces.run(context(tree, system), {})) as { name: string; statistics?: unknown }[];
    expect(result.map((i) => i.name)).toEqual(["lo", "eth0", "eth0:1"]);
    expect(result[2]?.statistics).toBeUndefined();
    expect(result[1]?.statistics).toEqual(stats(1));
  });

  test("Windows: no hardware-address for an adapter without one", async () => {
    const result = await guestNetworkGetInterfaces.run(context({}, [{ name: "Loopback Pseudo-Interface 1", addresses: [{ address: "127.0.0.1", family: "ipv4", prefix: 8 }] }], "win32"), {});
    expect(result).toEqual([{ name: "Loopback Pseudo-Interface 1", "ip-addresses": [{ "ip-address": "127.0.0.1", "ip-address-type": "ipv4", prefix: 8 }] }]);
  });

  test("hardware addresses: six lower-case octets, padded, longer ones cut as SIOCGIFHWADDR does", () => {
    expect(sixOctets("52:54:00:AB:CD:EF")).toBe("52:54:00:ab:cd:ef");
    expect(sixOctets("")).toBe("00:00:00:00:00:00");
    expect(sixOctets("80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:1f:a2:51")).toBe("80:00:02:08:fe:80");
    expect(sixOctets("not a mac")).toBeNull();
  });
});
