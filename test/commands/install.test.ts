import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAgent } from "../helpers/run-agent.ts";

const work = mkdtempSync(join(tmpdir(), "tether-install-"));
const binary = join(work, "agent-bin");
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(() => writeFileSync(binary, "#!/bin/sh\necho stand-in agent\n"));

function root(name: string, dirs: string[] = [], files: string[] = []): string {
  const dir = join(work, name);
  for (const d of dirs) mkdirSync(join(dir, d), { recursive: true });
  for (const f of files) writeFileSync(join(dir, f), "");
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe("agent install", () => {
  test("systemd image: binary 0755, both units, both enabled with systemctl --root", async () => {
    const r = root("systemd", ["lib/systemd"], ["lib/systemd/systemd"]);
    const run = await runAgent(["install", "--root", r, "--binary", binary]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("ok install (systemd)");
    expect(statSync(join(r, "usr/local/bin/agent")).mode & 0o7777).toBe(0o755);
    expect(readFileSync(join(r, "usr/local/bin/agent"), "utf8")).toBe("#!/bin/sh\necho stand-in agent\n");
    expect(readFileSync(join(r, "etc/systemd/system/tether-boot.service"), "utf8")).toContain("ExecStart=/usr/local/bin/agent boot");
    expect(readlinkSync(join(r, "etc/systemd/system/multi-user.target.wants/tether-boot.service"))).toBe("/etc/systemd/system/tether-boot.service");
    expect(readlinkSync(join(r, "etc/systemd/system/multi-user.target.wants/tether-daemon.service"))).toBe("/etc/systemd/system/tether-daemon.service");
    expect(readFileSync(join(r, "etc/systemd/system/tether-daemon.service"), "utf8")).toContain("ConditionPathExists=|/dev/xen/xenbus");
    const again = await runAgent(["install", "--root", r, "--binary", binary, "--json"]);
    expect(JSON.parse(again.stdout).steps.filter((s: { kind: string }) => s.kind === "write").map((s: { status: string }) => s.status)).toEqual([
      "skipped-unchanged",
      "skipped-unchanged",
      "skipped-unchanged",
    ]);
  });

  test("OpenRC image: the boot script in the boot runlevel, the daemon in the default one", async () => {
    const r = root("openrc", ["sbin", "etc/runlevels/boot"], ["sbin/openrc-run"]);
    const run = await runAgent(["install", "--root", r, "--binary", binary]);
    expect(run.code).toBe(0);
    expect(statSync(join(r, "etc/init.d/tether-boot")).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(r, "etc/runlevels/boot/tether-boot"))).toBe("/etc/init.d/tether-boot");
    expect(statSync(join(r, "etc/init.d/tether-daemon")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(r, "etc/init.d/tether-daemon"), "utf8")).toContain('command_args="daemon"');
    expect(readlinkSync(join(r, "etc/runlevels/default/tether-daemon"))).toBe("/etc/init.d/tether-daemon");
  });

  test("--dry-run shows the plan and changes nothing", async () => {
    const r = root("dry", ["etc/init.d"]);
    const run = await runAgent(["install", "--root", r, "--binary", binary, "--dry-run"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("+++ b/etc/init.d/tether-boot");
    expect(run.stdout).toContain("update-rc.d tether-boot defaults");
    expect(() => statSync(join(r, "etc/init.d/tether-boot"))).toThrow();
  });

  const usage: [string[], string][] = [
    [["--init", "upstart"], '--init "upstart": expected systemd, openrc, sysvinit'],
    [[], "no systemd, OpenRC or /etc/init.d under"],
    [["--init", "systemd"], "running from source, give --binary"],
    [["--init", "systemd", "--binary", "/no/such/agent"], "--binary /no/such/agent"],
  ];
  for (const [argv, message] of usage) {
    test(`usage: install ${argv.join(" ")}`, async () => {
      const run = await runAgent(["install", "--root", root(`u${argv.length}${argv[1] ?? ""}`.replace(/\W/g, "")), ...argv]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    });
  }
});
