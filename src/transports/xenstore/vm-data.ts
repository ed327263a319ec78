import { InputError, type Problem } from "../../errors.ts";
import { isHostname, splitHostname } from "../../model/hostname.ts";
import type { InstanceData } from "../../model/instance-data.ts";
import { tooDeep, tooLarge, tooMany, tooManyNodes, VM_DATA_LIMITS } from "./vm-data-limits.ts";

/** vm-data/provider_data as stored: leaves are strings, inner nodes are objects. */
export type ProviderData = { [name: string]: string | ProviderData };

/** What the reader found in the domain's XenStore home, every value raw as it is stored. */
export interface VmDataTree {
  /** The `vm` key beside vm-data, "/vm/<uuid>": the toolstack's name for this domain. */
  vm?: string;
  hostname?: string;
  /** vm-data/networking/<mac without colons> → its JSON text. */
  networking?: Record<string, string>;
  /** vm-data/user-metadata/<key> → its JSON text. */
  userMetadata?: Record<string, string>;
  providerData?: ProviderData;
}

export interface VmDataIds {
  /** Where the tree was read (the xenstored socket or xenbus device): the source in every error. */
  location: string;
  /** /sys/hypervisor/uuid as the guest kernel shows it, if it does. */
  hypervisorUuid?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NULL_UUID = "00000000-0000-0000-0000-000000000000";

/** Some toolstacks store values with their C string's NUL, and hand-written ones end in a newline. */
export function trimValue(raw: string): string {
  return raw.replace(/[\0\r\n]+$/, "");
}

/** Why a candidate is no instance id, or null when it is one. */
function uuidProblem(value: string): string | null {
  if (!UUID.test(value)) return `${JSON.stringify(value)} is not a UUID`;
  if (value === NULL_UUID) return "the null UUID (dom0's, not a guest's)";
  return null;
}

/**
 * XenStore vm-data carries no instance id, so the domain's own UUID stands in: xapi gives each VM a
 * UUID for its life (kept across reboots and migration, new for a new VM) and names the domain
 * with it, which is what "instance" means to the per-instance actions. The `vm` key says it in
 * XenStore itself; /sys/hypervisor/uuid is the same UUID as the guest kernel sees it, for a
 * toolstack that does not let the guest read `vm`. It is not Nova's instance uuid (XenAPI keeps
 * that in other_config, out of the guest's sight), so it is used bare, as every other source
 * uses its cloud's id: no prefix.
 */
export function instanceIdOf(vm: string | undefined, hypervisorUuid: string | undefined): { id: string; from: string } | { problem: string } {
  const seen: string[] = [];
  if (vm !== undefined) {
    const value = trimValue(vm);
    const uuid = /^\/vm\/([^/]+)\/?$/.exec(value)?.[1];
    const why = uuid === undefined || !UUID.test(uuid) ? `${JSON.stringify(value)} is not /vm/<uuid>` : uuidProblem(uuid);
    if (!why) return { id: (uuid as string).toLowerCase(), from: "vm" };
    seen.push(`vm: ${why}`);
  } else seen.push("vm: absent");
  if (hypervisorUuid !== undefined) {
    const value = hypervisorUuid.trim();
    const why = uuidProblem(value);
    if (!why) return { id: value.toLowerCase(), from: "/sys/hypervisor/uuid" };
    seen.push(`/sys/hypervisor/uuid: ${why}`);
  } else seen.push("/sys/hypervisor/uuid: absent");
  return { problem: `no instance id: vm-data has none, and no domain UUID was found (looked at ${seen.join("; ")})` };
}

function hostnameOf(raw: string, problems: Problem[]): { hostname: string; fqdn?: string } | undefined {
  const name = trimValue(raw);
  // An empty node is the toolstack saying nothing, not naming the machine "".
  if (name === "") return undefined;
  if (isHostname(name)) return splitHostname(name);
  problems.push({ path: "vm-data/hostname", message: `expected a host name (letters, digits, inner hyphens; labels of 1-63, 253 in all), got ${JSON.stringify(name)}` });
  return undefined;
}

function networkingOf(entries: Record<string, string>, problems: Problem[]): Record<string, string> {
  const over = tooMany("vm-data/networking", Object.keys(entries).length, VM_DATA_LIMITS.networking);
  if (over) problems.push(over);
  return Object.fromEntries(
    Object.entries(entries).flatMap(([key, raw]) => {
      const big = tooLarge(`vm-data/networking/${key}`, raw);
      if (big) return problems.push(big), [];
      return [[key, trimValue(raw)]];
    }),
  );
}

function userMetadataOf(entries: Record<string, string>, problems: Problem[]): Record<string, unknown> {
  const over = tooMany("vm-data/user-metadata", Object.keys(entries).length, VM_DATA_LIMITS.userMetadata);
  if (over) problems.push(over);
  return Object.fromEntries(
    Object.entries(entries).flatMap(([key, raw]) => {
      const path = `vm-data/user-metadata/${key}`;
      const big = tooLarge(path, raw);
      if (big) return problems.push(big), [];
      try {
        return [[key, JSON.parse(trimValue(raw)) as unknown]];
      } catch (error) {
        problems.push({ path, message: `invalid JSON: ${(error as Error).message}` });
        return [];
      }
    }),
  );
}

/** Checks depth, node count and value sizes; the first node past the count is the one named. */
function providerDataOf(data: ProviderData, problems: Problem[]): ProviderData {
  let nodes = 0;
  const walk = (node: ProviderData, path: string, depth: number): ProviderData => {
    const out: [string, string | ProviderData][] = [];
    for (const [name, child] of Object.entries(node)) {
      const at = `${path}/${name}`;
      if (++nodes > VM_DATA_LIMITS.providerNodes) {
        if (nodes === VM_DATA_LIMITS.providerNodes + 1) problems.push(tooManyNodes(at));
        continue;
      }
      if (typeof child === "string") {
        const big = tooLarge(at, child);
        if (big) problems.push(big);
        else out.push([name, trimValue(child)]);
      } else if (depth >= VM_DATA_LIMITS.providerDepth && Object.keys(child).length) {
        problems.push(tooDeep(at));
      } else out.push([name, walk(child, at, depth + 1)]);
    }
    return Object.fromEntries(out);
  };
  return walk(data, "vm-data/provider_data", 1);
}

/**
 * vm-data as Nova's XenAPI driver writes it (PROTOCOLS.md §2) → InstanceData. Networking is carried
 * as the text XenStore holds: fromXen validates it against the machine's NICs and names each field.
 * Nothing else Nova delivers arrives here: keys, files and user-data come by config drive or the
 * agent's commands. Every problem is collected, so one run names them all.
 */
export function vmDataToInstanceData(tree: VmDataTree, ids: VmDataIds): InstanceData {
  const { location } = ids;
  const problems: Problem[] = [];
  const id = instanceIdOf(tree.vm, ids.hypervisorUuid);
  if ("problem" in id) problems.push({ path: "", message: id.problem });
  const name = tree.hostname === undefined ? undefined : hostnameOf(tree.hostname, problems);
  const networking = tree.networking && networkingOf(tree.networking, problems);
  const metadata: Record<string, unknown> = {};
  if (tree.userMetadata) metadata["user-metadata"] = userMetadataOf(tree.userMetadata, problems);
  if (tree.providerData) metadata.provider_data = providerDataOf(tree.providerData, problems);
  if (problems.length || "problem" in id) throw new InputError(location, problems);

  const data: InstanceData = { source: { transport: "xenstore", location }, instanceId: id.id, publicKeys: [], files: [], metadata };
  if (name) Object.assign(data, name);
  // No entries is the toolstack configuring no NIC: the machine's network is left as it is.
  if (networking && Object.keys(networking).length) data.network = { format: "xen", source: `${location} vm-data/networking`, config: networking };
  return data;
}
