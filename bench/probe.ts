#!/usr/bin/env bun
/**
 * Probe speed of the compiled binary (issue #3): an empty root in a network namespace of its own,
 * a config-drive root, and a metadata server that never answers (the budget must hold).
 *
 *   bun bench/probe.ts [--runs 20] [--binary dist/agent-linux-x64]
 *
 * Never reaches beyond this machine: the empty-root case runs under `unshare -n` (only a downed lo,
 * so 169.254.169.254 is unreachable at once), the others name a loopback --metadata-url.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { HEADER, row, timeCommand } from "./measure.ts";
import { record, timingFigure } from "./results.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" }, binary: { type: "string", default: "dist/agent-linux-x64" } } });
const runs = Number(values.runs);
const binary = resolve(values.binary as string);
if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build first`);

const work = mkdtempSync(join(tmpdir(), "tether-bench-probe-"));
const emptyRoot = join(work, "empty");
mkdirSync(emptyRoot);

// A config-drive root: a real ISO made by genisoimage, as /dev/sr0 with its sysfs entry.
const driveRoot = join(work, "config-drive");
const content = join(work, "content");
mkdirSync(join(content, "openstack/latest"), { recursive: true });
writeFileSync(join(content, "openstack/latest/meta_data.json"), JSON.stringify({ uuid: "iid-bench", hostname: "bench" }));
mkdirSync(join(driveRoot, "sys/class/block/sr0"), { recursive: true });
mkdirSync(join(driveRoot, "dev"), { recursive: true });
const iso = Bun.spawnSync(["genisoimage", "-quiet", "-V", "config-2", "-J", "-R", "-o", join(driveRoot, "dev/sr0"), content]);
if (iso.exitCode !== 0) throw new Error(`genisoimage failed (apt-get install genisoimage): ${iso.stderr}`);

const silentListener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
const silentUrl = `http://127.0.0.1:${silentListener.port}`;

try {
  const empty = await timeCommand(["unshare", "-n", binary, "probe", "--root", emptyRoot, "--json"], runs, [1]);
  const drive = await timeCommand(["unshare", "-n", binary, "probe", "--root", driveRoot, "--json"], runs, [0]);
  const silent = await timeCommand([binary, "probe", "--root", emptyRoot, "--metadata-url", silentUrl, "--json"], Math.min(runs, 10), [1]);
  const version = await timeCommand([binary, "--version"], runs);
  console.log(HEADER);
  console.log(row("agent --version (start-up floor)", version));
  console.log(row("probe, empty root, unshare -n", empty, "target ≤ 60 ms"));
  console.log(row("probe, config-drive root (genisoimage ISO as /dev/sr0)", drive, "target ≤ 60 ms"));
  console.log(row("probe, metadata server that never answers, budget 1500 ms", silent, "target ≤ 1550 ms"));
  record({
    id: "probe",
    title: "Probe",
    context: ["compiled binary; empty and config-drive roots under unshare -n; a loopback metadata server that accepts and never answers"],
    figures: [
      timingFigure("agent --version (start-up floor)", version),
      timingFigure("probe, empty root, unshare -n", empty, "target ≤ 60 ms"),
      timingFigure("probe, config-drive root (genisoimage ISO as /dev/sr0)", drive, "target ≤ 60 ms"),
      timingFigure("probe, metadata server that never answers, budget 1500 ms", silent, "target ≤ 1550 ms"),
    ],
    ratios: [],
  });
} finally {
  silentListener.stop(true);
  rmSync(work, { recursive: true, force: true });
}
