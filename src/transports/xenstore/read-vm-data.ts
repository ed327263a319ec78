import { HostError, InputError, type Problem } from "../../errors.ts";
import type { Host } from "../../host/types.ts";
import type { InstanceData } from "../../model/instance-data.ts";
import { XenstoreClient, XenstoreError } from "./client.ts";
import { instanceIdOf, vmDataToInstanceData, type ProviderData, type VmDataIds, type VmDataTree } from "./vm-data.ts";
import { tooDeep, tooMany, tooManyNodes, VM_DATA_LIMITS } from "./vm-data-limits.ts";
import { WireError } from "./wire.ts";

export interface VmDataOptions {
  /** The whole read, connecting included: a xenstored that stops answering fails the boot this soon. */
  budgetMs: number;
  signal?: AbortSignal;
}

const HYPERVISOR_UUID = "/sys/hypervisor/uuid";

/**
 * Settles with `work`, or rejects once `signal` aborts. The xenbus device's reads cannot be
 * cancelled (a blocked read() ignores the signal), so the deadline is kept here, not trusted to the
 * stream; the abandoned read ends when the stream is closed.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (error) => (signal.removeEventListener("abort", onAbort), reject(error)),
    );
  });
}

/** A bounded early stop, before the rest is read: the pure part checks the same limits again. */
function refuse(location: string, problem: Problem | undefined): void {
  if (problem) throw new InputError(location, [problem]);
}

/** One connection's questions, each under the deadline; ENOENT is an answer ("not there"), not a failure. */
class VmDataSession {
  /** The path being asked about, for the error when xenstored stops answering. */
  asking = "";
  constructor(
    readonly client: XenstoreClient,
    readonly deadline: AbortSignal,
  ) {}

  async #ask<T>(path: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    this.asking = path;
    try {
      return await untilAborted(work(this.deadline), this.deadline);
    } catch (error) {
      if (error instanceof XenstoreError && error.errno === "ENOENT") return undefined;
      throw error;
    }
  }

  read(path: string): Promise<string | undefined> {
    return this.#ask(path, (signal) => this.client.read(path, signal));
  }

  directory(path: string): Promise<string[] | undefined> {
    return this.#ask(path, (signal) => this.client.directory(path, signal));
  }

  /** Every leaf under `path`, counted against the limit before it is read; vanished entries are skipped. */
  async leaves(path: string, limit: number, location: string): Promise<Record<string, string>> {
    const names = (await this.directory(path)) ?? [];
    refuse(location, tooMany(path, names.length, limit));
    const entries: [string, string][] = [];
    for (const name of names) {
      const value = await this.read(`${path}/${name}`);
      if (value !== undefined) entries.push([name, value]);
    }
    return Object.fromEntries(entries);
  }

  /** vm-data/provider_data, depth and node count bounded as it is walked. */
  async providerData(location: string): Promise<ProviderData> {
    let nodes = 0;
    const walk = async (path: string, depth: number): Promise<ProviderData> => {
      const entries: [string, string | ProviderData][] = [];
      for (const name of (await this.directory(path)) ?? []) {
        const at = `${path}/${name}`;
        if (++nodes > VM_DATA_LIMITS.providerNodes) refuse(location, tooManyNodes(at));
        const children = (await this.directory(at)) ?? [];
        if (children.length === 0) {
          const value = await this.read(at);
          if (value !== undefined) entries.push([name, value]);
        } else {
          if (depth >= VM_DATA_LIMITS.providerDepth) refuse(location, tooDeep(at));
          entries.push([name, await walk(at, depth + 1)]);
        }
      }
      return Object.fromEntries(entries);
    };
    return walk("vm-data/provider_data", 1);
  }
}

/** Relative paths throughout: xenstored resolves them under the domain's home, /local/domain/<domid>. */
async function readTree(session: VmDataSession, location: string): Promise<VmDataTree> {
  const top = await session.directory("vm-data");
  if (top === undefined) throw new InputError(location, [{ path: "", message: "no vm-data in XenStore (the toolstack wrote none for this domain)" }]);
  const tree: VmDataTree = {};
  // `vm` has a fallback (/sys/hypervisor/uuid): a toolstack that hides it must not stop the boot.
  const vm = await session.read("vm").catch((error: unknown) => {
    if (error instanceof XenstoreError) return undefined;
    throw error;
  });
  if (vm !== undefined) tree.vm = vm;
  if (top.includes("hostname")) {
    const hostname = await session.read("vm-data/hostname");
    if (hostname !== undefined) tree.hostname = hostname;
  }
  if (top.includes("networking")) tree.networking = await session.leaves("vm-data/networking", VM_DATA_LIMITS.networking, location);
  if (top.includes("user-metadata")) tree.userMetadata = await session.leaves("vm-data/user-metadata", VM_DATA_LIMITS.userMetadata, location);
  if (top.includes("provider_data")) tree.providerData = await session.providerData(location);
  return tree;
}

/** The domain's UUID as the guest kernel shows it; only asked for when `vm` gave none. */
async function hypervisorUuid(host: Host): Promise<string | undefined> {
  try {
    if (!(await host.fs.exists(HYPERVISOR_UUID))) return undefined;
    return new TextDecoder().decode(await host.fs.readRange(HYPERVISOR_UUID, 0, 128));
  } catch (error) {
    host.log.withTag("xenstore").warn(`${HYPERVISOR_UUID}: unreadable (${(error as Error).message})`);
    return undefined;
  }
}

/**
 * Reads the instance data Nova's XenAPI driver leaves in XenStore (vm-data/…) over the xenstored
 * socket or xenbus device at `endpoint`, all under one deadline. Bad or oversized data is an
 * InputError naming the XenStore path; a xenstored that fails or stops answering is a HostError
 * naming the endpoint. The connection is always closed.
 */
export async function readVmData(host: Host, endpoint: string, options: VmDataOptions): Promise<InstanceData> {
  const log = host.log.withTag("xenstore");
  const timer = AbortSignal.timeout(Math.max(1, options.budgetMs));
  const deadline = options.signal ? AbortSignal.any([timer, options.signal]) : timer;
  let session: VmDataSession | undefined;
  let tree: VmDataTree;
  const opening = host.openStream(endpoint);
  // A connection that completes after the deadline has nobody to close it but this.
  opening.then((stream) => deadline.aborted && !session && stream.close(), () => {});
  try {
    const stream = await untilAborted(opening, deadline);
    session = new VmDataSession(new XenstoreClient(stream), deadline);
    tree = await readTree(session, endpoint);
  } catch (error) {
    const at = session?.asking ? ` (asking for ${session.asking})` : "";
    if (options.signal?.aborted) throw new HostError(`${endpoint}: reading vm-data was cancelled${at}`);
    if (timer.aborted) throw new HostError(`${endpoint}: xenstored gave no answer within ${options.budgetMs} ms${at}`);
    if (error instanceof XenstoreError) throw new HostError(`${endpoint}: xenstored refused ${error.path}: ${error.errno}`);
    if (error instanceof WireError) throw new HostError(`${endpoint}: ${error.message}${at}`);
    throw error;
  } finally {
    session?.client.close();
  }
  const ids: VmDataIds = { location: endpoint };
  const fromVm = "id" in instanceIdOf(tree.vm, undefined);
  if (!fromVm) {
    const uuid = await hypervisorUuid(host);
    if (uuid !== undefined) ids.hypervisorUuid = uuid;
  }
  const data = vmDataToInstanceData(tree, ids);
  const networking = Object.keys(tree.networking ?? {}).length;
  log.debug(
    `vm-data at ${endpoint}: instance ${data.instanceId} (from ${fromVm ? "vm" : HYPERVISOR_UUID}), hostname ${data.fqdn ?? data.hostname ?? "none"}, ${networking} networking entr${networking === 1 ? "y" : "ies"}`,
  );
  return data;
}
