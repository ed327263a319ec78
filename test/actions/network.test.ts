import { describe, expect, test } from "bun:test";
import { networkAction, RENDERER_TOOLS } from "../../src/actions/network.ts";
import { RENDERERS } from "../../src/os/linux/network/index.ts";
import { factsFor, inputsWith, NETWORK } from "./system-fixtures.ts";

const ROOT = { user: "root", group: "root" };
const HEADER = "Written by tether (agent boot) from the instance's network configuration; changes here are overwritten.";
const inputs = inputsWith({}, { network: NETWORK });
const netplanYaml = RENDERERS.netplan(NETWORK, { header: HEADER })["/etc/netplan/50-tether.yaml"] as string;

describe("network", () => {
  test("Ubuntu with netplan: the YAML 0600, then netplan generate (its generator ran before us); nothing running, nothing reloaded", () => {
    const facts = factsFor("ubuntu", { files: { "/usr/sbin/netplan": "#!/usr/bin/python3", "/etc/netplan/": "" } });
    expect(networkAction.plan(inputs, facts)).toEqual([
      { kind: "write", path: "/etc/netplan/50-tether.yaml", content: netplanYaml, mode: 0o600, owner: ROOT, reason: "network configuration from nocloud (renderer netplan: the first of netplan, eni, networkd, network-manager present on the target); read when the network service starts" },
      { kind: "run", argv: ["netplan", "generate"], timeoutMs: 60_000, reason: "netplan's generator ran before this boot wrote its file" },
    ]);
    expect(networkAction.frequency).toBe("per-boot");
  });

  test("netplan with systemd-networkd already running: generate, then networkctl reload", () => {
    const facts = factsFor("ubuntu", { files: { "/sbin/netplan": "x", "/etc/netplan/": "", "/run/systemd/netif/state": "OPER_STATE=routable\n" } });
    expect(networkAction.plan(inputs, facts).flatMap((c) => (c.kind === "run" ? [c.argv.join(" ")] : []))).toEqual(["netplan generate", "networkctl reload"]);
  });

  test("Debian without netplan but with ifupdown: eni, a missing interfaces.d made; ifup -a only once ifupdown has run", () => {
    const facts = factsFor("debian", { files: { "/sbin/ifup": "x", "/etc/network/": "" } });
    const changes = networkAction.plan(inputs, facts);
    expect(changes.map((c) => `${c.kind} ${c.kind === "run" ? c.argv.join(" ") : c.path}`)).toEqual(["mkdir /etc/network/interfaces.d", "write /etc/network/interfaces.d/50-tether.cfg"]);
    expect(changes[0]).toEqual({ kind: "mkdir", path: "/etc/network/interfaces.d", mode: 0o755, owner: ROOT, reason: "directory for eni configuration" });
    const running = factsFor("debian", { files: { "/sbin/ifup": "x", "/etc/network/interfaces.d/": "", "/run/network/ifstate": "" } });
    expect(networkAction.plan(inputs, running).at(-1)).toEqual({ kind: "run", argv: ["ifup", "-a"], timeoutMs: 60_000, reason: "ifupdown has run: bring up what is not up yet" });
  });

  test("RHEL with NetworkManager running: keyfiles 0600 and nmcli connection reload", () => {
    const facts = factsFor("rhel", { files: { "/usr/lib/systemd/system/NetworkManager.service": "[Unit]", "/etc/NetworkManager/system-connections/": "", "/run/NetworkManager/resolv.conf": "" } });
    const changes = networkAction.plan(inputs, facts);
    const writes = changes.filter((c) => c.kind === "write");
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) expect(w.kind === "write" && [w.mode, w.path.startsWith("/etc/NetworkManager/system-connections/")]).toEqual([0o600, true]);
    expect(changes.at(-1)).toEqual({ kind: "run", argv: ["nmcli", "connection", "reload"], timeoutMs: 60_000, reason: "NetworkManager is running: reload its connections" });
  });

  test("no renderer's tool found: the distro's first choice, said in the reason; offline, no run and 'next boot'", () => {
    const changes = networkAction.plan(inputs, factsFor("arch", { offline: true }));
    expect(changes.map((c) => c.kind)).toEqual(["mkdir", "write"]);
    expect(changes[1]).toMatchObject({ path: "/etc/systemd/network/10-tether-eth0.network", mode: 0o644, reason: "network configuration from nocloud (renderer networkd: none of networkd, network-manager, netplan found on the target, so the distro's first choice); read at the target's next boot" });
  });

  test("reads: each renderer's tools in the distro's order, running-state files unless offline, directory probes; nothing without a network", () => {
    const reads = networkAction.reads?.(inputs, factsFor("rhel")) ?? [];
    for (const path of [...RENDERER_TOOLS["network-manager"], ...RENDERER_TOOLS.sysconfig, "/run/systemd/netif/state", "/", "/etc/NetworkManager/system-connections/"]) expect(reads).toContain(path);
    expect(networkAction.reads?.(inputs, factsFor("rhel", { offline: true }))).not.toContain("/run/systemd/netif/state");
    expect(networkAction.reads?.(inputsWith({}), factsFor("rhel"))).toEqual([]);
    expect(networkAction.plan(inputsWith({}), factsFor("rhel"))).toEqual([]);
  });
});
