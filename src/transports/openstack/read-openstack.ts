import { InputError } from "../../errors.ts";
import { splitHostname } from "../../model/hostname.ts";
import type { InjectedFile, InstanceData } from "../../model/instance-data.ts";
import { isRecord, requireMapping } from "../../model/mapping.ts";
import { Secret } from "../../model/secret.ts";
import { parseWith } from "../../model/validate.ts";
import { parseJson, utf8 } from "../file-source.ts";
import { NetworkDataSchema, OpenstackMetaDataSchema } from "./meta-data-schema.ts";
import type { OpenstackSource } from "./openstack-source.ts";
import { pickVersion } from "./versions.ts";

export const LIMITS = { json: 1 << 20, userData: 16 << 20, file: 16 << 20, files: 64 << 20 } as const;

async function readJson(src: OpenstackSource, path: string): Promise<unknown | undefined> {
  const bytes = await src.get(path, LIMITS.json);
  if (!bytes) return undefined;
  const label = src.label(path);
  return parseJson(utf8(bytes, label), label);
}

/**
 * cloud-init's reading of vendor data: a string is the payload; an object carries it under
 * "cloud-init"; anything else has nothing for us.
 */
function vendorPayload(doc: unknown): Uint8Array | undefined {
  const payload = isRecord(doc) ? doc["cloud-init"] : doc;
  return typeof payload === "string" ? new TextEncoder().encode(payload) : undefined;
}

/** OpenSSH keys from both places Nova puts them, in order, without duplicates. */
function keysOf(meta: { public_keys?: Record<string, string>; keys?: { data: string }[] }): string[] {
  const all = [...Object.values(meta.public_keys ?? {}), ...(meta.keys ?? []).map((k) => k.data)].map((k) => k.trim()).filter(Boolean);
  return [...new Set(all)];
}

async function injectedFiles(src: OpenstackSource, files: { path: string; content_path: string }[]): Promise<InjectedFile[]> {
  const out: InjectedFile[] = [];
  let total = 0;
  for (const [i, file] of files.entries()) {
    const contentPath = file.content_path.replace(/^\//, "");
    const content = await src.get(contentPath, LIMITS.file);
    if (!content) throw new InputError(src.label(contentPath), [{ path: `files[${i}].content_path`, message: "names a file that does not exist" }]);
    total += content.length;
    if (total > LIMITS.files) throw new InputError(src.label("content"), [{ path: "files", message: `more than ${LIMITS.files} bytes of injected files` }]);
    out.push({ path: file.path, content });
  }
  return out;
}

/** Reads OpenStack's metadata tree (config drive or metadata service) into InstanceData. */
export async function readOpenstack(src: OpenstackSource, transport: "config-drive" | "metadata-http"): Promise<InstanceData> {
  const offered = await src.versions();
  const version = pickVersion(offered);
  if (!version) throw new InputError(src.label(""), [{ path: "", message: `no usable version: offered ${JSON.stringify(offered)}, need latest or a dated one` }]);

  const metaPath = `${version}/meta_data.json`;
  const metaLabel = src.label(metaPath);
  const metaDoc = await readJson(src, metaPath);
  if (metaDoc === undefined) throw new InputError(metaLabel, [{ path: "", message: "missing: OpenStack metadata needs meta_data.json" }]);
  const meta = parseWith(OpenstackMetaDataSchema, requireMapping(metaDoc, metaLabel, "keys (uuid, hostname, …)"), metaLabel);

  const netPath = `${version}/network_data.json`;
  const netDoc = await readJson(src, netPath);
  const netLabel = src.label(netPath);
  const network = netDoc === undefined ? undefined : parseWith(NetworkDataSchema, requireMapping(netDoc, netLabel, "links, networks and services"), netLabel);

  const { uuid, hostname, public_keys, keys, admin_pass, files, random_seed, ...rest } = meta;
  const data: InstanceData = {
    source: { transport, location: src.name },
    instanceId: uuid,
    publicKeys: keysOf({ public_keys, keys }),
    files: await injectedFiles(src, files ?? []),
    metadata: { ...rest, version, ...(random_seed ? { random_seed: "(present)" } : {}) },
  };
  if (hostname) Object.assign(data, splitHostname(hostname));
  if (admin_pass) data.adminPassword = new Secret(admin_pass);
  if (network) data.network = { format: "openstack", source: netLabel, config: network };
  const userData = await src.get(`${version}/user_data`, LIMITS.userData);
  if (userData) data.userData = userData;
  const vendor = vendorPayload(await readJson(src, `${version}/vendor_data.json`)) ?? vendorPayload(await readJson(src, `${version}/vendor_data2.json`));
  if (vendor) data.vendorData = vendor;
  return data;
}
