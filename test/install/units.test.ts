import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openrcBootScript, openrcDaemonScript, systemdBootUnit, systemdDaemonUnit, sysvinitBootScript } from "../../src/install/units.ts";
import { runArgv } from "../helpers/run-agent.ts";

const dir = mkdtempSync(join(tmpdir(), "tether-units-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("service definitions", () => {
  test("systemd units pass systemd-analyze verify", async () => {
    // verify checks that ExecStart exists: point it at a program this machine has.
    writeFileSync(join(dir, "tether-boot.service"), systemdBootUnit("/bin/true"));
    writeFileSync(join(dir, "tether-daemon.service"), systemdDaemonUnit("/bin/true"));
    const run = await runArgv(["systemd-analyze", "verify", join(dir, "tether-boot.service"), join(dir, "tether-daemon.service")]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  });

  test("a unit with a mistake fails verify: the check can fail", async () => {
    writeFileSync(join(dir, "broken.service"), systemdBootUnit("/bin/true").replace("Type=oneshot", "Type=sometimes"));
    const run = await runArgv(["systemd-analyze", "verify", join(dir, "broken.service")]);
    expect(run.stderr).toContain("Failed to parse service type");
  });

  test("the boot unit runs before the network and sshd, once", () => {
    const unit = systemdBootUnit();
    expect(unit).toContain("Before=network-pre.target");
    expect(unit).toContain("ssh.service sshd.service");
    expect(unit).toContain("Type=oneshot");
    expect(unit).toContain("ExecStart=/usr/local/bin/agent boot");
  });

  test("OpenRC and sysvinit scripts are valid shell", async () => {
    for (const [name, text] of [["openrc", openrcBootScript()], ["openrc-daemon", openrcDaemonScript()], ["sysvinit", sysvinitBootScript()]]) {
      const path = join(dir, name as string);
      writeFileSync(path, text as string);
      expect((await runArgv(["sh", "-n", path])).code).toBe(0);
    }
    expect(openrcBootScript()).toContain("before net sshd");
    // No XenStore and no virtio agent port on this machine: the daemon's start_pre declines.
    const check = await runArgv(["sh", "-c", `einfo() { echo "$@"; }; . ${join(dir, "openrc-daemon")}; start_pre`]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("nothing to serve");
    expect(sysvinitBootScript()).toContain("# X-Start-Before:    networking ssh");
  });
});
