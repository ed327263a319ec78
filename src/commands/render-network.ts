import { defineCommand } from "citty";
import { dirname, join, resolve } from "node:path";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import { printJson, printText } from "../cli/output.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
import { HostError, UsageError } from "../errors.ts";
import { checkedRoot } from "../host/real.ts";
import { createRealFs } from "../host/real-fs.ts";
import { NetworkConfigSchema, type Nic } from "../model/network.ts";
import { parseWith } from "../model/validate.ts";
import { toNetworkConfig } from "../network/convert/index.ts";
import { parseNicFlag, readHostNics } from "../network/host-nics.ts";
import { KINDS, sourceOf } from "../network/source-file.ts";
import { defaultRenderer, LINUX_DISTROS, RENDERER_NAMES, RENDERERS, type RendererName } from "../os/linux/network/index.ts";
import { NM_KEYFILE_MODE } from "../os/linux/network/network-manager.ts";

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) throw new UsageError(`agent render-network: ${flag} is required; one of ${allowed.join(", ")}`);
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected one of ${allowed.join(", ")}`);
  return value as T;
}

/** Every value of a flag that may repeat (citty keeps only the last). */
function repeated(rawArgs: readonly string[], names: string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const token = rawArgs[i] as string;
    const inline = names.find((n) => token.startsWith(`${n}=`));
    if (inline) values.push(token.slice(inline.length + 1));
    else if (names.includes(token) && rawArgs[i + 1] !== undefined) values.push(rawArgs[++i] as string);
  }
  return values;
}

/**
 * NetworkManager ignores keyfiles others can read; netplan warns about world-readable YAML (it
 * may hold Wi-Fi secrets). Everything else is ordinary configuration.
 */
const modeOf = (path: string) => (path.endsWith(".nmconnection") ? NM_KEYFILE_MODE : path.startsWith("/etc/netplan/") ? 0o600 : 0o644);

/** Paths come from interface names; none may leave the output directory. */
function checkedPath(path: string): string {
  const parts = path.split("/");
  if (!path.startsWith("/") || parts.slice(1).some((p) => p === "" || p === "." || p === "..")) throw new HostError(`refusing to write ${JSON.stringify(path)}: it would leave the output directory`);
  return path;
}

const command: AgentCommand = defineCommand({
  meta: {
    name: "render-network",
    description: "Render a network configuration as eni, netplan, networkd, sysconfig or NetworkManager files (the flags of cloud-init devel net-convert)",
  },
  args: {
    ...globalArgs,
    "network-data": { type: "string", alias: "p", valueHint: "PATH", description: "The network configuration to read" },
    kind: { type: "string", alias: "k", valueHint: "KIND", description: `Its format: ${KINDS.join(", ")} (yaml: v1 or v2 by its version key)` },
    directory: { type: "string", alias: "d", valueHint: "OUTDIR", description: "Write the files under OUTDIR (created if missing), as OUTDIR/etc/…" },
    distro: { type: "string", alias: "D", valueHint: "DISTRO", description: `The target distro: ${LINUX_DISTROS.join(", ")}` },
    "output-kind": { type: "string", alias: "O", valueHint: "FORMAT", description: `${RENDERER_NAMES.join(", ")}, or several separated by commas. Default: the distro's (ubuntu netplan; debian, alpine eni; Red Hat family sysconfig; others networkd)` },
    mac: { type: "string", alias: "m", valueHint: "name,mac", description: "A NIC's name and MAC (repeat for each); default: the NICs in /sys/class/net (under --root)" },
  },
  async run({ args, rawArgs }) {
    const kind = oneOf("-k/--kind", args.kind, KINDS);
    const distro = oneOf("-D/--distro", args.distro, LINUX_DISTROS);
    // Several formats at once (-O eni,netplan) cost one start of the agent instead of one each.
    const renderers: RendererName[] =
      args["output-kind"] === undefined ? [defaultRenderer(distro)] : args["output-kind"].split(",").map((name) => oneOf("-O/--output-kind", name, RENDERER_NAMES));
    if (!args["network-data"]) throw new UsageError("agent render-network: -p/--network-data PATH is required");
    if (!args.directory) throw new UsageError("agent render-network: -d/--directory OUTDIR is required");
    const nicFlags = repeated(rawArgs, ["-m", "--mac"]);
    const given = nicFlags.map((flag) => parseNicFlag(flag) ?? (() => { throw new UsageError(`-m ${JSON.stringify(flag)}: expected name,mac (e.g. eth0,fa:16:3e:00:00:01)`); })());
    const { host, log, json } = await contextFor(args);

    const inputPath = resolve(args["network-data"]);
    const noFile = () => new UsageError(`-p ${args["network-data"]}: no such file`);
    const inputFs = createRealFs(await checkedRoot(dirname(inputPath), "-p").catch(() => Promise.reject(noFile())));
    const name = inputPath.slice(dirname(inputPath).length);
    if (!(await inputFs.exists(name))) throw noFile();
    const source = sourceOf(kind, await inputFs.readText(name), args["network-data"]);
    const nics: Nic[] = given.length ? given : await readHostNics(host.fs);
    log.withTag("render-network").debug(`NICs: ${nics.map((n) => `${n.name}=${n.mac}`).join(" ") || "none"}`);

    // Everything is converted, checked and rendered before the first file is written.
    const config = source ? parseWith(NetworkConfigSchema, toNetworkConfig(source, nics), `${args["network-data"]} (converted)`) : undefined;
    const files: Record<string, string> = config ? Object.assign({}, ...renderers.map((r) => RENDERERS[r](config))) : {};
    const paths = Object.keys(files).map(checkedPath);

    const outDir = resolve(args.directory);
    await createRealFs("/").mkdir(outDir, { mode: 0o755, recursive: true });
    const out = createRealFs(await checkedRoot(outDir, "-d"));
    for (const path of paths) {
      await out.mkdir(dirname(path), { mode: 0o755, recursive: true });
      await out.writeFile(path, files[path] as string, { mode: modeOf(path) });
    }
    const written = paths.map((p) => join(outDir, p));
    if (json) printJson({ renderer: renderers.join(","), distro, files: written, disabled: source === undefined });
    else printText(source ? written.join("\n") : `${args["network-data"]}: network config disabled; nothing written`);
  },
});

command.examples = [
  "agent render-network -p network_data.json -k network_data.json -d out -D ubuntu            # netplan, NICs from /sys/class/net",
  "agent render-network -p net.yaml -k yaml -d out -D rhel -O network-manager -m eth0,fa:16:3e:00:00:01",
  "agent render-network -p vm-data.json -k xen -d out -D debian --root /mnt/image           # NICs from the image's /sys copy",
  "agent render-network -p net.yaml -k yaml -d out -D debian -O eni,netplan,networkd,sysconfig,network-manager",
  "",
  "Files are written under OUTDIR as OUTDIR/etc/…; nothing is written unless all of the input is valid.",
  "Exit 0 done, 1 bad input (every bad field named), 2 usage.",
];

export default command;
