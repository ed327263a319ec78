import { defineCommand } from "citty";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import { printJson, printText } from "../cli/output.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
import { EXIT, UsageError } from "../errors.ts";
import { checkedRoot } from "../host/real.ts";
import { createRealFs } from "../host/real-fs.ts";
import { detectInit } from "../install/detect-init.ts";
import { INIT_SYSTEMS, planInstall, type InitSystem } from "../install/plan-install.ts";
import { BIN } from "../install/units.ts";
import { actionOutcomes, applyPlan } from "../plan/apply.ts";
import { diffPlan, planJson } from "../plan/diff.ts";
import { dirname, basename } from "node:path";

/** A compiled agent runs from Bun's embedded file system; from source, the executable is bun itself. */
function compiledBinary(): string | undefined {
  return Bun.main.startsWith("/$bunfs/") || Bun.main.includes("~BUN") ? process.execPath : undefined;
}

async function readBinary(path: string): Promise<Uint8Array> {
  const dir = await checkedRoot(dirname(path), "--binary").catch(() => {
    throw new UsageError(`--binary ${path}: no such file`);
  });
  const fs = createRealFs(dir);
  const stat = await fs.stat(`/${basename(path)}`);
  if (stat?.type !== "file") throw new UsageError(`--binary ${path}: ${stat ? "not a file" : "no such file"}`);
  return fs.readFile(`/${basename(path)}`);
}

const install: AgentCommand = defineCommand({
  meta: { name: "install", description: "Install the agent as /usr/local/bin/agent with its boot service (systemd, OpenRC or sysvinit), on this machine or an image (--root)" },
  args: {
    ...globalArgs,
    init: { type: "string", valueHint: "NAME", description: `Init system: ${INIT_SYSTEMS.join(", ")} (default: the one found under the root)` },
    binary: { type: "string", valueHint: "PATH", description: "The agent binary to install (default: this one, when it is the compiled binary)" },
    "dry-run": { type: "boolean", description: "Print what would be written and run, change nothing" },
  },
  async run({ args }) {
    if (args.init !== undefined && !(INIT_SYSTEMS as readonly string[]).includes(args.init)) {
      throw new UsageError(`--init ${JSON.stringify(args.init)}: expected ${INIT_SYSTEMS.join(", ")}`);
    }
    const { host, json } = await contextFor(args);
    const init = (args.init as InitSystem | undefined) ?? (await detectInit(host.fs));
    if (!init) throw new UsageError(`no systemd, OpenRC or /etc/init.d under ${host.root}: give --init`);
    const source = args.binary ?? compiledBinary();
    if (!source) throw new UsageError("agent install copies the compiled binary; running from source, give --binary dist/agent-linux-x64");
    // Already in place on this machine: nothing to copy.
    const inPlace = host.root === "/" && source === BIN;
    const plan = planInstall({ init, root: host.root, ...(inPlace ? {} : { binary: await readBinary(source) }) });

    if (args["dry-run"]) {
      if (json) return printJson(planJson(plan));
      return printText((await diffPlan(host, plan)).text);
    }
    const result = await applyPlan(host, plan);
    if (json) printJson({ ok: result.ok, init, steps: result.steps });
    else for (const o of actionOutcomes(result)) printText(`${o.result} install (${init}) in ${o.ms} ms${o.error ? `: ${o.error}` : ""}`);
    return result.ok ? EXIT.ok : EXIT.failed;
  },
});

install.examples = [
  "agent install                                     # this machine: copy the binary, enable the boot unit",
  "agent install --root /mnt/image --init systemd    # an image, offline (systemctl --root)",
  "agent install --dry-run --binary dist/agent-linux-x64 --root /tmp/t --init openrc",
  "",
  "systemd: the daemon unit is enabled too, and starts only where XenStore is there (ConditionPathExists).",
  "OpenRC and sysvinit: the boot script only.",
];

export default install;
