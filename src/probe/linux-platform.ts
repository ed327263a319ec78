import type { Host } from "../host/types.ts";
import { parseNocloudSpec, readCmdline } from "./cmdline.ts";
import { classifyDmi, readDmi } from "./dmi.ts";
import { readSysValue } from "./read-sysfs.ts";
import type { PlatformFacts } from "./types.ts";

/** The kernel's own limit on x86 is 2048; some architectures allow more. */
const MAX_CMDLINE = 4096;

/** DMI and the kernel command line, read under the host's root. */
export async function readLinuxPlatform(host: Host): Promise<PlatformFacts> {
  const [{ dmi, evidence }, cmdline] = await Promise.all([readDmi(host.fs), readSysValue(host.fs, "/proc/cmdline", MAX_CMDLINE)]);
  const facts: PlatformFacts = { os: "linux", dmi, ...classifyDmi(dmi), evidence };
  if (facts.cloud) evidence.push(`dmi names the cloud: ${facts.cloud}`);
  if (cmdline && !cmdline.ok) evidence.push(`/proc/cmdline: ${cmdline.why}, ignored`);
  const fromCmdline = cmdline?.ok ? readCmdline(cmdline.value) : { evidence: [] };
  evidence.push(...fromCmdline.evidence);
  if (fromCmdline.forcedTransport) facts.forcedTransport = fromCmdline.forcedTransport;
  // cloud-init also takes the NoCloud seed from the SMBIOS serial (qemu -smbios type=1,serial=ds=nocloud;…).
  const fromSerial = dmi.product_serial?.startsWith("ds=") ? parseNocloudSpec(dmi.product_serial.slice(3)) : undefined;
  if (fromSerial && !fromCmdline.nocloudSeed) evidence.push(`dmi product_serial: ${dmi.product_serial}`);
  const seed = fromCmdline.nocloudSeed ?? fromSerial;
  if (seed) facts.nocloudSeed = seed;
  return facts;
}
