import { TRANSPORT_NAMES, type TransportName } from "../model/transport-names.ts";

export interface CmdlineFacts {
  forcedTransport?: TransportName;
  nocloudSeed?: Record<string, string>;
  evidence: string[];
}

/** Splits a kernel command line as the kernel does: on spaces, with double quotes grouping. */
export function cmdlineTokens(cmdline: string): string[] {
  return [...cmdline.matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map((m) => m[0].replaceAll('"', ""));
}

const SEED_KEYS: Record<string, string> = { s: "seedfrom", seedfrom: "seedfrom", i: "instance-id", "instance-id": "instance-id", h: "local-hostname", "local-hostname": "local-hostname" };

/** `ds=nocloud;s=http://10.0.0.1/seed/;i=iid-1` (cloud-init's syntax; nocloud-net is the same). */
export function parseNocloudSpec(spec: string): Record<string, string> | undefined {
  const [source, ...params] = spec.split(";");
  if (source !== "nocloud" && source !== "nocloud-net") return undefined;
  const seed: Record<string, string> = {};
  for (const param of params) {
    const at = param.indexOf("=");
    const key = SEED_KEYS[at > 0 ? param.slice(0, at) : ""];
    if (key) seed[key] = param.slice(at + 1);
  }
  return seed;
}

/** What the kernel command line asks of the agent. Unknown values are reported, not obeyed. */
export function readCmdline(cmdline: string): CmdlineFacts {
  const facts: CmdlineFacts = { evidence: [] };
  for (const token of cmdlineTokens(cmdline)) {
    if (token.startsWith("tether.transport=")) {
      const name = token.slice("tether.transport=".length);
      if ((TRANSPORT_NAMES as readonly string[]).includes(name)) {
        facts.forcedTransport = name as TransportName;
        facts.evidence.push(`kernel command line: ${token}`);
      } else {
        facts.evidence.push(`kernel command line: ${token} ignored: transports are ${TRANSPORT_NAMES.join(", ")}`);
      }
    } else if (token.startsWith("ds=")) {
      const seed = parseNocloudSpec(token.slice(3));
      if (seed) {
        facts.nocloudSeed = seed;
        facts.evidence.push(`kernel command line: ${token}`);
      }
    }
  }
  return facts;
}
