import { describe, expect, test } from "bun:test";
import { chronyConf, ntpAction, TIMESYNCD_DROPIN } from "../../src/actions/ntp.ts";
import { factsFor, inputsWith } from "./system-fixtures.ts";

const ROOT = { user: "root", group: "root" };
const NTP = { ntp: { servers: ["ntp1.example.com"], pools: ["pool.example.org"] } };
const DEBIAN_CHRONY = "# Debian\npool 2.debian.pool.ntp.org iburst\nsourcedir /etc/chrony/sources.d\ndriftfile /var/lib/chrony/chrony.drift\n";

describe("ntp", () => {
  test("systemd-timesyncd on Debian: the drop-in, then a restart that does not wait for the job", () => {
    const facts = factsFor("debian", { files: { "/usr/lib/systemd/systemd-timesyncd": "\x7fELF" } });
    expect(ntpAction.plan(inputsWith(NTP), facts)).toEqual([
      { kind: "mkdir", path: "/etc/systemd/timesyncd.conf.d", mode: 0o755, owner: ROOT, reason: "systemd-timesyncd drop-ins" },
      { kind: "write", path: TIMESYNCD_DROPIN, content: "# Written by tether from user-data ntp; changes here are overwritten.\n[Time]\nNTP=ntp1.example.com pool.example.org\n", mode: 0o644, owner: ROOT, reason: "ntp servers for systemd-timesyncd from user-data" },
      { kind: "run", argv: ["systemctl", "--no-block", "restart", "systemd-timesyncd"], timeoutMs: 30_000, reason: "systemd-timesyncd reads its new servers" },
    ]);
  });

  test("chrony installed on Debian: the distro's pool commented out, the user's block added; offline, no restart", () => {
    const facts = factsFor("debian", { offline: true, files: { "/usr/sbin/chronyd": "\x7fELF", "/etc/chrony/chrony.conf": DEBIAN_CHRONY } });
    expect(ntpAction.plan(inputsWith(NTP), facts)).toEqual([
      { kind: "mkdir", path: "/etc/chrony", mode: 0o755, owner: ROOT, reason: "chrony configuration" },
      {
        kind: "write",
        path: "/etc/chrony/chrony.conf",
        content: [
          "# Debian",
          "#tether-replaced# pool 2.debian.pool.ntp.org iburst",
          "sourcedir /etc/chrony/sources.d",
          "driftfile /var/lib/chrony/chrony.drift",
          "",
          "# BEGIN tether ntp (from user-data; this block is rewritten)",
          "server ntp1.example.com iburst",
          "pool pool.example.org iburst",
          "# END tether ntp",
          "",
        ].join("\n"),
        mode: 0o644,
        owner: ROOT,
        reason: "ntp servers for chrony from user-data, the distro's own sources commented out",
      },
    ]);
  });

  test("the chrony edit is stable: applying it to its own output changes nothing", () => {
    const once = chronyConf(DEBIAN_CHRONY, NTP.ntp, "debian");
    expect(chronyConf(once, NTP.ntp, "debian")).toBe(once);
    expect(chronyConf(once, { servers: ["other"], pools: [] }, "debian")).toContain("# BEGIN tether ntp (from user-data; this block is rewritten)\nserver other iburst\n# END tether ntp\n");
  });

  test("RHEL without chrony installed: /etc/chrony.conf made from scratch, said to wait; no restart", () => {
    const [write, ...rest] = ntpAction.plan(inputsWith(NTP), factsFor("rhel"));
    expect(rest).toEqual([]);
    expect(write).toMatchObject({ kind: "write", path: "/etc/chrony.conf", reason: "ntp servers for chrony from user-data, the distro's own sources commented out (chrony is not installed on the target: the file waits for it)" });
    expect(write?.kind === "write" && write.content).toStartWith("driftfile /var/lib/chrony/drift\nmakestep 1.0 3\nrtcsync\n\n# BEGIN tether ntp");
  });

  test("Alpine restarts chronyd through OpenRC", () => {
    const changes = ntpAction.plan(inputsWith(NTP), factsFor("alpine", { files: { "/usr/sbin/chronyd": "x" } }));
    expect(changes.at(-1)).toEqual({ kind: "run", argv: ["rc-service", "chronyd", "restart"], timeoutMs: 30_000, reason: "chronyd reads its new servers" });
  });

  test("ntp with no servers or pools: nothing changed, a note; no ntp key: nothing read", () => {
    const inputs = inputsWith({ ntp: null });
    expect(ntpAction.plan(inputs, factsFor("debian"))).toEqual([]);
    expect(ntpAction.notes?.(inputs, factsFor("debian"))).toEqual(["ntp: no servers or pools given; the NTP client's own defaults are kept"]);
    expect(ntpAction.reads?.(inputsWith({}), factsFor("debian"))).toEqual([]);
  });
});
