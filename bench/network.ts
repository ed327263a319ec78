#!/usr/bin/env bun
/**
 * render-network speed (issue #6): all five formats for a 3-NIC bond+vlan network_data.json with the
 * compiled binary, against cloud-init's `devel net-convert` for one format (netplan), same input and
 * flags. Prints the ratio of cloud-init's one format to our five; the target is ≥ 15×, reported,
 * never asserted.
 *
 *   bun bench/network.ts [--runs 20] [--binary dist/agent-linux-x64]
 *
 * A binary that is missing, or older than render-network (its help says "not built"), is built
 * into a temp directory rather than over dist/.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { HEADER, row, timeCommand } from "./measure.ts";

const FORMATS_ALL = "eni,netplan,networkd,sysconfig,network-manager";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" }, binary: { type: "string", default: "dist/agent-linux-x64" } } });
const runs = Math.max(20, Number(values.runs));
const work = mkdtempSync(join(tmpdir(), "tether-bench-network-"));
const input = resolve(import.meta.dir, "../test/fixtures/network/input/openstack-bond-vlan.network_data.json");
const nics = ["-m", "eth0,fa:16:3e:00:00:01", "-m", "eth1,fa:16:3e:00:00:02", "-m", "eth2,fa:16:3e:00:00:03"];
const FORMATS = ["eni", "netplan", "networkd", "sysconfig", "network-manager"];

async function usableBinary(path: string): Promise<string> {
  if (existsSync(path)) {
    const help = Bun.spawnSync([path, "render-network", "--help"]);
    if (help.exitCode === 0 && !help.stdout.toString().includes("not built")) return path;
  }
  const outdir = join(work, "dist");
  console.error(`${path} is missing or predates render-network: building linux-x64 into ${outdir}`);
  const build = Bun.spawnSync([process.execPath, resolve(import.meta.dir, "../scripts/build-binaries.ts"), "--target", "linux-x64", "--outdir", outdir], { stderr: "inherit" });
  if (build.exitCode !== 0) throw new Error("build failed");
  return join(outdir, "agent-linux-x64");
}

if (!Bun.which("cloud-init")) throw new Error("cloud-init is missing: apt-get install -y --no-install-recommends cloud-init");

try {
  const binary = await usableBinary(resolve(values.binary as string));
  const ourRuns = [];
  for (const format of FORMATS) {
    ourRuns.push([format, await timeCommand([binary, "render-network", "-p", input, "-k", "network_data.json", "-d", join(work, `ours-${format}`), "-D", "ubuntu", "-O", format, ...nics], runs)] as const);
  }
  const allFive = await timeCommand([binary, "render-network", "-p", input, "-k", "network_data.json", "-d", join(work, "ours-all"), "-D", "ubuntu", "-O", FORMATS_ALL, ...nics], runs);
  const peer = await timeCommand(["cloud-init", "devel", "net-convert", "-p", input, "-k", "network_data.json", "-d", join(work, "cloud-init"), "-D", "ubuntu", "-O", "netplan", ...nics], runs);
  const ourTotal = ourRuns.reduce((sum, [, t]) => sum + t.medianMs, 0);
  const ourNetplan = ourRuns.find(([f]) => f === "netplan")?.[1].medianMs ?? NaN;
  console.log(HEADER);
  for (const [format, t] of ourRuns) console.log(row(`agent render-network -O ${format} (compiled)`, t));
  console.log(row("agent render-network -O all five at once (compiled)", allFive));
  console.log(row("cloud-init devel net-convert -O netplan", peer));
  console.log();
  console.log(`our five formats, sum of medians: ${ourTotal.toFixed(1)} ms`);
  console.log(`ratio, cloud-init one format / our five formats: ${(peer.medianMs / ourTotal).toFixed(1)}× (target ≥ 15×)`);
  console.log(`ratio, cloud-init one format / our five formats in one run: ${(peer.medianMs / allFive.medianMs).toFixed(1)}×`);
  console.log(`ratio, netplan vs netplan: ${(peer.medianMs / ourNetplan).toFixed(1)}×`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
