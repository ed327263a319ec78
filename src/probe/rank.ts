import type { TransportName } from "../model/transport-names.ts";
import type { Candidate, CandidateFinding, Verdict } from "./types.ts";

/** Sources of instance data at boot, most direct first: a local disk beats a network round trip. */
export const BOOT_ORDER: readonly TransportName[] = ["config-drive", "nocloud", "xenstore", "metadata-http"];
/** Channels the daemon can listen on. */
export const CHANNEL_ORDER: readonly TransportName[] = ["virtio", "xenstore"];

const STRENGTH: Record<Verdict, number> = { found: 3, maybe: 2, absent: 1, skipped: 0 };

/** Several detectors may speak of one transport (NoCloud: a labelled disk, the command line). */
export function merge(findings: (CandidateFinding & { ms: number })[]): Candidate[] {
  const byTransport = new Map<TransportName, Candidate>();
  for (const finding of findings) {
    const seen = byTransport.get(finding.transport);
    if (!seen) {
      byTransport.set(finding.transport, { ...finding, evidence: [...finding.evidence] });
      continue;
    }
    const stronger = STRENGTH[finding.verdict] > STRENGTH[seen.verdict];
    seen.evidence = stronger ? [...finding.evidence, ...seen.evidence] : [...seen.evidence, ...finding.evidence];
    seen.ms = Math.max(seen.ms, finding.ms);
    if (stronger) {
      seen.verdict = finding.verdict;
      if (finding.location) seen.location = finding.location;
      else delete seen.location;
    }
  }
  return [...byTransport.values()];
}

/**
 * The transport to use: the one the kernel command line names, if it was seen at all; else the
 * first found in `order`; else the first maybe. null when nothing is usable.
 */
export function choose(candidates: Candidate[], order: readonly TransportName[], forced?: TransportName): Candidate | null {
  const usable = (c: Candidate | undefined) => c !== undefined && (c.verdict === "found" || c.verdict === "maybe");
  if (forced && order.includes(forced)) {
    const wanted = candidates.find((c) => c.transport === forced);
    return usable(wanted) ? (wanted as Candidate) : null;
  }
  for (const verdict of ["found", "maybe"] as const) {
    for (const transport of order) {
      const hit = candidates.find((c) => c.transport === transport && c.verdict === verdict);
      if (hit) return hit;
    }
  }
  return null;
}
