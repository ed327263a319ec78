import type { BootInputs } from "../actions/inputs.ts";
import type { InstanceData } from "../model/instance-data.ts";
import type { UserData } from "../userdata/index.ts";

/** User-data is shown by size, digest and its first line when that is a `#` header: never its body,
 * which may hold passwords. */
function describeBlob(bytes: Uint8Array | undefined) {
  if (!bytes) return undefined;
  const firstLine = new TextDecoder().decode(bytes.subarray(0, 80)).split("\n")[0] ?? "";
  return {
    bytes: bytes.length,
    sha256: new Bun.CryptoHasher("sha256").update(bytes).digest("hex"),
    header: /^#[!A-Za-z0-9-]/.test(firstLine) ? firstLine.trim() : undefined,
  };
}

/** Decoded user-data by its shape: which keys, which scripts; values may be secret, so none are shown. */
function describeUserData(userData: UserData | undefined) {
  if (!userData) return undefined;
  return {
    keys: Object.keys(userData.config).sort(),
    scripts: userData.scripts.map((s) => ({ kind: s.kind, name: s.name, bytes: s.content.length })),
  };
}

/** Boot's inputs as a JSON-safe object with nothing secret in it, for --json and for the summary. */
export function viewInputs(inputs: BootInputs) {
  return {
    ...viewInstanceData(inputs.data),
    cloudConfig: describeUserData(inputs.userData),
    vendorConfig: describeUserData(inputs.vendorData),
    interfaces: inputs.network?.interfaces.map((i) => ({
      name: i.name,
      kind: i.kind,
      dhcp4: i.dhcp4,
      ipv6: i.ipv6,
      addresses: i.addresses,
      ...(i.mtu ? { mtu: i.mtu } : {}),
    })),
    warnings: inputs.warnings,
  };
}

/** Keys whose values are passwords or keys by their name: Nova's meta.admin_pass (cloudbase-init reads it), a token. */
const SECRET_KEY = /pass(word|wd)?$|^pass|secret|token|private|credential/i;

/** Other meta-data as given, but for values under a secret-looking key, at any depth. */
function sealedMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sealedMetadata);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? "[redacted]" : sealedMetadata(v)]));
}

/** InstanceData as a JSON-safe object with nothing secret in it. */
export function viewInstanceData(data: InstanceData) {
  return {
    source: data.source,
    instanceId: data.instanceId,
    hostname: data.hostname,
    fqdn: data.fqdn,
    publicKeys: data.publicKeys,
    adminPassword: data.adminPassword ? "[redacted]" : undefined,
    files: data.files.map((f) => ({ path: f.path, bytes: f.content.length })),
    network: data.network && { format: data.network.format, source: data.network.source },
    userData: describeBlob(data.userData),
    vendorData: describeBlob(data.vendorData),
    metadata: sealedMetadata(data.metadata) as InstanceData["metadata"],
  };
}

export type InstanceDataView = ReturnType<typeof viewInputs>;

function blobLine(blob: ReturnType<typeof describeBlob>): string {
  if (!blob) return "none";
  return `${blob.bytes} bytes${blob.header ? `, ${blob.header}` : ""}, sha256 ${blob.sha256.slice(0, 12)}…`;
}

/** The same view as aligned text for a person. */
export function formatInstanceData(view: InstanceDataView): string {
  const keys = view.publicKeys.map((k) => k.split(/\s+/).slice(0, 1).concat(k.split(/\s+/).slice(2)).join(" ") || k);
  const rows: [string, string][] = [
    ["source", `${view.source.transport} ${view.source.location}`],
    ["instance-id", view.instanceId],
    ["hostname", view.hostname ? `${view.hostname}${view.fqdn ? ` (${view.fqdn})` : ""}` : "(not given)"],
    ["ssh keys", keys.length ? keys.join("; ") : "none"],
    ["network", view.network ? `${view.network.format} from ${view.network.source}` : "none (left as it is)"],
    ["user-data", blobLine(view.userData)],
    ["vendor-data", blobLine(view.vendorData)],
  ];
  if (view.adminPassword) rows.push(["admin password", "given (not shown)"]);
  if (view.files.length) rows.push(["files", view.files.map((f) => `${f.path} (${f.bytes} bytes)`).join(", ")]);
  if (view.cloudConfig) rows.push(["cloud-config", view.cloudConfig.keys.join(", ") || "(empty)"]);
  const scripts = [...(view.cloudConfig?.scripts ?? []), ...(view.vendorConfig?.scripts ?? [])];
  if (scripts.length) rows.push(["scripts", scripts.map((s) => `${s.name} (${s.kind})`).join(", ")]);
  if (view.interfaces) {
    const nics = view.interfaces.map((i) => `${i.name} ${[i.dhcp4 ? "dhcp4" : "", ...i.addresses].filter(Boolean).join(" ") || i.kind}`);
    rows.push(["interfaces", nics.join("; ") || "none"]);
  }
  const extra = Object.keys(view.metadata);
  if (extra.length) rows.push(["other meta-data", extra.join(", ")]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const warnings = view.warnings.map((w) => `  warning: ${w}`);
  return [...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), ...warnings].join("\n");
}
