import { readProbed } from "../boot/read-probed.ts";
import { holderOf } from "../boot/boot-lock.ts";
import { HostError, UsageError } from "../errors.ts";
import { LockHeldError } from "../host/lock-held.ts";
import type { Host } from "../host/types.ts";
import type { ProbeOptions } from "../probe/index.ts";
import { virtioDetector } from "../probe/virtio.ts";
import { windowsCandidates, windowsSnapshot } from "../probe/windows.ts";
import { xenstoreEndpoints } from "../probe/xenstore.ts";
import { QGA_COMMANDS } from "../transports/virtio/commands/index.ts";
import { createDispatch } from "../transports/virtio/qga-dispatch.ts";
import { disabledBecause, unknownNames, type QgaPolicy } from "../transports/virtio/qga-policy.ts";
import { newQgaState, type QgaContext } from "../transports/virtio/qga-types.ts";
import { serveQgaDevice, serveQgaSocket } from "../transports/virtio/serve-qga.ts";
import { handleNovaRequest, type NovaSession } from "../transports/xenstore/nova/handle-request.ts";
import { readVmData } from "../transports/xenstore/read-vm-data.ts";
import { serveNovaAgent } from "../transports/xenstore/serve-nova-agent.ts";
import { executeCommand, type DaemonContext } from "./execute-command.ts";

export const DAEMON_TRANSPORTS = ["xenstore", "virtio"] as const;
export type DaemonTransport = (typeof DAEMON_TRANSPORTS)[number];

/** One daemon per machine (per --root tree): two would answer the same request twice. */
export const DAEMON_LOCK = "/run/tether/daemon.lock";

/** PowerShell's start is slow on a fresh Windows guest; the daemon waits for it once. */
const WINDOWS_PROBE_MS = 15_000;

/** Reading vm-data for resetnetwork: xenstored answers in milliseconds; the host waits 60 s. */
const VM_DATA_BUDGET_MS = 10_000;

/** agentupdate's download: Bun's binaries are ~110 MiB; the host's plugin waits 30 s by default, a slow mirror longer. */
const UPDATE_LIMITS = { maxBytes: 256 << 20, timeoutMs: 120_000 };

export interface DaemonOptions {
  transport?: DaemonTransport;
  /** `--listen unix:PATH`: serve QGA on a unix socket instead of a virtio port. */
  listen?: string;
  binaryPath: string;
  version: string;
  signal: AbortSignal;
  /** For the QGA channel: which commands are enabled. */
  policy: QgaPolicy;
  /** How tether-reset-network reads the instance data afresh (the same probe as boot). */
  probe: ProbeOptions;
}

interface Channel {
  transport: DaemonTransport;
  /** The endpoint, the port's device, or the socket to listen on. */
  location: string;
  listen: boolean;
}

/** The first XenStore endpoint present in the root, in the Xen tools' order. */
async function xenstoreEndpoint(host: Host): Promise<string | undefined> {
  for (const candidate of xenstoreEndpoints(host.env)) if (await host.fs.exists(candidate)) return candidate;
  return undefined;
}

/** Linux: the port's sysfs name and /dev/vportNpM. Windows: \\.\Global\<name>, from the probe's one PowerShell run. */
async function virtioPort(host: Host): Promise<{ device?: string; evidence: string }> {
  const [finding] =
    host.platform === "win32"
      ? windowsCandidates(await windowsSnapshot(host, WINDOWS_PROBE_MS)).filter((c) => c.transport === "virtio")
      : await virtioDetector.detect({ host, signal: AbortSignal.timeout(1000), metadataUrl: "" });
  return { ...(finding?.verdict === "found" && finding.location ? { device: finding.location } : {}), evidence: finding?.evidence.join("; ") ?? "no finding" };
}

function listenPath(flag: string): string {
  const path = flag.startsWith("unix:") ? flag.slice(5) : "";
  if (!path.startsWith("/")) throw new UsageError(`--listen ${JSON.stringify(flag)}: expected unix:/absolute/path`);
  return path;
}

/** Without --transport: XenStore where there is one, else a virtio agent port; nothing found is an error that says where it looked. */
async function chooseChannel(host: Host, options: DaemonOptions): Promise<Channel> {
  if (options.listen !== undefined) {
    if (options.transport === "xenstore") throw new UsageError("--listen serves the QGA protocol (virtio); XenStore is not served on a socket");
    return { transport: "virtio", location: listenPath(options.listen), listen: true };
  }
  const looked = `XenStore: none of ${xenstoreEndpoints(host.env).join(", ")} exists`;
  if (options.transport !== "virtio") {
    const endpoint = await xenstoreEndpoint(host);
    if (endpoint) return { transport: "xenstore", location: endpoint, listen: false };
    if (options.transport === "xenstore") throw new HostError(`agent daemon --transport xenstore: ${looked}`);
  }
  const port = await virtioPort(host);
  if (port.device) return { transport: "virtio", location: port.device, listen: false };
  if (options.transport === "virtio") throw new HostError(`agent daemon --transport virtio: no agent port (${port.evidence})`);
  throw new HostError(`agent daemon: no host channel found (${looked}; virtio: ${port.evidence})`);
}

function daemonContext(host: Host, channel: Channel, options: DaemonOptions): DaemonContext {
  return { host, transport: channel.transport, location: channel.location, binaryPath: options.binaryPath, update: UPDATE_LIMITS };
}

async function serveXenstore(host: Host, channel: Channel, options: DaemonOptions): Promise<void> {
  const log = host.log.withTag("daemon");
  const ctx = daemonContext(host, channel, options);
  const session: NovaSession = {};
  log.info(`serving the Nova agent protocol on ${channel.location}`);
  await serveNovaAgent(host, {
    endpoint: channel.location,
    signal: options.signal,
    answer: async (raw, id) => {
      const started = host.now();
      const reply = await handleNovaRequest(raw, session, {
        version: options.version,
        execute: async (command) => (await executeCommand(ctx, command)).message,
        readVmData: () => readVmData(host, channel.location, { budgetMs: VM_DATA_BUDGET_MS }),
      });
      const line = `request ${id}: ${reply.returncode}${reply.message && reply.returncode !== "D0" ? ` ${reply.message}` : ""} (${host.now() - started} ms)`;
      if (reply.returncode === "0" || reply.returncode === "D0") log.info(line);
      else log.warn(line);
      return reply;
    },
  });
}

async function serveVirtio(host: Host, channel: Channel, options: DaemonOptions): Promise<void> {
  const unknown = unknownNames(options.policy, QGA_COMMANDS);
  if (unknown.length) throw new UsageError(`allow-rpcs/block-rpcs name commands this agent does not have: ${unknown.join(", ")}`);
  const ctx = daemonContext(host, channel, options);
  const qga: QgaContext = {
    host,
    log: host.log.withTag("qga"),
    state: newQgaState(),
    version: options.version,
    execute: async (command) => (await executeCommand(ctx, command)).message,
    freshInstanceData: () => readProbed(host, options.probe),
    supported: () => QGA_COMMANDS.map((c) => ({ name: c.name, enabled: disabledBecause(c, options.policy) === null, successResponse: c.successResponse !== false })),
  };
  const dispatch = createDispatch(QGA_COMMANDS, options.policy, qga);
  const serve = { dispatch, signal: options.signal };
  await (channel.listen ? serveQgaSocket(host, channel.location, serve) : serveQgaDevice(host, channel.location, serve));
}

/**
 * The daemon: finds the host channel, takes the machine's lock and serves until `signal` aborts.
 * Every command goes through the same actions as boot (src/daemon/execute-command.ts).
 */
export async function runDaemon(host: Host, options: DaemonOptions): Promise<void> {
  const channel = await chooseChannel(host, options);
  const lock = await host.lock(DAEMON_LOCK, { holder: holderOf(host, "agent daemon") }).catch((error: unknown) => {
    throw error instanceof LockHeldError ? new HostError(`${error.message}: one agent daemon per machine`) : error;
  });
  try {
    await (channel.transport === "xenstore" ? serveXenstore(host, channel, options) : serveVirtio(host, channel, options));
    host.log.withTag("daemon").info("stopped");
  } finally {
    lock.release();
  }
}
