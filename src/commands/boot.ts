import { defineCommand } from "citty";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import { budgetOf, metadataUrlOf, probeArgs } from "../cli/probe-flags.ts";
import { printJson, printText } from "../cli/output.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
import { applyBoot, planFor, type BootPlan } from "../boot/run-boot.ts";
import { BOOT_LOCK, BOOT_WAIT_MS, holderOf, withBootLock } from "../boot/boot-lock.ts";
import { EXIT, UsageError } from "../errors.ts";
import { actionOutcomes, type ActionOutcome } from "../plan/apply.ts";
import { diffPlan, planJson } from "../plan/diff.ts";
import type { InstanceData } from "../model/instance-data.ts";
import type { TransportName } from "../model/transport-names.ts";
import { readProbed } from "../boot/read-probed.ts";
import { BOOT_ORDER } from "../probe/rank.ts";
import { checkedRoot } from "../host/real.ts";
import { createRealFs } from "../host/real-fs.ts";
import { prepareInputs } from "../actions/inputs.ts";
import { readHostNics } from "../network/host-nics.ts";
import { formatInstanceData, viewInputs } from "../report/instance-data-view.ts";
import { readNocloudSeed, treeSeed } from "../transports/nocloud/read-seed.ts";
import { configDriveSource } from "../transports/openstack/config-drive-source.ts";
import { readOpenstack } from "../transports/openstack/read-openstack.ts";

function formatDecisions(decisions: BootPlan["decisions"]): string {
  if (!decisions.length) return "  none";
  const width = Math.max(...decisions.map((d) => d.action.length));
  return decisions.map((d) => `  ${d.action.padEnd(width)}  ${d.run ? "due" : "skip"}: ${d.reason}`).join("\n");
}

function formatOutcomes(decisions: BootPlan["decisions"], outcomes: ActionOutcome[]): string {
  const byName = new Map(outcomes.map((o) => [o.action, o]));
  return decisions
    .map((d) => {
      const o = byName.get(d.action);
      if (!d.run) return `skip    ${d.action}: ${d.reason}`;
      if (!o) return `ok      ${d.action}: nothing to change`;
      return `${o.result.padEnd(7)} ${d.action} (${o.ms} ms)${o.error ? `: ${o.error}` : ""}`;
    })
    .join("\n");
}

function transportOf(flag: string | undefined): TransportName | undefined {
  if (flag === undefined) return undefined;
  if (!(BOOT_ORDER as readonly string[]).includes(flag)) throw new UsageError(`--transport ${JSON.stringify(flag)}: expected one of ${BOOT_ORDER.join(", ")}`);
  return flag as TransportName;
}

/** --wait-ms: how long to wait for another run holding the boot lock; 0 gives up at once. */
function waitOf(flag: string | undefined): number {
  if (flag === undefined) return BOOT_WAIT_MS;
  const ms = Number(flag);
  if (!/^\d+$/.test(flag) || !Number.isSafeInteger(ms)) throw new UsageError(`--wait-ms ${JSON.stringify(flag)}: expected a whole number of ms (0: do not wait)`);
  return ms;
}

async function readSeedDir(seed: string): Promise<InstanceData> {
  const seedFs = createRealFs(await checkedRoot(seed, "--seed"));
  if (await seedFs.exists("/openstack")) return readOpenstack(configDriveSource(seedFs, seed), "config-drive");
  return readNocloudSeed(treeSeed(seedFs, seed));
}

const boot: AgentCommand = defineCommand({
  meta: {
    name: "boot",
    description:
      "Configure this machine from its instance data (hostname, network, users, SSH keys, files, scripts); everything is validated before the first change",
  },
  args: {
    ...globalArgs,
    "dry-run": { type: "boolean", description: "Read and validate everything, print what would change, change nothing" },
    seed: {
      type: "string",
      valueHint: "DIR",
      description: "Read instance data from a directory instead of probing: a NoCloud seed (meta-data, user-data, …) or a config-drive tree (openstack/…)",
    },
    transport: {
      type: "string",
      valueHint: "NAME",
      description: `Use this source and look for no other: ${BOOT_ORDER.join(", ")}`,
    },
    "wait-ms": {
      type: "string",
      valueHint: "N",
      description: `When another run (a boot, the daemon's tether-apply) holds ${BOOT_LOCK}, wait this long for it before exit 1 (default ${BOOT_WAIT_MS}; 0: do not wait)`,
    },
    ...probeArgs,
  },
  async run({ args }) {
    const transport = transportOf(args.transport);
    const waitMs = waitOf(args["wait-ms"]);
    if (args.seed && transport) throw new UsageError("--seed and --transport both name the source: give one");
    const probeOptions = { metadataUrl: metadataUrlOf(args["metadata-url"]), budgetMs: budgetOf(args["budget-ms"]), startedAt: 0, ...(transport ? { only: transport } : {}) };
    const { host, log, json } = await contextFor(args);
    const data = args.seed ? await readSeedDir(args.seed) : await readProbed(host, probeOptions);
    log.withTag("boot").info(`instance ${data.instanceId} from ${data.source.transport} ${data.source.location}`);
    const inputs = await prepareInputs(data, await readHostNics(host.fs));
    for (const warning of inputs.warnings) log.withTag("boot").warn(warning);
    const view = viewInputs(inputs);

    if (args["dry-run"]) {
      // No lock: a dry run writes nothing, and the records it reads are replaced whole, never half-written.
      const boot = await planFor(host, inputs);
      if (json) return printJson({ dryRun: true, target: { os: boot.backend.os, description: boot.target }, instanceData: view, due: boot.decisions, notes: boot.notes, plan: planJson(boot.plan) });
      const diff = await diffPlan(host, boot.plan);
      printText(`Instance data (dry run: nothing was changed)\n${formatInstanceData(view)}\n`);
      printText(`Target\n  ${boot.target} (${boot.backend.os} backend${boot.offline ? `, offline: ${host.root}` : ""})\n`);
      printText(`Actions\n${formatDecisions(boot.decisions)}\n`);
      if (boot.notes.length) printText(`Notes\n${boot.notes.map((n) => `  ${n}`).join("\n")}\n`);
      printText(`Plan\n${diff.text || "  nothing to change"}`);
      return EXIT.ok;
    }

    // Plan under the lock too: which actions are due depends on the records the other run writes.
    const lock = { holder: holderOf(host, `agent boot of instance ${data.instanceId}`), waitMs, log, hint: "wait longer with --wait-ms, or let it finish" };
    const { boot, result } = await withBootLock(host, lock, async () => {
      const boot = await planFor(host, inputs);
      return { boot, result: await applyBoot(host, inputs, boot, log) };
    });
    const outcomes = actionOutcomes(result);
    if (json) printJson({ dryRun: false, instanceId: data.instanceId, ok: result.ok, actions: outcomes, steps: result.steps });
    else printText(formatOutcomes(boot.decisions, outcomes));
    return result.ok ? EXIT.ok : EXIT.failed;
  },
});

boot.examples = [
  "agent boot --dry-run                                              # probe, read, print; change nothing",
  "agent boot --dry-run --transport nocloud                          # only a cidata disk; nothing else is asked",
  "agent boot --dry-run --seed examples/nocloud --root /tmp/target   # read a NoCloud seed, change nothing",
  "agent boot --dry-run --seed examples/nocloud --json               # the same as JSON (secrets redacted)",
  "agent boot --seed /path/to/seed --root /mnt/image                  # configure a mounted image offline",
  "",
  "Per-instance actions run once per instance id; per-boot ones at every boot. Scripts are kept, not run,",
  "for a --root target. Exit 0 when every change applied, 1 when one failed (agent status shows which).",
];

export default boot;
