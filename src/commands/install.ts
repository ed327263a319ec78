import { defineCommand } from "citty";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import { printJson, printText } from "../cli/output.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
import { EXIT, UsageError } from "../errors.ts";
import { checkedRoot } from "../host/real.ts";
import { createRealFs } from "../host/real-fs.ts";
import type { RootedFs } from "../host/types.ts";
import { detectInit } from "../install/detect-init.ts";
import { INIT_SYSTEMS, planInstall, type InitSystem } from "../install/plan-install.ts";
import { BIN } from "../install/units.ts";
import { SETUP_COMPLETE, windowsBinPath } from "../install/windows-tasks.ts";
import { actionOutcomes, applyPlan } from "../plan/apply.ts";
import { diffPlan, planJson } from "../plan/diff.ts";
import { dirname, basename } from "node:path";

/** A compiled agent runs from Bun's embedded file system; from source, the executable is bun itself. */
function compiledBinary(): string | undefined {
  return Bun.main.startsWith("/$bunfs/") || Bun.main.includes("~BUN") ? process.execPath : undefined;
}

/** Whether `source` is the path the binary is installed at: then there is nothing to copy. */
function inPlace(init: InitSystem, source: string): boolean {
  if (init !== "windows") return source === BIN;
  // Windows paths ignore case and take either slash.
  const norm = (p: string) => p.replaceAll("/", "\\").toLowerCase();
  return norm(source) === norm(windowsBinPath());
}

/** A Linux binary in a Windows image (or the reverse) would leave it with no agent at all. */
function checkFormat(init: InitSystem, path: string, bytes: Uint8Array): void {
  const pe = bytes[0] === 0x4d && bytes[1] === 0x5a; // "MZ"
  if (init === "windows" && !pe) throw new UsageError(`--binary ${path}: not a Windows executable (give dist/agent-windows-x64.exe for --init windows)`);
  if (init !== "windows" && pe) throw new UsageError(`--binary ${path}: a Windows executable, for --init ${init} (give dist/agent-linux-x64)`);
}

/** Read as one char per byte, so that a line of ours goes in without re-encoding anyone else's. */
async function readLatin1(fs: RootedFs, path: string): Promise<string | undefined> {
  if (!(await fs.exists(path))) return undefined;
  return new TextDecoder("latin1").decode(await fs.readFile(path));
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
  meta: {
    name: "install",
    description: "Install the agent as /usr/local/bin/agent with its boot service (systemd, OpenRC or sysvinit), or on Windows as C:\\Program Files\\Tether\\agent.exe with scheduled tasks, on this machine or an image (--root)",
  },
  args: {
    ...globalArgs,
    init: { type: "string", valueHint: "NAME", description: `Init system: ${INIT_SYSTEMS.join(", ")} (default: the one found under the root; windows on Windows)` },
    binary: { type: "string", valueHint: "PATH", description: "The agent binary to install (default: this one, when it is the compiled binary)" },
    start: { type: "boolean", description: "Windows: start the boot and daemon tasks now, not at the next start (SetupComplete.cmd uses it)" },
    "dry-run": { type: "boolean", description: "Print what would be written and run, change nothing" },
  },
  async run({ args }) {
    if (args.init !== undefined && !(INIT_SYSTEMS as readonly string[]).includes(args.init)) {
      throw new UsageError(`--init ${JSON.stringify(args.init)}: expected ${INIT_SYSTEMS.join(", ")}`);
    }
    const { host, json } = await contextFor(args);
    const init = (args.init as InitSystem | undefined) ?? (await detectInit(host.fs)) ?? (host.platform === "win32" ? "windows" : undefined);
    if (!init) throw new UsageError(`no systemd, OpenRC or /etc/init.d under ${host.root} (nor /Windows/System32): give --init`);
    const offline = host.root !== "/";
    if (!offline && (init === "windows") !== (host.platform === "win32")) {
      throw new UsageError(`--init ${init} on this machine, which is ${host.platform === "win32" ? "Windows" : "not Windows"}: give --root for an image`);
    }
    if (args.start && (init !== "windows" || offline)) throw new UsageError("--start is for --init windows on the running system (an image's tasks start at the end of its setup)");
    const source = args.binary ?? compiledBinary();
    if (!source) throw new UsageError(`agent install copies the compiled binary; running from source, give --binary ${init === "windows" ? "dist/agent-windows-x64.exe" : "dist/agent-linux-x64"}`);
    // Already in place on this machine (SetupComplete.cmd runs the installed binary): nothing to copy.
    const binary = !offline && inPlace(init, source) ? undefined : await readBinary(source);
    if (binary) checkFormat(init, source, binary);
    const setupComplete = init === "windows" && offline ? await readLatin1(host.fs, SETUP_COMPLETE) : undefined;
    const plan = planInstall({ init, root: host.root, ...(binary ? { binary } : {}), ...(setupComplete !== undefined ? { setupComplete } : {}), ...(args.start ? { start: true } : {}) });

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
  "agent install --init windows --binary D:\\agent-windows-x64.exe   # this Windows machine",
  "agent install --root /mnt/win --binary dist/agent-windows-x64.exe # a Windows image (found by /Windows/System32)",
  "",
  "systemd: the daemon unit is enabled too, and starts only where XenStore is there (ConditionPathExists).",
  "OpenRC and sysvinit: the boot script only.",
  `Windows: ${windowsBinPath()} and two scheduled tasks run as SYSTEM at every start, "Tether boot" and`,
  '"Tether daemon" (no time limit; started again within a minute when it exits). Tasks, not a service:',
  "a service must answer the Service Control Manager (StartServiceCtrlDispatcher), which this single",
  "compiled executable does not, so Windows would stop it after 30 s (error 1053). An image (--root)",
  "cannot take tasks into its registry: the binary is copied and SetupComplete.cmd, which Windows runs",
  "once as SYSTEM at the end of setup, gets a line that installs the tasks then (--start). Windows skips",
  "SetupComplete.cmd where the image uses an OEM product key (except Enterprise and Server editions).",
];

export default install;
