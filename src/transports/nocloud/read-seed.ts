import { InputError } from "../../errors.ts";
import type { InstanceData } from "../../model/instance-data.ts";
import { requireMapping } from "../../model/mapping.ts";
import { parseWith } from "../../model/validate.ts";
import { parseYaml } from "../../parse/yaml.ts";
import type { FileTree } from "../file-tree.ts";
import { NocloudMetaDataSchema } from "./meta-data.ts";
import { readNetworkConfig } from "./network-config.ts";

/** Larger files are refused before they are read: a seed is configuration, not a payload. */
export const LIMITS = { "meta-data": 1 << 20, "network-config": 1 << 20, "user-data": 16 << 20, "vendor-data": 16 << 20 };
type SeedFile = keyof typeof LIMITS;

async function readSeedFile(tree: FileTree, location: string, name: SeedFile): Promise<Uint8Array | undefined> {
  const source = `${location}/${name}`;
  const stat = await tree.stat(`/${name}`);
  if (!stat) return undefined;
  if (stat.type !== "file") throw new InputError(source, [{ path: "", message: `expected a regular file, found a ${stat.type}` }]);
  if (stat.size > LIMITS[name]) {
    throw new InputError(source, [{ path: "", message: `${stat.size} bytes is over the limit of ${LIMITS[name]} bytes` }]);
  }
  return tree.readFile(`/${name}`);
}

function utf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(source, [{ path: "", message: "not valid UTF-8 text" }]);
  }
}

/**
 * Reads a NoCloud seed (cloud-init's DataSourceNoCloud layout: meta-data, user-data, vendor-data,
 * network-config at the top of a directory or a `cidata` volume). `location` names it in errors.
 */
export async function readNocloudSeed(tree: FileTree, location: string): Promise<InstanceData> {
  const metaBytes = await readSeedFile(tree, location, "meta-data");
  if (!metaBytes) throw new InputError(`${location}/meta-data`, [{ path: "", message: "missing: a NoCloud seed needs meta-data with an instance-id" }]);
  const metaSource = `${location}/meta-data`;
  const metaDoc = requireMapping(parseYaml(utf8(metaBytes, metaSource), metaSource), metaSource, "keys (instance-id, local-hostname, …)");
  const meta = parseWith(NocloudMetaDataSchema, metaDoc, metaSource);

  const netSource = `${location}/network-config`;
  const netBytes = await readSeedFile(tree, location, "network-config");
  const network = netBytes ? readNetworkConfig(parseYaml(utf8(netBytes, netSource), netSource), netSource) : undefined;

  const { "instance-id": instanceId, "local-hostname": localHostname, hostname, "public-keys": publicKeys, ...rest } = meta;
  const data: InstanceData = {
    source: { transport: "nocloud", location },
    instanceId,
    publicKeys: publicKeys ?? [],
    metadata: rest,
  };
  const name = localHostname ?? hostname;
  if (name !== undefined) data.hostname = name;
  const userData = await readSeedFile(tree, location, "user-data");
  if (userData) data.userData = userData;
  const vendorData = await readSeedFile(tree, location, "vendor-data");
  if (vendorData) data.vendorData = vendorData;
  if (network) data.network = network;
  return data;
}
