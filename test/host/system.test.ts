import { describe, expect, test } from "bun:test";
import { createFakeHost, FAKE_SYSTEM } from "../../src/host/fake.ts";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";
import { groupInterfaces, prefixOf, mergeLinks } from "../../src/host/real-system.ts";

const run = (argv: string[]) => new TextDecoder().decode(Bun.spawnSync(argv).stdout).trim();

describe("real system", () => {
  test("hostname and uname are what the kernel says, whatever --root says", async () => {
    const host = await createRealHost({ root: "/", log: createLogger({ level: "silent", json: true }) });
    expect(host.system.hostname()).toBe(run(["hostname"]));
    expect(host.system.uname()).toEqual({ release: run(["uname", "-r"]), version: run(["uname", "-v"]), machine: run(["uname", "-m"]) });
  });

  test("interfaces: lo with its zero MAC, 127.0.0.1/8; every address as ip(8) lists it", async () => {
    const host = await createRealHost({ root: "/", log: createLogger({ level: "silent", json: true }) });
    const interfaces = host.system.networkInterfaces();
    const lo = interfaces.find((i) => i.name === "lo");
    expect(lo?.mac).toBe("00:00:00:00:00:00");
    expect(lo?.addresses).toContainEqual({ address: "127.0.0.1", family: "ipv4", prefix: 8 });
    expect(new Set(interfaces.map((i) => i.name)).size).toBe(interfaces.length);
    // `ip -o addr` prints "2: eth0    inet 192.0.2.2/24 ...", the kernel's view by another road.
    const listed = run(["ip", "-o", "addr", "show"])
      .split("\n")
      .flatMap((line) => {
        const m = /^\d+:\s+([^\s@]+)\S*\s+(inet6?)\s+([^/\s]+)\/(\d+)/.exec(line);
        return m ? [`${m[1]} ${m[2] === "inet" ? "ipv4" : "ipv6"} ${m[3]}/${m[4]}`] : [];
      });
    const ours = interfaces.flatMap((i) => i.addresses.map((a) => `${i.name} ${a.family} ${a.address}/${a.prefix}`));
    expect(ours.sort()).toEqual(listed.sort());
  });
});

describe("grouping node:os's table", () => {
  test("prefixes from the CIDR or the netmask; scope ids stripped; MACs kept as given", () => {
    const table = {
      lo: [{ address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "00:00:00:00:00:00", cidr: "127.0.0.1/8" }],
      eth0: [
        { address: "192.0.2.2", netmask: "255.255.240.0", family: "IPv4", mac: "02:fc:00:00:00:01", cidr: null },
        { address: "fe80::fc:ff:fe00:1%eth0", netmask: "ffff:ffff:ffff:ffff::", family: "IPv6", mac: "02:fc:00:00:00:01", cidr: null },
        { address: "fd00::2", netmask: "ffff:ffff:ffff:ffff::", family: 6, mac: "02:fc:00:00:00:01", cidr: "fd00::2/64" },
      ],
      wg0: [{ address: "10.0.0.1", netmask: "255.255.255.255", family: 4, mac: "", cidr: "10.0.0.1/32" }],
    };
    expect(groupInterfaces(table)).toEqual([
      { name: "lo", mac: "00:00:00:00:00:00", addresses: [{ address: "127.0.0.1", family: "ipv4", prefix: 8 }] },
      {
        name: "eth0",
        mac: "02:fc:00:00:00:01",
        addresses: [
          { address: "192.0.2.2", family: "ipv4", prefix: 20 },
          { address: "fe80::fc:ff:fe00:1", family: "ipv6", prefix: 64 },
          { address: "fd00::2", family: "ipv6", prefix: 64 },
        ],
      },
      { name: "wg0", addresses: [{ address: "10.0.0.1", family: "ipv4", prefix: 32 }] },
    ]);
  });

  test("prefixOf counts the netmask's bits", () => {
    expect([prefixOf("255.255.255.0"), prefixOf("255.255.255.255"), prefixOf("0.0.0.0"), prefixOf("255.128.0.0")]).toEqual([24, 32, 0, 9]);
    expect([prefixOf("ffff:ffff:ffff:ffff::"), prefixOf("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), prefixOf("::"), prefixOf("ffff:fe00::")]).toEqual([64, 128, 0, 23]);
  });
});

describe("fake system", () => {
  test("defaults: fake-host, a fake 6.1 kernel, lo alone", () => {
    const host = createFakeHost();
    expect(host.system.hostname()).toBe("fake-host");
    expect(host.system.uname()).toEqual({ release: "6.1.0-fake", version: "#1 SMP fake", machine: "x86_64" });
    expect(host.system.networkInterfaces()).toEqual([
      {
        name: "lo",
        mac: "00:00:00:00:00:00",
        addresses: [
          { address: "127.0.0.1", family: "ipv4", prefix: 8 },
          { address: "::1", family: "ipv6", prefix: 128 },
        ],
      },
    ]);
  });

  test("each part can be given; what a caller gets back is a copy", () => {
    const eth0 = { name: "eth0", mac: "fa:16:3e:00:00:01", addresses: [{ address: "10.0.0.5", family: "ipv4" as const, prefix: 24 }] };
    const host = createFakeHost({ system: { hostname: "web-1", networkInterfaces: [eth0] } });
    expect(host.system.hostname()).toBe("web-1");
    expect(host.system.uname()).toEqual(FAKE_SYSTEM.uname);
    const got = host.system.networkInterfaces();
    expect(got).toEqual([eth0]);
    got[0]?.addresses.pop();
    host.system.uname().release = "changed";
    expect(host.system.networkInterfaces()).toEqual([eth0]);
    expect(host.system.uname().release).toBe("6.1.0-fake");
  });
});

describe("mergeLinks", () => {
  test("links without addresses are listed (as getifaddrs lists them), in the kernel's order", () => {
    const withAddresses = [
      { name: "lo", mac: "00:00:00:00:00:00", addresses: [{ address: "127.0.0.1", family: "ipv4" as const, prefix: 8 }] },
      { name: "eth0", mac: "52:54:00:00:00:01", addresses: [{ address: "192.0.2.9", family: "ipv4" as const, prefix: 24 }] },
      { name: "tun9", addresses: [{ address: "10.9.0.1", family: "ipv4" as const, prefix: 32 }] },
    ];
    const links = [{ name: "lo", mac: "00:00:00:00:00:00" }, { name: "ifb0", mac: "0a:00:00:00:00:01" }, { name: "eth0", mac: "52:54:00:00:00:01" }];
    expect(mergeLinks(links, withAddresses).map((i) => [i.name, i.addresses.length])).toEqual([
      ["lo", 1],
      ["ifb0", 0],
      ["eth0", 1],
      ["tun9", 1],
    ]);
  });
});
