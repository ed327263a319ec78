import type { ConsolaInstance } from "consola/core";
import { InputError } from "../../errors.ts";
import { splitHostname } from "../../model/hostname.ts";
import type { InstanceData } from "../../model/instance-data.ts";
import { parseWith } from "../../model/validate.ts";
import { parseJson, utf8 } from "../file-source.ts";
import { Ec2InterfaceSchema, Ec2LeavesSchema, hostnameOfAddress, IdentityDocumentSchema, KeyIndexSchema, MacIndexSchema, OpensshKeysSchema, type Ec2Interface } from "./ec2-schema.ts";
import { openEc2Session, type Ec2Session } from "./ec2-session.ts";
import type { MetadataFetcher } from "./fetcher.ts";

/** What one answer may weigh. EC2 caps user data at 16 KiB; compatible clouds allow more. */
export const EC2_LIMITS = { leaf: 64 << 10, document: 1 << 20, userData: 16 << 20 } as const;

const META = "/latest/meta-data/";

/** Leaves beside instance-id that are worth keeping; each may be absent (404). */
const OPTIONAL_LEAVES = ["local-hostname", "hostname", "public-hostname", "ami-id", "instance-type", "placement/availability-zone", "placement/region", "local-ipv4", "public-ipv4", "mac"] as const;

/** The per-interface leaves the network converter needs; the multi-line ones become lists. */
const INTERFACE_LEAVES = ["device-number", "local-ipv4s", "subnet-ipv4-cidr-block", "ipv6s", "subnet-ipv6-cidr-blocks", "mac"] as const;
const LIST_LEAVES = new Set<string>(["local-ipv4s", "ipv6s", "subnet-ipv6-cidr-blocks"]);

const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);

function reader(session: Ec2Session, fetcher: MetadataFetcher) {
  return async function text(path: string, expect: string, maxBytes: number = EC2_LIMITS.leaf): Promise<string | undefined> {
    const body = await session.get(path, { maxBytes, expect });
    return body === undefined ? undefined : utf8(body, fetcher.url(path)).trim();
  };
}

type Text = ReturnType<typeof reader>;

async function readLeaves(text: Text, url: string) {
  const id = await text(`${META}instance-id`, "the instance id");
  if (id === undefined) throw new InputError(`${url}instance-id`, [{ path: "", message: "missing (404): the EC2 metadata service must name the instance" }]);
  const values = await Promise.all(OPTIONAL_LEAVES.map((leaf) => text(`${META}${leaf}`, leaf)));
  const raw: Record<string, string> = { "instance-id": id };
  OPTIONAL_LEAVES.forEach((leaf, i) => {
    if (values[i] !== undefined) raw[leaf] = values[i];
  });
  return parseWith(Ec2LeavesSchema, raw, url);
}

/** Keys in index order; the names stay in metadata (they say which key pair it was). */
async function readKeys(text: Text, fetcher: MetadataFetcher): Promise<{ keys: string[]; names: Record<string, string> }> {
  const listing = await text(`${META}public-keys/`, "the public key index (INDEX=NAME lines)");
  if (listing === undefined) return { keys: [], names: {} };
  const entries = parseWith(KeyIndexSchema, lines(listing), fetcher.url(`${META}public-keys/`));
  const keys = await Promise.all(
    entries.map(async ({ index }) => {
      const path = `${META}public-keys/${index}/openssh-key`;
      const body = await text(path, "an OpenSSH public key");
      return body === undefined ? [] : parseWith(OpensshKeysSchema, lines(body), fetcher.url(path));
    }),
  );
  return { keys: [...new Set(keys.flat())], names: Object.fromEntries(entries.map((e) => [e.index, e.name])) };
}

async function readInterfaces(text: Text, fetcher: MetadataFetcher): Promise<Record<string, Ec2Interface> | undefined> {
  const dir = `${META}network/interfaces/macs/`;
  const listing = await text(dir, "the interfaces' MAC addresses (MAC/ lines)");
  if (listing === undefined) return undefined;
  // Validated before they name a URL: a MAC is all a listing line may be, never a path of its own.
  const macs = parseWith(MacIndexSchema, lines(listing), fetcher.url(dir));
  const entries = await Promise.all(
    macs.map(async (mac) => {
      const values = await Promise.all(INTERFACE_LEAVES.map((leaf) => text(`${dir}${mac}/${leaf}`, leaf)));
      const raw: Record<string, string | string[]> = {};
      INTERFACE_LEAVES.forEach((leaf, i) => {
        const value = values[i];
        if (value !== undefined) raw[leaf] = LIST_LEAVES.has(leaf) ? lines(value) : value;
      });
      return [mac.toLowerCase(), parseWith(Ec2InterfaceSchema, raw, fetcher.url(`${dir}${mac}/`))] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function readIdentity(text: Text, fetcher: MetadataFetcher): Promise<Record<string, unknown> | undefined> {
  const path = "/latest/dynamic/instance-identity/document";
  const body = await text(path, "the instance identity document (JSON)", EC2_LIMITS.document);
  if (body === undefined) return undefined;
  const url = fetcher.url(path);
  return parseWith(IdentityDocumentSchema, parseJson(body, url), url);
}

function hostnameOf(leaves: { "local-hostname"?: string; hostname?: string }): { hostname: string; fqdn?: string } | undefined {
  const name = (leaves["local-hostname"] ?? leaves.hostname)?.split(/\s+/)[0];
  return name ? splitHostname(hostnameOfAddress(name)) : undefined;
}

/** Reads the EC2 metadata tree (IMDSv2 where offered, else IMDSv1) into InstanceData. */
export async function readEc2(fetcher: MetadataFetcher, log: ConsolaInstance): Promise<InstanceData> {
  const session = await openEc2Session(fetcher, log);
  const text = reader(session, fetcher);
  const leaves = await readLeaves(text, fetcher.url(META));
  const [keys, macs, identity, userData] = await Promise.all([
    readKeys(text, fetcher),
    readInterfaces(text, fetcher),
    readIdentity(text, fetcher),
    session.get("/latest/user-data", { maxBytes: EC2_LIMITS.userData, expect: "the user data" }),
  ]);
  log.debug(`EC2 metadata (IMDS${session.imds}): instance ${leaves["instance-id"]}, ${keys.keys.length} keys, ${Object.keys(macs ?? {}).length} interfaces`);

  const { "instance-id": instanceId, ...rest } = leaves;
  const data: InstanceData = {
    source: { transport: "metadata-http", location: fetcher.baseUrl },
    instanceId,
    publicKeys: keys.keys,
    files: [],
    metadata: {
      service: "ec2",
      imds: session.imds,
      ...rest,
      ...(Object.keys(keys.names).length ? { "public-keys": keys.names } : {}),
      ...(identity ? { "instance-identity": identity } : {}),
    },
  };
  const name = hostnameOf(leaves);
  if (name) Object.assign(data, name);
  if (userData?.length) data.userData = userData;
  if (macs) data.network = { format: "ec2", source: fetcher.url(`${META}network/interfaces/macs/`), config: { macs } };
  return data;
}
