import { namesOf } from "../../actions/hostname.ts";
import { cloudConfigOf } from "../../actions/cloud-config-of.ts";
import { refuse } from "../../actions/identity/fields.ts";
import type { BootInputs } from "../../actions/inputs.ts";
import type { WindowsFacts } from "./windows-facts.ts";

/** NetBIOS keeps 15 characters of a computer name (MAX_COMPUTERNAME_LENGTH). */
export const NETBIOS_MAX = 15;

export interface ComputerName {
  /** The DNS host name: the first label of the instance's name. */
  dns: string;
  /** What Windows keeps of it for NetBIOS: the first 15 characters, no trailing hyphen. */
  netbios: string;
  truncated: boolean;
  from: string;
}

/**
 * The name Windows should take, from the same sources and rules as Linux's hostname (cloud-config
 * hostname/fqdn, then the instance's). Windows names are one label; the domain is not the
 * computer's to set here (a DNS suffix comes with the network or a domain join).
 */
export function computerNameOf(inputs: BootInputs): ComputerName | null {
  const { config, sourceOf } = cloudConfigOf(inputs);
  if (config.preserve_hostname) return null;
  const names = namesOf(inputs);
  if (!names) return null;
  const dns = names.hostname;
  if (dns.length > 63) refuse(sourceOf("hostname"), "hostname", `a Windows host name can be at most 63 characters, got ${dns.length}`);
  // Windows refuses a name of digits only: it could be read as an address.
  if (/^\d+$/.test(dns)) refuse(config.hostname ? sourceOf("hostname") : inputs.data.source.location, "hostname", `Windows does not take a computer name made of digits only, got ${JSON.stringify(dns)}`);
  const netbios = dns.slice(0, NETBIOS_MAX).replace(/-+$/, "");
  return { dns, netbios, truncated: netbios !== dns, from: config.hostname || config.fqdn ? "cloud-config" : "instance data" };
}

/** Whether the plan renames the computer, which takes a restart to take effect. */
export function renames(inputs: BootInputs, facts: Pick<WindowsFacts, "computerName" | "offline">): ComputerName | null {
  const name = computerNameOf(inputs);
  if (!name || facts.offline) return null;
  return facts.computerName?.toUpperCase() === name.netbios.toUpperCase() ? null : name;
}
