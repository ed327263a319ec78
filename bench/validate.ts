#!/usr/bin/env bun
/**
 * `agent validate` (the compiled binary) against `cloud-init schema -c` on the same generated
 * 200-line cloud-config (issue #5). Target: ≥ 10× faster; reported, not asserted.
 *
 *   bun bench/validate.ts [--runs 20] [--binary dist/agent-linux-x64]
 *
 * cloud-init comes from Debian; the bench installs it when missing (it runs as root).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { HEADER, row, timeCommand } from "./measure.ts";
import { ratio as ratioOf, record, timingFigure } from "./results.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" }, binary: { type: "string", default: "dist/agent-linux-x64" } } });
const runs = Math.max(20, Number(values.runs));
const binary = resolve(values.binary as string);

function sh(argv: string[], what: string): void {
  const done = Bun.spawnSync(argv, { stdout: "inherit", stderr: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (done.exitCode !== 0) throw new Error(`${what} failed: ${argv.join(" ")}`);
}

if (!existsSync(binary)) sh([process.execPath, "scripts/build-binaries.ts", "--target", "linux-x64"], "building the binary");
if (!Bun.which("cloud-init")) {
  sh(["apt-get", "update", "-qq"], "apt-get update");
  sh(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "cloud-init"], "installing cloud-init");
}

/** 200 lines using the supported keys, valid for both validators. */
function cloudConfig(lines = 200): string {
  const head = [
    "#cloud-config",
    "hostname: bench-1",
    "fqdn: bench-1.example.internal",
    "manage_etc_hosts: true",
    "preserve_hostname: false",
    "timezone: Etc/UTC",
    "ssh_pwauth: false",
    "disable_root: true",
    "package_update: true",
    "packages: [nginx, curl, [libc6, 2.36-9]]",
    "ntp: {servers: [ntp1.example.com], pools: [0.pool.ntp.org]}",
    "growpart: {mode: auto, devices: ['/']}",
    "resize_rootfs: true",
    "power_state: {mode: reboot, delay: 1, message: bye, timeout: 30, condition: true}",
    "final_message: up after $UPTIME seconds",
    "chpasswd: {expire: false, users: [{name: ops, password: $6$salt$hash}]}",
    "users:",
  ];
  const body: string[] = [];
  for (let i = 0; head.length + body.length < lines - 40; i++) {
    body.push(`  - name: user${i}`, "    shell: /bin/bash", "    lock_passwd: true", "    groups: [adm]", `    ssh_authorized_keys: [ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA${i} user${i}@example]`);
  }
  const tail = ["write_files:"];
  for (let i = 0; head.length + body.length + tail.length < lines - 10; i++) tail.push(`  - path: /etc/bench/file${i}.conf`, `    content: "key${i} = value${i}\\n"`, "    permissions: '0644'");
  const cmds = ["runcmd:"];
  while (head.length + body.length + tail.length + cmds.length < lines) cmds.push(`  - [touch, /var/lib/bench-${cmds.length}]`);
  return [...head, ...body, ...tail, ...cmds].join("\n") + "\n";
}

const work = mkdtempSync(join(tmpdir(), "tether-bench-validate-"));
try {
  const file = join(work, "user-data.yaml");
  const text = cloudConfig();
  writeFileSync(file, text);
  const agent = await timeCommand([binary, "validate", file], runs);
  const peer = await timeCommand(["cloud-init", "schema", "-c", file], runs);
  const ratio = Math.round((peer.medianMs / agent.medianMs) * 10) / 10;
  console.log(`cloud-config: ${text.split("\n").length - 1} lines, ${text.length} bytes; cloud-init ${Bun.spawnSync(["cloud-init", "--version"]).stdout.toString().trim() || "?"}`);
  console.log(HEADER);
  console.log(row("agent validate FILE (compiled binary)", agent, "target ≥ 10× faster than cloud-init"));
  console.log(row("cloud-init schema -c FILE", peer));
  console.log(`\nratio (cloud-init median / agent median): ${ratio}×`);
  record({
    id: "validate",
    title: "Validation",
    context: [`the same ${text.split("\n").length - 1}-line cloud-config; cloud-init ${Bun.spawnSync(["cloud-init", "--version"]).stdout.toString().trim() || "?"}`],
    figures: [timingFigure("agent validate FILE (compiled binary)", agent), timingFigure("cloud-init schema -c FILE", peer)],
    ratios: [ratioOf("cloud-init schema -c / agent validate", peer.medianMs / agent.medianMs, { atLeast: 10 })],
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
