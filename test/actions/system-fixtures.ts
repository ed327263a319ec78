import type { BootInputs } from "../../src/actions/inputs.ts";
import type { OsFacts } from "../../src/actions/types.ts";
import { InputError } from "../../src/errors.ts";
import type { InstanceData } from "../../src/model/instance-data.ts";
import { parseCloudConfig, type CloudConfig } from "../../src/model/cloud-config/index.ts";
import { blankInterface, type NetworkConfig } from "../../src/model/network.ts";
import { distroFromOsRelease } from "../../src/os/linux/distro.ts";
import type { GroupEntry, PasswdEntry } from "../../src/os/linux/passwd.ts";
import type { UserScript } from "../../src/userdata/scripts.ts";

export const OS_RELEASE = {
  debian: { ID: "debian", VERSION_ID: "12" },
  ubuntu: { ID: "ubuntu", ID_LIKE: "debian", VERSION_ID: "24.04" },
  rhel: { ID: "rocky", ID_LIKE: "rhel centos fedora", VERSION_ID: "9.4" },
  suse: { ID: "opensuse-leap", VERSION_ID: "15.6" },
  arch: { ID: "arch" },
  alpine: { ID: "alpine", VERSION_ID: "3.20.0" },
} as const;

export const PASSWD: PasswdEntry[] = [
  { name: "root", uid: 0, gid: 0, gecos: "root", home: "/root", shell: "/bin/bash" },
  { name: "alice", uid: 1001, gid: 1001, gecos: "", home: "/home/alice", shell: "/bin/bash" },
];
export const GROUP: GroupEntry[] = [
  { name: "root", gid: 0, members: [] },
  { name: "alice", gid: 1001, members: [] },
];

/**
 * Facts as the gatherer gives them. `files` holds each file's bytes as latin1 characters and, by
 * the directory-probe convention (src/actions/target-files.ts), "" for "/" and for each "DIR/"
 * that exists.
 */
export function factsFor(distro: keyof typeof OS_RELEASE, options: { offline?: boolean; files?: Record<string, string> } = {}): OsFacts {
  return {
    root: options.offline ? "/mnt/image" : "/",
    offline: options.offline ?? false,
    distro: distroFromOsRelease({ ...OS_RELEASE[distro] }),
    passwd: PASSWD,
    group: GROUP,
    nics: [],
    files: { "/": "", ...options.files },
    now: Date.UTC(2030, 0, 2, 3, 4, 5),
    random: (n) => new Uint8Array(n),
  };
}

export function instanceData(extra: Partial<InstanceData> = {}): InstanceData {
  return { source: { transport: "nocloud", location: "seed" }, instanceId: "i-abc", publicKeys: [], files: [], metadata: {}, ...extra };
}

/** write_files' bytes as readUserData decodes them (which test/userdata checks), for inputs built here. */
function contentsOf(config: CloudConfig): Uint8Array[] {
  return (config.write_files ?? []).map((f) => {
    if (f.encoding === "text") return new TextEncoder().encode(f.content);
    const raw = f.encoding === "gzip" ? Buffer.from(f.content, "latin1") : Buffer.from(f.content, "base64");
    return f.encoding === "b64" ? new Uint8Array(raw) : Bun.gunzipSync(new Uint8Array(raw));
  });
}

const userData = (config: CloudConfig, scripts: UserScript[] = []) => ({ config, scripts, writeFileContents: contentsOf(config), warnings: [] });

/** Inputs from raw cloud-config, validated as user-data would be (so the planners see real output). */
export function inputsWith(raw: Record<string, unknown>, extra: { scripts?: UserScript[]; vendor?: Record<string, unknown>; vendorScripts?: UserScript[]; data?: Partial<InstanceData>; network?: NetworkConfig } = {}): BootInputs {
  const inputs: BootInputs = { data: instanceData(extra.data), warnings: [], userData: userData(parseCloudConfig(raw, "seed user-data").config, extra.scripts) };
  if (extra.vendor || extra.vendorScripts) inputs.vendorData = userData(parseCloudConfig(extra.vendor ?? {}, "seed vendor-data").config, extra.vendorScripts);
  if (extra.network) inputs.network = extra.network;
  return inputs;
}

/** Inputs whose config skips the schema: what the planners' own checks must catch. */
export function unchecked(config: Record<string, unknown>, data: Partial<InstanceData> = {}): BootInputs {
  return { data: instanceData(data), warnings: [], userData: userData(config as CloudConfig) };
}

/** The InputError `fn` throws, as source + field paths. */
export function refusal(fn: () => unknown): { source: string; paths: string[]; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return { source: error.source, paths: error.problems.map((p) => p.path), message: error.message };
    throw error;
  }
  throw new Error("expected an InputError, got none");
}

export const text = (s: string) => new TextEncoder().encode(s);
export const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");

/** A syntactically real certificate: a DER SEQUENCE, base64 in 64-column lines. */
const DER = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.alloc(256, 7)]).toString("base64");
export const CERT = `-----BEGIN CERTIFICATE-----\n${DER.match(/.{1,64}/g)?.join("\n")}\n-----END CERTIFICATE-----`;

export const NETWORK: NetworkConfig = {
  interfaces: [{ ...blankInterface("eth0"), kind: "physical", match: { mac: "52:54:00:12:34:56" }, rename: false, dhcp4: true }],
  nameservers: { addresses: [], search: [] },
};
