import * as v from "valibot";
import { isHostname } from "../../model/hostname.ts";
import { InstanceIdSchema } from "../openstack/meta-data-schema.ts";

/**
 * The EC2 metadata tree's answers, as checked before use. Leaves arrive as text; multi-line leaves
 * are split into lists before they get here, so an error names the line (`local-ipv4s.1`).
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const Ipv4 = v.pipe(v.string(), v.ipv4("expected an IPv4 address"));
const Ipv6 = v.pipe(v.string(), v.ipv6("expected an IPv6 address"));
const Mac = v.pipe(v.string(), v.regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, "expected a MAC address (six hex pairs with colons)"));

function cidr(isAddress: (s: string) => boolean, maxPrefix: number, what: string) {
  return v.pipe(
    v.string(),
    v.check((s) => {
      const [address = "", prefix = "", ...rest] = s.split("/");
      return rest.length === 0 && isAddress(address) && /^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix;
    }, `expected an ${what} network (ADDRESS/PREFIX)`),
  );
}
const Cidr4 = cidr((s) => IPV4.test(s), 32, "IPv4");
const Cidr6 = cidr((s) => v.is(Ipv6, s), 128, "IPv6");

/** An IPv4 address as a host name, the way cloud-init names such a host: 10.0.0.5 → ip-10-0-0-5. */
export function hostnameOfAddress(name: string): string {
  return IPV4.test(name) ? `ip-${name.replaceAll(".", "-")}` : name;
}

/**
 * local-hostname may hold several names separated by spaces (a VPC whose DHCP options list several
 * domains); the first is the machine's. It may also be a bare IPv4 address.
 */
const HostnameLeaf = v.pipe(
  v.string(),
  v.check((s) => {
    const first = s.split(/\s+/)[0] ?? "";
    return IPV4.test(first) || isHostname(first);
  }, (issue) => `expected a host name or an IPv4 address, got ${JSON.stringify(issue.input)}`),
);

/** The leaves of /latest/meta-data/ this reader uses, keyed by their paths under it. */
export const Ec2LeavesSchema = v.object({
  "instance-id": InstanceIdSchema,
  "local-hostname": v.optional(HostnameLeaf),
  hostname: v.optional(HostnameLeaf),
  "public-hostname": v.optional(v.string()),
  "ami-id": v.optional(v.string()),
  "instance-type": v.optional(v.string()),
  "placement/availability-zone": v.optional(v.string()),
  "placement/region": v.optional(v.string()),
  "local-ipv4": v.optional(Ipv4),
  "public-ipv4": v.optional(Ipv4),
  mac: v.optional(Mac),
});
export type Ec2Leaves = v.InferOutput<typeof Ec2LeavesSchema>;

/** public-keys/ lists `INDEX=NAME`, one per line. */
export const KeyIndexSchema = v.array(
  v.pipe(
    v.string(),
    v.regex(/^\d{1,4}=.*$/, "expected INDEX=NAME"),
    v.transform((line) => ({ index: line.slice(0, line.indexOf("=")), name: line.slice(line.indexOf("=") + 1) })),
  ),
);

/** One OpenSSH public key per line: TYPE BASE64 [COMMENT]. */
export const OpensshKeysSchema = v.array(
  v.pipe(v.string(), v.regex(/^[a-z][a-z0-9@._-]* [A-Za-z0-9+/]{4,}={0,3}( .*)?$/, "expected an OpenSSH public key (TYPE BASE64 [COMMENT])")),
);

/** network/interfaces/macs/ lists `MAC/`, one per line: each names a directory read next. */
export const MacIndexSchema = v.array(v.pipe(v.string(), v.regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}\/?$/i, "expected MAC/"), v.transform((s) => s.replace(/\/$/, ""))));

/** One interface's leaves, as carried to the network converter (issue #6). */
export const Ec2InterfaceSchema = v.object({
  mac: v.optional(Mac),
  "device-number": v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/, "expected a device number"), v.transform(Number))),
  "local-ipv4s": v.optional(v.array(Ipv4)),
  "subnet-ipv4-cidr-block": v.optional(Cidr4),
  ipv6s: v.optional(v.array(Ipv6)),
  "subnet-ipv6-cidr-blocks": v.optional(v.array(Cidr6)),
});
export type Ec2Interface = v.InferOutput<typeof Ec2InterfaceSchema>;

/** dynamic/instance-identity/document: the fields worth keeping; the rest is kept as given. */
export const IdentityDocumentSchema = v.looseObject({
  instanceId: v.optional(v.string()),
  region: v.optional(v.string()),
  availabilityZone: v.optional(v.string()),
  instanceType: v.optional(v.string()),
  imageId: v.optional(v.string()),
  accountId: v.optional(v.string()),
  architecture: v.optional(v.string()),
  privateIp: v.optional(v.nullable(v.string())),
});
