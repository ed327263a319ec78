import { describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { caCertsAction } from "../../src/actions/ca-certs.ts";
import { finalMessageAction } from "../../src/actions/final-message.ts";
import type { BootInputs } from "../../src/actions/inputs.ts";
import { injectedFilesAction } from "../../src/actions/injected-files.ts";
import { networkAction } from "../../src/actions/network.ts";
import { ntpAction } from "../../src/actions/ntp.ts";
import { packagesAction } from "../../src/actions/packages.ts";
import { powerStateAction } from "../../src/actions/power-state.ts";
import { scriptsAction } from "../../src/actions/scripts.ts";
import { timezoneAction } from "../../src/actions/timezone.ts";
import type { Action, OsFacts } from "../../src/actions/types.ts";
import { writeFilesAction, writeFilesDeferredAction } from "../../src/actions/write-files.ts";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";
import type { Host } from "../../src/host/types.ts";
import { distroFromOsRelease } from "../../src/os/linux/distro.ts";
import { parseGroup, parsePasswd } from "../../src/os/linux/passwd.ts";
import { applyPlan } from "../../src/plan/apply.ts";
import { tempRoot } from "../plan/helpers.ts";
import { CERT, inputsWith, latin1, NETWORK, text } from "./system-fixtures.ts";

const ACTIONS: Action[] = [writeFilesAction, injectedFilesAction, timezoneAction, ntpAction, caCertsAction, networkAction, packagesAction, writeFilesDeferredAction, scriptsAction, finalMessageAction, powerStateAction];
const ZONE = "TZif2\0\0\0\x01\x80\x9f\xfe zone bytes";
const NOW = Date.UTC(2030, 0, 2, 3, 4, 5);

/**
 * Facts as src/os/linux/facts.ts gathers them (TextDecoder latin1 contents of regular files, absent as
 * undefined), plus the directory probes the planners here name ("DIR/" → "" when a directory).
 */
async function factsOf(host: Host, inputs: BootInputs): Promise<OsFacts> {
  const base: Omit<OsFacts, "files"> = {
    root: host.root,
    offline: true,
    distro: distroFromOsRelease({ ID: "debian", VERSION_ID: "12" }),
    passwd: parsePasswd(await host.fs.readText("/etc/passwd")),
    group: parseGroup(await host.fs.readText("/etc/group")),
    nics: [],
    now: NOW,
    random: (n) => new Uint8Array(n),
  };
  const files: Record<string, string | undefined> = {};
  for (const path of new Set(ACTIONS.flatMap((a) => a.reads?.(inputs, base) ?? []))) {
    const stat = await host.fs.stat(path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path);
    if (path.endsWith("/")) files[path] = stat?.type === "dir" ? "" : undefined;
    // As the gatherer decodes: WHATWG "latin1", which is windows-1252 for 0x80-0x9F.
    else files[path] = stat?.type === "file" ? new TextDecoder("latin1").decode(await host.fs.readFile(path)) : undefined;
  }
  return { ...base, files };
}

async function planAndApply(root: string, inputs: BootInputs) {
  const host = await createRealHost({ root, log: createLogger({ level: "silent", json: false }) });
  const facts = await factsOf(host, inputs);
  const plan = { instanceId: inputs.data.instanceId, steps: ACTIONS.map((a) => ({ action: a.name, changes: a.plan(inputs, facts) })) };
  return applyPlan(host, plan);
}

describe("system actions applied to a real --root (offline: nothing runs)", () => {
  test("files, modes, owners and contents land inside the root; a second plan changes only the append", async () => {
    const root = tempRoot({
      "etc/passwd": "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001::/home/alice:/bin/bash\n",
      "etc/group": "root:x:0:\nalice:x:1001:\n",
      "etc/motd": "Welcome\n",
      "etc/network/interfaces": "source /etc/network/interfaces.d/*\n",
      "sbin/ifup": "#!/bin/sh\n",
      "usr/lib/systemd/systemd-timesyncd": "\x7fELF",
      "usr/share/zoneinfo/Europe/Paris": new Uint8Array(Buffer.from(ZONE, "latin1")),
      "root/.keep": "",
      "home/alice/.keep": "",
    });
    const gz = Buffer.from(Bun.gzipSync(text("key: value\n"))).toString("base64");
    const inputs = inputsWith(
      {
        write_files: [
          { path: "/opt/app/config.yaml", content: gz, encoding: "gz+b64", owner: "alice:alice", permissions: "0640" },
          { path: "/etc/motd", content: "Configured by tether\n", append: true },
          { path: "/root/secret", content: "s3cret\n", permissions: "0600" },
          { path: "/home/alice/later.txt", content: "deferred\n", owner: "alice:alice", defer: true },
        ],
        timezone: "Europe/Paris",
        ntp: { servers: ["ntp.example.com"] },
        ca_certs: { trusted: [CERT] },
        packages: ["nginx"],
        runcmd: ["touch /should-not-exist"],
        power_state: { mode: "reboot" },
        final_message: "done at $TIMESTAMP",
      },
      { network: NETWORK, scripts: [{ kind: "shell", name: "setup.sh", content: text("#!/bin/sh\ntouch /should-not-exist\n") }], data: { instanceId: "i-abc", files: [{ path: "/home/alice/.ssh/authorized_keys", content: text("ssh-ed25519 AAAA alice\n") }] } },
    );

    const first = await planAndApply(root, inputs);
    expect(first.steps.filter((s) => s.status !== "ok")).toEqual([]);
    expect(first.steps.some((s) => s.kind === "run")).toBe(false);

    const at = (p: string) => join(root, p);
    const read = (p: string) => readFileSync(at(p), "utf8");
    const mode = (p: string) => statSync(at(p)).mode & 0o7777;
    const owner = (p: string) => `${statSync(at(p)).uid}:${statSync(at(p)).gid}`;

    expect([read("opt/app/config.yaml"), mode("opt/app/config.yaml"), owner("opt/app/config.yaml")]).toEqual(["key: value\n", 0o640, "1001:1001"]);
    expect([mode("opt/app"), owner("opt/app")]).toEqual([0o755, "1001:1001"]);
    expect(read("etc/motd")).toBe("Welcome\nConfigured by tether\n");
    expect([read("root/secret"), mode("root/secret")]).toEqual(["s3cret\n", 0o600]);
    expect([read("home/alice/later.txt"), owner("home/alice/later.txt")]).toEqual(["deferred\n", "1001:1001"]);
    expect([read("home/alice/.ssh/authorized_keys"), mode("home/alice/.ssh/authorized_keys"), owner("home/alice/.ssh/authorized_keys")]).toEqual(["ssh-ed25519 AAAA alice\n", 0o600, "1001:1001"]);
    expect([mode("home/alice/.ssh"), owner("home/alice/.ssh")]).toEqual([0o700, "1001:1001"]);
    expect(read("etc/timezone")).toBe("Europe/Paris\n");
    expect(latin1(new Uint8Array(readFileSync(at("etc/localtime"))))).toBe(ZONE);
    expect(read("etc/systemd/timesyncd.conf.d/50-tether.conf")).toContain("NTP=ntp.example.com\n");
    expect([read("usr/local/share/ca-certificates/tether-1.crt"), mode("usr/local/share/ca-certificates/tether-1.crt")]).toEqual([`${CERT}\n`, 0o644]);
    expect(read("etc/network/interfaces.d/50-tether.cfg")).toContain("iface eth0 inet dhcp");
    const script = "var/lib/tether/instances/i-abc/scripts/setup.sh";
    expect([read(script), mode(script), mode("var/lib/tether/instances/i-abc/scripts"), mode("var/lib/tether/instances")]).toEqual(["#!/bin/sh\ntouch /should-not-exist\n", 0o700, 0o700, 0o700]);
    expect(read("var/lib/tether/final-message")).toBe("done at Wed, 02 Jan 2030 03:04:05 GMT\n");
    expect(() => statSync(at("should-not-exist"))).toThrow();

    // Append is not idempotent (nor is cloud-init's): per-instance state is what keeps it to once.
    const second = await planAndApply(root, inputs);
    expect(second.steps.filter((s) => s.status !== "skipped-unchanged").map((s) => s.target)).toEqual(["/etc/motd"]);
  });
});
