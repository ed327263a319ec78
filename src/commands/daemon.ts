import { defineCommand } from "citty";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
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

const daemon: AgentCommand = defineCommand({
  meta: {
    name: "daemon",
    description: "Answer the host's commands as a service: the Nova agent protocol over XenStore (version, features, keyinit, password, resetnetwork, injectfile, agentupdate)",
  },
  args: {
    ...globalArgs,
    transport: {
      type: "string",
      valueHint: "NAME",
      description: `The host channel: ${DAEMON_TRANSPORTS.join(" or ")}. Default: XenStore where found ($XENSTORED_PATH, /var/run/xenstored/socket, /dev/xen/xenbus, /proc/xen/xenbus)`,
    },
    binary: {
      type: "string",
      valueHint: "PATH",
      description: `The agent binary that agentupdate replaces (inside --root). Default: ${BIN}`,
    },
  },
  async run({ args }) {
    const transport = transportOf(args.transport);
    if (args.binary !== undefined && !args.binary.startsWith("/")) throw new UsageError(`--binary ${JSON.stringify(args.binary)}: expected an absolute path`);
    const signal = stopSignal();
    const { host } = await contextFor(args);
    await runDaemon(host, { ...(transport ? { transport } : {}), binaryPath: args.binary ?? BIN, version: VERSION, signal });
    return EXIT.ok;
  },
});

daemon.examples = [
  "agent daemon                                        # find the host channel and serve it until SIGTERM",
  "agent daemon --transport xenstore                   # XenStore or nothing: exit 1 where there is none",
  "XENSTORED_PATH=/run/xs.sock agent daemon --root /tmp/guest   # a test tree; scripts/dev-xenstored.ts",
  "                                                      #   --guest-socket /tmp/guest/run/xs.sock serves it",
  "",
  "Requests are read from data/host/<id> and answered in data/guest/<id> (return codes as strings:",
  "0 done, D0 keyinit, 404 unknown command, 500 malformed or failed). One daemon per machine: a second",
  "one exits 1. SIGTERM finishes the request in hand, then exits 0. xenstored restarts are survived.",
];

export default daemon;
