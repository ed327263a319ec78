import { defineCommand } from "citty";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import { budgetOf, metadataUrlOf, probeArgs } from "../cli/probe-flags.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
import { DAEMON_CONFIG, policyOf, readDaemonConfig } from "../daemon/daemon-config.ts";
import { DAEMON_TRANSPORTS, runDaemon, type DaemonTransport } from "../daemon/run-daemon.ts";
import { EXIT, UsageError } from "../errors.ts";
import { stopSignal } from "../host/signals.ts";
import { BIN } from "../install/units.ts";
import { VERSION } from "../version.ts";

function transportOf(flag: string | undefined): DaemonTransport | undefined {
  if (flag === undefined) return undefined;
  if (!(DAEMON_TRANSPORTS as readonly string[]).includes(flag)) throw new UsageError(`--transport ${JSON.stringify(flag)}: expected one of ${DAEMON_TRANSPORTS.join(", ")}`);
  return flag as DaemonTransport;
}

/** "a,b , c" → ["a", "b", "c"], as qemu-ga takes --allow-rpcs. */
function namesOf(flag: string | undefined, name: string): string[] | undefined {
  if (flag === undefined) return undefined;
  const names = flag.split(",").map((n) => n.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`--${name}: expected a comma-separated list of command names`);
  return names;
}

const daemon: AgentCommand = defineCommand({
  meta: {
    name: "daemon",
    description: "Answer the host's commands as a service: the Nova agent protocol over XenStore, or the QEMU guest agent protocol over a virtio-serial port",
  },
  args: {
    ...globalArgs,
    transport: {
      type: "string",
      valueHint: "NAME",
      description: `The host channel: ${DAEMON_TRANSPORTS.join(" or ")}. Default: XenStore where found ($XENSTORED_PATH, /var/run/xenstored/socket, /dev/xen/xenbus, /proc/xen/xenbus), else the virtio port org.qemu.guest_agent.0 (or org.tether.agent.0)`,
    },
    listen: {
      type: "string",
      valueHint: "unix:PATH",
      description: "Serve the QEMU guest agent protocol on a unix socket (inside --root, mode 0600) instead of a virtio port, like qemu-ga -m unix-listen",
    },
    "allow-rpcs": { type: "string", valueHint: "LIST", description: `QGA: enable only these commands (comma-separated; default: the allow-rpcs of ${DAEMON_CONFIG}, else all)` },
    "block-rpcs": { type: "string", valueHint: "LIST", description: `QGA: disable these commands (added to the block-rpcs of ${DAEMON_CONFIG})` },
    binary: {
      type: "string",
      valueHint: "PATH",
      description: `The agent binary that agentupdate replaces (inside --root). Default: ${BIN}`,
    },
    ...probeArgs,
  },
  async run({ args }) {
    const transport = transportOf(args.transport);
    if (args.binary !== undefined && !args.binary.startsWith("/")) throw new UsageError(`--binary ${JSON.stringify(args.binary)}: expected an absolute path`);
    const allow = namesOf(args["allow-rpcs"], "allow-rpcs");
    const block = namesOf(args["block-rpcs"], "block-rpcs");
    const probe = { metadataUrl: metadataUrlOf(args["metadata-url"]), budgetMs: budgetOf(args["budget-ms"]), startedAt: 0 };
    const signal = stopSignal();
    const { host } = await contextFor(args);
    const policy = policyOf(await readDaemonConfig(host), { ...(allow ? { allow } : {}), ...(block ? { block } : {}) });
    await runDaemon(host, {
      ...(transport ? { transport } : {}),
      ...(args.listen !== undefined ? { listen: args.listen } : {}),
      binaryPath: args.binary ?? BIN,
      version: VERSION,
      signal,
      policy,
      probe,
    });
    return EXIT.ok;
  },
});

daemon.examples = [
  "agent daemon                                        # find the host channel and serve it until SIGTERM",
  "agent daemon --transport xenstore                   # XenStore or nothing: exit 1 where there is none",
  "agent daemon --listen unix:/run/qga.sock --block-rpcs guest-exec,guest-exec-status",
  "XENSTORED_PATH=/run/xs.sock agent daemon --root /tmp/guest   # a test tree; scripts/dev-xenstored.ts",
  "                                                      #   --guest-socket /tmp/guest/run/xs.sock serves it",
  "",
  "XenStore (Nova agent): requests are read from data/host/<id> and answered in data/guest/<id>",
  "(return codes as strings: 0 done, D0 keyinit, 404 unknown command, 500 malformed or failed).",
  "virtio (QEMU guest agent): JSON requests, one reply line each, as qemu-ga; guest-info lists the",
  `commands and whether they are enabled. ${DAEMON_CONFIG} (YAML) may say qga: {allow-rpcs, block-rpcs,`,
  "exec: false, file-access: false}. One daemon per machine: a second one exits 1. SIGTERM finishes",
  "the request in hand, then exits 0. A restarted xenstored or a host that reconnects is served again.",
];

export default daemon;
