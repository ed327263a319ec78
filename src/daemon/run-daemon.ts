import { HostError, NotBuiltError, UsageError } from "../errors.ts";
import type { Host } from "../host/types.ts";
import { virtioDetector } from "../probe/virtio.ts";
import { xenstoreEndpoints } from "../probe/xenstore.ts";
import { handleNovaRequest, type NovaSession } from "../transports/xenstore/nova/handle-request.ts";
import { readVmData } from "../transports/xenstore/read-vm-data.ts";
import { serveNovaAgent } from "../transports/xenstore/serve-nova-agent.ts";
import { executeCommand, type DaemonContext } from "./execute-command.ts";

export const DAEMON_TRANSPORTS = ["xenstore", "virtio"] as const;
export type DaemonTransport = (typeof DAEMON_TRANSPORTS)[number];

/** One daemon per machine (per --root tree): two would answer the same request twice. */
export const DAEMON_LOCK = "/run/tether/daemon.lock";

/** Reading vm-data for resetnetwork: xenstored answers in milliseconds; the host waits 60 s. */
const VM_DATA_BUDGET_MS = 10_000;

export interface DaemonOptions {
  transport?: DaemonTransport;
  binaryPath: string;
  version: string;
  signal: AbortSignal;
}

/** agentupdate's download: Bun's binaries are ~110 MiB; the host's plugin waits 30 s by default, a slow mirror longer. */
const UPDATE_LIMITS = { maxBytes: 256 << 20, timeoutMs: 120_000 };

/** The first XenStore endpoint present in the root, in the Xen tools' order. */
async function xenstoreEndpoint(host: Host): Promise<string | undefined> {
  for (const candidate of xenstoreEndpoints(host.env)) if (await host.fs.exists(candidate)) return candidate;
  return undefined;
}

/** Without --transport: XenStore where there is one, else a virtio port; nothing found is an error that says where it looked. */
async function chooseTransport(host: Host, wanted: DaemonTransport | undefined): Promise<{ transport: DaemonTransport; location: string }> {
  if (wanted === "virtio") throw new NotBuiltError("agent daemon --transport virtio (the QEMU guest agent protocol)", 9);
  const endpoint = await xenstoreEndpoint(host);
  if (endpoint) return { transport: "xenstore", location: endpoint };
  const looked = `XenStore: none of ${xenstoreEndpoints(host.env).join(", ")} exists`;
  if (wanted === "xenstore") throw new HostError(`agent daemon --transport xenstore: ${looked}`);
  const [virtio] = await virtioDetector.detect({ host, signal: AbortSignal.timeout(1000), metadataUrl: "" });
  if (virtio?.verdict === "found") throw new NotBuiltError(`agent daemon on ${virtio.location} (the QEMU guest agent protocol)`, 9);
  throw new HostError(`agent daemon: no host channel found (${looked}; no virtio-serial agent port)`);
}

/**
 * The daemon: takes the machine's lock, finds the host channel and serves it until `signal`
 * aborts. Every command goes through the same actions as boot (src/daemon/execute-command.ts).
 */
export async function runDaemon(host: Host, options: DaemonOptions): Promise<void> {
  if (options.transport && !(DAEMON_TRANSPORTS as readonly string[]).includes(options.transport)) throw new UsageError(`--transport ${options.transport}: expected one of ${DAEMON_TRANSPORTS.join(", ")}`);
  const log = host.log.withTag("daemon");
  const { transport, location } = await chooseTransport(host, options.transport);
  const lock = await host.lock(DAEMON_LOCK);
  try {
    const ctx: DaemonContext = { host, transport, location, binaryPath: options.binaryPath, update: UPDATE_LIMITS };
    const session: NovaSession = {};
    log.info(`serving the Nova agent protocol on ${location}`);
    await serveNovaAgent(host, {
      endpoint: location,
      signal: options.signal,
      answer: async (raw, id) => {
        const started = host.now();
        const reply = await handleNovaRequest(raw, session, {
          version: options.version,
          execute: async (command) => (await executeCommand(ctx, command)).message,
          readVmData: () => readVmData(host, location, { budgetMs: VM_DATA_BUDGET_MS }),
        });
        const line = `request ${id}: ${reply.returncode}${reply.message && reply.returncode !== "D0" ? ` ${reply.message}` : ""} (${host.now() - started} ms)`;
        if (reply.returncode === "0" || reply.returncode === "D0") log.info(line);
        else log.warn(line);
        return reply;
      },
    });
    log.info("stopped");
  } finally {
    lock.release();
  }
}
