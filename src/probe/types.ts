import type { Host } from "../host/types.ts";
import type { TransportName } from "../model/transport-names.ts";

/**
 * found: the channel answered or the medium is there with the right label.
 * maybe: signs of it (a device, a DMI vendor) but no proof.
 * absent: looked, not there.
 * skipped: not looked at, and the evidence says why (e.g. a config drive was found first).
 */
export type Verdict = "found" | "maybe" | "absent" | "skipped";

export interface Candidate {
  transport: TransportName;
  verdict: Verdict;
  /** What was seen, in words an operator can check by hand ("/dev/sr0: iso9660 label config-2"). */
  evidence: string[];
  ms: number;
  /** Where the transport is, for the boot that follows: a device, a socket, a URL. */
  location?: string;
}

export type CandidateFinding = Omit<Candidate, "ms">;

/** What the platform says about itself, from DMI and the kernel command line. */
export interface PlatformFacts {
  os: "linux" | "win32";
  /** The cloud named by DMI, when it names one. */
  cloud?: string;
  hypervisor?: string;
  dmi: Record<string, string>;
  /** `tether.transport=NAME` on the kernel command line: the operator's choice. */
  forcedTransport?: TransportName;
  /** cloud-init's `ds=nocloud;s=…;i=…;h=…`, from the command line or the SMBIOS serial. */
  nocloudSeed?: Record<string, string>;
  evidence: string[];
}

export interface ProbeContext {
  host: Host;
  signal: AbortSignal;
  /** Base URL of the metadata service; http://169.254.169.254 unless a test says otherwise. */
  metadataUrl: string;
}

/** One question about the machine. Read-only; reports what it saw, never throws for bad data. */
export interface Detector {
  name: string;
  /** The transports it speaks of: what a timeout or a crash of the detector is reported against. */
  transports: readonly TransportName[];
  detect(context: ProbeContext): Promise<CandidateFinding[]>;
}
