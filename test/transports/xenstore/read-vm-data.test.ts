import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareInputs } from "../../../src/actions/inputs.ts";
import { HostError, InputError } from "../../../src/errors.ts";
import { createFakeHost } from "../../../src/host/fake.ts";
import { createLogger } from "../../../src/host/logger.ts";
import { createRealHost } from "../../../src/host/real.ts";
import type { ByteStream, Host } from "../../../src/host/types.ts";
import type { Nic } from "../../../src/model/network.ts";
import { toNetworkConfig } from "../../../src/network/convert/index.ts";
import { readInstanceData } from "../../../src/transports/read-instance-data.ts";
import { readVmData } from "../../../src/transports/xenstore/read-vm-data.ts";
import { VM_DATA_LIMITS } from "../../../src/transports/xenstore/vm-data-limits.ts";
import { instanceIdOf, vmDataToInstanceData, type ProviderData, type VmDataTree } from "../../../src/transports/xenstore/vm-data.ts";
import { XS_TYPE } from "../../../src/transports/xenstore/wire.ts";
import { startFakeXenstored } from "../../helpers/fake-xenstored.ts";

const LOC = "/var/run/xenstored/socket";
const UUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
const VM = `/vm/${UUID}`;
const NICS: Nic[] = [
  { name: "eth0", mac: "52:54:00:ab:cd:ef" },
  { name: "eth1", mac: "52:54:00:00:00:02" },
];
const ETH0 = JSON.stringify({ label: "public", mac: "52:54:00:AB:CD:EF", gateway: "192.0.2.1", ips: [{ ip: "192.0.2.10", netmask: "255.255.255.0", enabled: "1" }], dns: ["192.0.2.53"] });

const pure = (tree: VmDataTree, hypervisorUuid?: string) => vmDataToInstanceData({ vm: VM, ...tree }, { location: LOC, ...(hypervisorUuid ? { hypervisorUuid } : {}) });

/** The InputError the function throws, as its full message. */
function inputErrorOf(run: () => unknown): string {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InputError);
  return (caught as InputError).message;
}

describe("vm-data → InstanceData (pure)", () => {
  test("every field", () => {
    const data = pure({
      hostname: "web1.example.com\0",
      networking: { "525400ABCDEF": ETH0 },
      userMetadata: { role: '"db"', replicas: "3", opts: '{"a":[1,2]}', "public-keys": '"ssh-ed25519 AAAA carried@only"' },
      providerData: { provider: "rackspace", region: "dfw", roles: { "0": "rack_connect", "1": "managed" } },
    });
    expect(data).toEqual({
      source: { transport: "xenstore", location: LOC },
      instanceId: UUID,
      hostname: "web1",
      fqdn: "web1.example.com",
      // Nova XenAPI sends keys, files and user-data by config drive or agent commands, never vm-data.
      publicKeys: [],
      files: [],
      network: { format: "xen", source: `${LOC} vm-data/networking`, config: { "525400ABCDEF": ETH0 } },
      metadata: {
        "user-metadata": { role: "db", replicas: 3, opts: { a: [1, 2] }, "public-keys": "ssh-ed25519 AAAA carried@only" },
        provider_data: { provider: "rackspace", region: "dfw", roles: { "0": "rack_connect", "1": "managed" } },
      },
    });
    expect(data.userData).toBeUndefined();
  });

  test("only what is there: no hostname, no networking, no metadata", () => {
    expect(pure({})).toEqual({ source: { transport: "xenstore", location: LOC }, instanceId: UUID, publicKeys: [], files: [], metadata: {} });
    // An empty vm-data/networking configures no NIC: the network is left alone.
    expect(pure({ networking: {} }).network).toBeUndefined();
    expect(pure({ hostname: "" }).hostname).toBeUndefined();
  });

  test("hostname: trailing NULs and newlines trimmed; a single label has no fqdn", () => {
    expect(pure({ hostname: "db-2\n" })).toMatchObject({ hostname: "db-2" });
    expect(pure({ hostname: "db-2\r\n" }).fqdn).toBeUndefined();
    expect(pure({ hostname: "db-2\0\0" }).hostname).toBe("db-2");
  });

  test("a bad hostname is refused, naming vm-data/hostname", () => {
    expect(inputErrorOf(() => pure({ hostname: "web 1" }))).toBe(
      `${LOC}: vm-data/hostname: expected a host name (letters, digits, inner hyphens; labels of 1-63, 253 in all), got "web 1"`,
    );
    expect(inputErrorOf(() => pure({ hostname: "-bad-.example" }))).toContain('vm-data/hostname: expected a host name');
    expect(inputErrorOf(() => pure({ hostname: "a".repeat(64) }))).toContain("vm-data/hostname:");
  });

  test("MAC keys in any case reach fromXen, which matches them to the machine's NICs", () => {
    const upper = pure({ networking: { "525400ABCDEF": ETH0 } });
    const lower = pure({ networking: { "525400000002": JSON.stringify({ mac: "52:54:00:00:00:02", ips: [{ ip: "198.51.100.7", netmask: "24" }] }) } });
    const eth0 = toNetworkConfig(upper.network!, NICS).interfaces;
    expect(eth0.map((i) => [i.name, i.kind === "physical" ? i.match : undefined, i.addresses, i.routes, i.nameservers.addresses])).toEqual([
      ["eth0", { mac: "52:54:00:ab:cd:ef" }, ["192.0.2.10/24"], [{ to: "0.0.0.0/0", via: "192.0.2.1" }], ["192.0.2.53"]],
    ]);
    expect(toNetworkConfig(lower.network!, NICS).interfaces.map((i) => [i.name, i.addresses])).toEqual([["eth1", ["198.51.100.7/24"]]]);
    // The key alone names the NIC when the entry leaves out "mac".
    const keyOnly = pure({ networking: { "525400AbCdEf": JSON.stringify({ ips: [{ ip: "192.0.2.11", netmask: "255.255.255.0" }] }) } });
    expect(toNetworkConfig(keyOnly.network!, NICS).interfaces[0]?.name).toBe("eth0");
  });

  test("malformed networking JSON is carried, and prepareInputs stops on it naming vm-data/networking and the key", async () => {
    const data = pure({ networking: { "525400abcdef": '{"ips": [' } });
    expect(data.network?.config).toEqual({ "525400abcdef": '{"ips": [' });
    const error = await prepareInputs(data, NICS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`${LOC} vm-data/networking: 525400abcdef: invalid JSON: JSON Parse error: Unexpected EOF`);
    // A MAC that matches no NIC is named too, before any change.
    const stranger = pure({ networking: { "0a0000000001": JSON.stringify({ mac: "0a:00:00:00:00:01", ips: [] }) } });
    expect(((await prepareInputs(stranger, NICS).catch((e: unknown) => e)) as InputError).message).toContain("vm-data/networking: 0a0000000001.mac: 0a:00:00:00:00:01 matches no NIC");
  });

  test("user-metadata that is not JSON is refused, naming its path; every problem is named at once", () => {
    expect(inputErrorOf(() => pure({ userMetadata: { role: "db" } }))).toBe(`${LOC}: vm-data/user-metadata/role: invalid JSON: JSON Parse error: Unexpected identifier "db"`);
    const both = inputErrorOf(() => pure({ hostname: "a_b", userMetadata: { ok: '"x"', bad: "{", empty: "" } }));
    expect(both.split("\n")).toEqual([
      `${LOC}: vm-data/hostname: expected a host name (letters, digits, inner hyphens; labels of 1-63, 253 in all), got "a_b"`,
      `${LOC}: vm-data/user-metadata/bad: invalid JSON: JSON Parse error: Expected '}'`,
      `${LOC}: vm-data/user-metadata/empty: invalid JSON: JSON Parse error: Unexpected EOF`,
    ]);
  });

  test("instance id: the vm key's UUID, else /sys/hypervisor/uuid, else a clear error saying where it looked", () => {
    expect(pure({ vm: `/vm/${UUID.toUpperCase()}\0` }).instanceId).toBe(UUID);
    expect(instanceIdOf(VM, "11111111-2222-3333-4444-555555555555")).toEqual({ id: UUID, from: "vm" });
    expect(instanceIdOf(undefined, "11111111-2222-3333-4444-555555555555\n")).toEqual({ id: "11111111-2222-3333-4444-555555555555", from: "/sys/hypervisor/uuid" });
    expect(vmDataToInstanceData({ vm: "/vm/not-a-uuid" }, { location: LOC, hypervisorUuid: "11111111-2222-3333-4444-555555555555" }).instanceId).toBe(
      "11111111-2222-3333-4444-555555555555",
    );
    expect(inputErrorOf(() => vmDataToInstanceData({}, { location: LOC }))).toBe(
      `${LOC}: no instance id: vm-data has none, and no domain UUID was found (looked at vm: absent; /sys/hypervisor/uuid: absent)`,
    );
    expect(inputErrorOf(() => vmDataToInstanceData({ vm: "/vm/x" }, { location: LOC, hypervisorUuid: "00000000-0000-0000-0000-000000000000" }))).toBe(
      `${LOC}: no instance id: vm-data has none, and no domain UUID was found (looked at vm: "/vm/x" is not /vm/<uuid>; /sys/hypervisor/uuid: the null UUID (dom0's, not a guest's))`,
    );
    expect(inputErrorOf(() => vmDataToInstanceData({ vm: "vm/abc/def" }, { location: LOC }))).toContain('vm: "vm/abc/def" is not /vm/<uuid>');
    expect(inputErrorOf(() => vmDataToInstanceData({ vm: "/vm/00000000-0000-0000-0000-000000000000" }, { location: LOC, hypervisorUuid: "nope" }))).toContain(
      "(looked at vm: the null UUID (dom0's, not a guest's); /sys/hypervisor/uuid: \"nope\" is not a UUID)",
    );
  });

  test("bounds: entry counts, value sizes, provider_data depth and node count, each naming the path", () => {
    const many = (n: number, value: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value]));
    expect(Object.keys(pure({ networking: many(VM_DATA_LIMITS.networking, "{}") }).network!.config)).toHaveLength(64);
    expect(inputErrorOf(() => pure({ networking: many(65, "{}") }))).toBe(`${LOC}: vm-data/networking: 65 entries, over the limit of 64`);
    expect(Object.keys(pure({ userMetadata: many(256, "1") }).metadata["user-metadata"] as object)).toHaveLength(256);
    expect(inputErrorOf(() => pure({ userMetadata: many(257, "1") }))).toBe(`${LOC}: vm-data/user-metadata: 257 entries, over the limit of 256`);

    const at4096 = `"${"x".repeat(4094)}"`;
    expect(pure({ userMetadata: { big: at4096 } }).metadata["user-metadata"]).toEqual({ big: "x".repeat(4094) });
    // Bytes, not characters: 2048 two-byte characters and the quotes are 4098 bytes.
    expect(inputErrorOf(() => pure({ userMetadata: { big: `"${"é".repeat(2048)}"` } }))).toBe(`${LOC}: vm-data/user-metadata/big: 4098 bytes, over the limit of 4096 bytes`);
    expect(inputErrorOf(() => pure({ networking: { "525400abcdef": " ".repeat(4097) } }))).toBe(`${LOC}: vm-data/networking/525400abcdef: 4097 bytes, over the limit of 4096 bytes`);
    expect(inputErrorOf(() => pure({ hostname: "a", providerData: { p: "x".repeat(4097) } }))).toBe(`${LOC}: vm-data/provider_data/p: 4097 bytes, over the limit of 4096 bytes`);

    const deep4: ProviderData = { a: { b: { c: { d: "leaf" } } } };
    expect(pure({ providerData: deep4 }).metadata.provider_data).toEqual(deep4);
    expect(inputErrorOf(() => pure({ providerData: { a: { b: { c: { d: { e: "too deep" } } } } } }))).toBe(
      `${LOC}: vm-data/provider_data/a/b/c/d: nested deeper than 4 levels below vm-data/provider_data`,
    );
    const wide: ProviderData = { group: Object.fromEntries(Array.from({ length: 255 }, (_, i) => [`n${i}`, "v"])) };
    expect(Object.keys((pure({ providerData: wide }).metadata.provider_data as { group: object }).group)).toHaveLength(255);
    (wide.group as ProviderData).n255 = "one too many";
    expect(inputErrorOf(() => pure({ providerData: wide }))).toBe(`${LOC}: vm-data/provider_data/group/n255: more than 256 nodes under vm-data/provider_data`);
  });

  test("a key named __proto__ is carried as data, never as a prototype", () => {
    // JSON.parse makes an own "__proto__" key, as a reader filling a record from DIRECTORY names does.
    const entries = JSON.parse('{"__proto__": "{\\"polluted\\": true}"}') as Record<string, string>;
    expect(Object.hasOwn(entries, "__proto__")).toBe(true);
    const meta = pure({ userMetadata: entries }).metadata["user-metadata"] as Record<string, unknown>;
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(meta, "__proto__")?.value).toEqual({ polluted: true });
    expect((meta as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A root with the dom0 socket's directory and, optionally, files (e.g. sys/hypervisor/uuid). */
async function rootHost(files: Record<string, string> = {}): Promise<{ root: string; host: Host; socket: string }> {
  const root = mkdtempSync(join(tmpdir(), "tether-vmdata-"));
  temps.push(root);
  mkdirSync(join(root, "var/run/xenstored"), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  const host = await createRealHost({ root, log: createLogger({ level: "silent", json: true }) });
  return { root, host, socket: join(root, LOC) };
}

const NODES: Record<string, string> = {
  vm: VM,
  "vm-data/hostname": "web1.example.com",
  "vm-data/networking/525400ABCDEF": ETH0,
  "vm-data/user-metadata/role": '"db"',
  "vm-data/provider_data/provider": "rackspace",
  "vm-data/provider_data/roles/0": "rack_connect",
  "data/host/ignored": "{}",
};

describe("readVmData over a xenstored socket", () => {
  test("reads every field with relative paths, and closes the connection", async () => {
    const { host, socket } = await rootHost();
    const xs = startFakeXenstored(socket, NODES);
    try {
      const data = await readVmData(host, LOC, { budgetMs: 3000 });
      expect(data).toEqual(pure({ hostname: "web1.example.com", networking: { "525400ABCDEF": ETH0 }, userMetadata: { role: '"db"' }, providerData: { provider: "rackspace", roles: { "0": "rack_connect" } } }));
      const paths = xs.requests.map((r) => new TextDecoder().decode(r.payload).replace(/\0$/, ""));
      expect(paths.every((p) => !p.startsWith("/"))).toBe(true);
      expect(paths).toContain("vm");
      expect(paths.some((p) => p.startsWith("data"))).toBe(false);
      expect(xs.requests.every((r) => r.type === XS_TYPE.READ || r.type === XS_TYPE.DIRECTORY)).toBe(true);
    } finally {
      xs.stop();
    }
  });

  test("no vm key: the instance id is /sys/hypervisor/uuid through host.fs", async () => {
    const { host, socket } = await rootHost({ "sys/hypervisor/uuid": "9a8b7c6d-0000-4000-8000-000000000001\n" });
    const { vm: _, ...nodes } = NODES;
    const xs = startFakeXenstored(socket, nodes);
    try {
      expect((await readVmData(host, LOC, { budgetMs: 3000 })).instanceId).toBe("9a8b7c6d-0000-4000-8000-000000000001");
    } finally {
      xs.stop();
    }
  });

  test("no vm key and no /sys/hypervisor/uuid: a clear InputError", async () => {
    const { host, socket } = await rootHost();
    const xs = startFakeXenstored(socket, { "vm-data/hostname": "a" });
    try {
      const error = await readVmData(host, LOC, { budgetMs: 3000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(`${LOC}: no instance id: vm-data has none, and no domain UUID was found (looked at vm: absent; /sys/hypervisor/uuid: absent)`);
    } finally {
      xs.stop();
    }
  });

  test("no vm-data at all (ENOENT): InputError 'no vm-data in XenStore'", async () => {
    const { host, socket } = await rootHost();
    const xs = startFakeXenstored(socket, { vm: VM, "data/host/x": "{}" });
    try {
      const error = await readVmData(host, LOC, { budgetMs: 3000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(`${LOC}: no vm-data in XenStore (the toolstack wrote none for this domain)`);
    } finally {
      xs.stop();
    }
  });

  test("a xenstored that stops answering mid-read: a HostError naming the endpoint, within the budget", async () => {
    const { host, socket } = await rootHost();
    const xs = startFakeXenstored(socket, NODES, { answers: 3 });
    try {
      const started = performance.now();
      const error = await readVmData(host, LOC, { budgetMs: 300 }).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(error).toBeInstanceOf(HostError);
      expect((error as Error).message).toBe(`${LOC}: xenstored gave no answer within 300 ms (asking for vm-data/networking)`);
      expect(xs.requests).toHaveLength(4);
    } finally {
      xs.stop();
    }
  });

  test("a silent xenstored and a cancelled read both end promptly", async () => {
    const { host, socket } = await rootHost();
    const xs = startFakeXenstored(socket, NODES, { silent: true });
    try {
      const silent = await readVmData(host, LOC, { budgetMs: 200 }).catch((e: unknown) => e);
      expect((silent as Error).message).toBe(`${LOC}: xenstored gave no answer within 200 ms (asking for vm-data)`);
      const cancel = new AbortController();
      setTimeout(() => cancel.abort(), 50);
      const started = performance.now();
      const cancelled = await readVmData(host, LOC, { budgetMs: 10_000, signal: cancel.signal }).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(1000);
      expect((cancelled as Error).message).toBe(`${LOC}: reading vm-data was cancelled (asking for vm-data)`);
    } finally {
      xs.stop();
    }
  });

  test("too many entries are refused from the DIRECTORY answer, before any of them is read", async () => {
    const { host, socket } = await rootHost();
    const nodes: Record<string, string> = { vm: VM };
    for (let i = 0; i <= VM_DATA_LIMITS.networking; i++) nodes[`vm-data/networking/5254000000${i.toString(16).padStart(2, "0")}`] = "{}";
    const xs = startFakeXenstored(socket, nodes);
    try {
      const error = await readVmData(host, LOC, { budgetMs: 3000 }).catch((e: unknown) => e);
      expect((error as InputError).message).toBe(`${LOC}: vm-data/networking: 65 entries, over the limit of 64`);
      const reads = xs.requests.filter((r) => r.type === XS_TYPE.READ).map((r) => new TextDecoder().decode(r.payload));
      expect(reads.filter((p) => p.startsWith("vm-data/networking/"))).toEqual([]);
    } finally {
      xs.stop();
    }
  });

  test("provider_data too deep is refused as it is walked", async () => {
    const { host, socket } = await rootHost();
    const xs = startFakeXenstored(socket, { vm: VM, "vm-data/provider_data/a/b/c/d/e": "x" });
    try {
      const error = await readVmData(host, LOC, { budgetMs: 3000 }).catch((e: unknown) => e);
      expect((error as InputError).message).toBe(`${LOC}: vm-data/provider_data/a/b/c/d: nested deeper than 4 levels below vm-data/provider_data`);
      expect(xs.requests.map((r) => new TextDecoder().decode(r.payload)).filter((p) => p.includes("/d/"))).toEqual([]);
    } finally {
      xs.stop();
    }
  });

  test("provider_data with too many nodes is refused at the first one past the limit, which is never asked for", async () => {
    const { host, socket } = await rootHost();
    const nodes: Record<string, string> = { vm: VM };
    for (let i = 0; i < 300; i++) nodes[`vm-data/provider_data/big/n${i}`] = "v";
    const xs = startFakeXenstored(socket, nodes);
    try {
      const error = await readVmData(host, LOC, { budgetMs: 3000 }).catch((e: unknown) => e);
      expect((error as InputError).message).toBe(`${LOC}: vm-data/provider_data/big/n255: more than 256 nodes under vm-data/provider_data`);
      const asked = xs.requests.map((r) => new TextDecoder().decode(r.payload).replace(/\0$/, ""));
      expect(asked).toContain("vm-data/provider_data/big/n254");
      expect(asked.filter((p) => /\/n(25[5-9]|2[6-9]\d)$/.test(p))).toEqual([]);
    } finally {
      xs.stop();
    }
  });

  test("a node xenstored refuses: a HostError naming endpoint, path and errno; a refused vm key falls back", async () => {
    const { host, socket } = await rootHost({ "sys/hypervisor/uuid": "9a8b7c6d-0000-4000-8000-000000000001\n" });
    const xs = startFakeXenstored(socket, NODES, { errors: { "vm-data/networking": "EACCES" } });
    try {
      const error = await readVmData(host, LOC, { budgetMs: 3000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HostError);
      expect((error as Error).message).toBe(`${LOC}: xenstored refused vm-data/networking: EACCES`);
    } finally {
      xs.stop();
    }
    const hidden = startFakeXenstored(socket, NODES, { errors: { vm: "EACCES" } });
    try {
      expect((await readVmData(host, LOC, { budgetMs: 3000 })).instanceId).toBe("9a8b7c6d-0000-4000-8000-000000000001");
    } finally {
      hidden.stop();
    }
  });

  test("nothing listening at the endpoint: the HostError names it", async () => {
    const { host } = await rootHost();
    const error = await readVmData(host, LOC, { budgetMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostError);
    expect((error as Error).message).toBe(`open ${LOC}: no such file or directory`);
  });

  test("readInstanceData reads the probe's chosen endpoint; a maybe without one is a HostError, not 'not built'", async () => {
    const { host, socket } = await rootHost();
    const xs = startFakeXenstored(socket, NODES);
    const platform = {} as Parameters<typeof readInstanceData>[2];
    try {
      const data = await readInstanceData(host, { transport: "xenstore", verdict: "found", location: LOC, evidence: [], ms: 1 }, platform);
      expect(data).toMatchObject({ instanceId: UUID, hostname: "web1", source: { transport: "xenstore", location: LOC } });
      const none = await readInstanceData(host, { transport: "xenstore", verdict: "maybe", evidence: ["/proc/xen exists", "no xenstored socket or xenbus device"], ms: 1 }, platform).catch((e: unknown) => e);
      expect(none).toBeInstanceOf(HostError);
      expect((none as Error).message).toBe("XenStore: no xenstored socket or xenbus device to read vm-data from (/proc/xen exists; no xenstored socket or xenbus device)");
    } finally {
      xs.stop();
    }
  });
});

describe("readVmData's deadline does not trust the stream", () => {
  /** Like the xenbus device: a read, once started, ignores the signal and waits for ever. */
  function deafDevice(): ByteStream & { closed: boolean } {
    const stream = {
      closed: false,
      write: async () => {},
      read: () => new Promise<Uint8Array | null>(() => {}),
      close: () => void (stream.closed = true),
    };
    return stream;
  }

  test("a read that ignores the signal still ends at the deadline, and the stream is closed", async () => {
    const device = deafDevice();
    const host = createFakeHost({ streams: { "/dev/xen/xenbus": () => device } });
    const started = performance.now();
    const error = await readVmData(host, "/dev/xen/xenbus", { budgetMs: 100 }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect((error as HostError).message).toBe("/dev/xen/xenbus: xenstored gave no answer within 100 ms (asking for vm-data)");
    expect(device.closed).toBe(true);
  });

  test("a connection that completes after the deadline is closed, not leaked", async () => {
    const device = deafDevice();
    const host = createFakeHost({ streams: { [LOC]: async () => (await Bun.sleep(150), device) } });
    const error = await readVmData(host, LOC, { budgetMs: 50 }).catch((e: unknown) => e);
    expect((error as HostError).message).toBe(`${LOC}: xenstored gave no answer within 50 ms`);
    expect(device.closed).toBe(false);
    await Bun.sleep(200);
    expect(device.closed).toBe(true);
  });
});
