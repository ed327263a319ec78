import { isHostname } from "../model/hostname.ts";
import type { Change } from "../plan/change.ts";
import { latin1Bytes } from "./identity/bytes.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";
import { hostsWithLocalhost, hostsWithName } from "./identity/etc-hosts.ts";
import { refuse } from "./identity/fields.ts";
import type { BootInputs } from "./inputs.ts";
import type { Action, OsFacts } from "./types.ts";

const HOSTS = "/etc/hosts";
/** The kernel keeps at most 64 bytes of host name (HOST_NAME_MAX). */
const KERNEL_MAX = 64;

export interface Names {
  hostname: string;
  fqdn: string;
  /** The name the machine takes: the FQDN when prefer_fqdn_over_hostname says so. */
  name: string;
}

/** Every name is checked again here: a cloud's meta-data may hold anything, and the name becomes a file and an argument. */
function checked(name: string, source: string, path: string): string {
  if (!isHostname(name)) refuse(source, path, `expected a host name (letters, digits, inner hyphens; dot-separated labels of 1-63), got ${JSON.stringify(name)}`);
  return name;
}

/**
 * cloud-init's get_hostname_fqdn: cloud-config `fqdn` first (the host name its first label unless
 * `hostname` is given too); then a cloud-config `hostname` with dots (taken as the FQDN); then the
 * cloud's names, a cloud-config `hostname` without dots replacing the cloud's short name. With no
 * domain anywhere the FQDN is the host name itself.
 */
export function namesOf(inputs: BootInputs): Names | null {
  const { config, sourceOf } = cloudConfigOf(inputs);
  const where = inputs.data.source.location;
  const cfgHost = config.hostname === undefined ? undefined : checked(config.hostname, sourceOf("hostname"), "hostname");
  const cfgFqdn = config.fqdn === undefined ? undefined : checked(config.fqdn, sourceOf("fqdn"), "fqdn");
  let hostname: string | undefined;
  let fqdn: string | undefined;
  if (cfgFqdn !== undefined) {
    fqdn = cfgFqdn;
    hostname = cfgHost ?? (cfgFqdn.split(".")[0] as string);
  } else if (cfgHost?.includes(".")) {
    fqdn = cfgHost;
    hostname = cfgHost.split(".")[0] as string;
  } else {
    const cloudHost = inputs.data.hostname === undefined ? undefined : checked(inputs.data.hostname, where, "hostname");
    const cloudFqdn = inputs.data.fqdn === undefined ? undefined : checked(inputs.data.fqdn, where, "fqdn");
    hostname = cfgHost ?? cloudHost?.split(".")[0];
    fqdn = cloudFqdn ?? (cloudHost?.includes(".") ? cloudHost : undefined);
  }
  if (hostname === undefined) return null;
  fqdn ??= hostname;
  const name = config.prefer_fqdn_over_hostname ? fqdn : hostname;
  if (name.length > KERNEL_MAX) refuse(sourceOf("fqdn"), config.prefer_fqdn_over_hostname ? "fqdn" : "hostname", `the machine's name can be at most ${KERNEL_MAX} characters (the kernel's limit), got ${name.length}`);
  return { hostname, fqdn, name };
}

/**
 * The running system's name now, without waiting for a reboot. hostname(1) needs no D-Bus, which may
 * not be up yet when boot runs; Arch has no hostname(1) in its base, only hostnamectl.
 */
function setNowArgv(facts: OsFacts, name: string): string[] {
  return facts.distro.means.family === "arch" ? ["hostnamectl", "set-hostname", name] : ["hostname", name];
}

/**
 * Host name (cloud-init's cc_set_hostname and cc_update_etc_hosts). Per instance, not per boot: the
 * name is set once from the instance's data, and a name changed by hand afterwards is kept (cloud-init
 * keeps it per boot only by recording the name it set last, state a pure planner does not have).
 */
export const hostnameAction: Action = {
  name: "hostname",
  frequency: "per-instance",
  reads(inputs) {
    return cloudConfigOf(inputs).config.manage_etc_hosts ? [HOSTS] : [];
  },
  plan(inputs: BootInputs, facts: OsFacts): Change[] {
    const { config } = cloudConfigOf(inputs);
    if (config.preserve_hostname) return [];
    const names = namesOf(inputs);
    if (!names) return [];
    const from = config.hostname || config.fqdn ? "cloud-config" : "instance data";
    const out: Change[] = [{ kind: "write", path: "/etc/hostname", content: `${names.name}\n`, mode: 0o644, reason: `host name ${names.name} from ${from}` }];

    const manage = config.manage_etc_hosts;
    if (manage === true) {
      out.push({ kind: "write", path: HOSTS, content: latin1Bytes(hostsWithName(facts.files[HOSTS], names.fqdn, names.hostname)), mode: 0o644, reason: `127.0.1.1 is ${names.fqdn} (manage_etc_hosts)` });
    } else if (manage === "localhost") {
      // The address cloud-init's distro classes use: Debian's 127.0.1.1, everyone else's 127.0.0.1.
      const ip = facts.distro.means.family === "debian" || facts.distro.means.family === "alpine" ? "127.0.1.1" : "127.0.0.1";
      const hosts = hostsWithLocalhost(facts.files[HOSTS], ip, names.fqdn, names.hostname);
      if (hosts !== null) out.push({ kind: "write", path: HOSTS, content: latin1Bytes(hosts), mode: 0o644, reason: `${ip} is ${names.fqdn} (manage_etc_hosts: localhost)` });
    }

    if (!facts.offline) out.push({ kind: "run", argv: setNowArgv(facts, names.name), reason: `the running system takes the name ${names.name}` });
    return out;
  },
};
