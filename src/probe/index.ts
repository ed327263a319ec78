import type { Host } from "../host/types.ts";
import type { TransportName } from "../model/transport-names.ts";
import { TRANSPORT_NAMES } from "../model/transport-names.ts";
import { blockLabelDetector } from "./block-label.ts";
import { raceSignal } from "./budget.ts";
import { readLinuxPlatform } from "./linux-platform.ts";
import { metadataDetector } from "./metadata.ts";
import { detectorsFor } from "./only.ts";
import { BOOT_ORDER, CHANNEL_ORDER, choose, merge } from "./rank.ts";
import type { Candidate, CandidateFinding, Detector, PlatformFacts, ProbeContext } from "./types.ts";
import { virtioDetector } from "./virtio.ts";
import { windowsCandidates, windowsPlatform, windowsSnapshot, XENSTORE_ON_WINDOWS } from "./windows.ts";
import { xenstoreDetector } from "./xenstore.ts";

export const DEFAULT_BUDGET_MS = 1500;

/** The cheap local questions, asked together. The network comes after them, and only if needed. */
export const LINUX_LOCAL_DETECTORS: readonly Detector[] = [xenstoreDetector, virtioDetector, blockLabelDetector];

export interface ProbeOptions {
  metadataUrl: string;
  budgetMs: number;
  /** Look for this transport alone (`--transport NAME`): no other detector runs. */
  only?: TransportName;
  /**
   * When the budget began, on performance.now()'s clock. The CLI passes 0, the process's start, so
   * that `--budget-ms` bounds the whole command as an operator times it, start-up included.
   */
  startedAt?: number;
}

export interface ProbeResult {
  /** Where boot reads instance data from; null when nothing usable was found. */
  chosen: TransportName | null;
  /** Where the daemon listens for the host's commands. */
  channel: TransportName | null;
  candidates: Candidate[];
  platform: PlatformFacts;
  elapsedMs: number;
}

type Timed = CandidateFinding & { ms: number };

async function timed(detector: Detector, context: ProbeContext, budgetMs: number): Promise<Timed[]> {
  const started = performance.now();
  const onTimeout = (): CandidateFinding[] =>
    detector.transports.map((transport) => ({ transport, verdict: "absent", evidence: [`${detector.name}: no answer within the ${budgetMs} ms budget`] }));
  let findings: CandidateFinding[];
  try {
    findings = await raceSignal(context.signal, detector.detect(context), onTimeout);
  } catch (error) {
    // A detector's own bug must not hide what the others found.
    findings = detector.transports.map((transport) => ({ transport, verdict: "absent", evidence: [`${detector.name} failed: ${(error as Error).message}`] }));
  }
  const ms = Math.round(performance.now() - started);
  return findings.map((f) => ({ ...f, ms }));
}

async function localFindings(context: ProbeContext, options: ProbeOptions): Promise<{ platform: PlatformFacts; findings: Timed[] }> {
  const { budgetMs } = options;
  const { host } = context;
  if (host.platform === "win32") {
    const started = performance.now();
    try {
      const snapshot = await windowsSnapshot(host, budgetMs);
      const ms = Math.round(performance.now() - started);
      const findings = windowsCandidates(snapshot).filter((f) => !options.only || f.transport === options.only);
      return { platform: windowsPlatform(snapshot), findings: findings.map((f) => ({ ...f, ms })) };
    } catch (error) {
      const why = `windows probe failed: ${(error as Error).message}`;
      const ms = Math.round(performance.now() - started);
      const local = (["config-drive", "nocloud", "virtio"] as const).filter((t) => !options.only || t === options.only);
      const findings: Timed[] = local.map((transport) => ({ transport, verdict: "absent", evidence: [why], ms }));
      if (!options.only || options.only === "xenstore") findings.push({ ...XENSTORE_ON_WINDOWS, ms });
      return { platform: { os: "win32", dmi: {}, evidence: [why] }, findings };
    }
  }
  const detectors = detectorsFor(LINUX_LOCAL_DETECTORS, options.only);
  const [platform, ...groups] = await Promise.all([readLinuxPlatform(host), ...detectors.map((d) => timed(d, context, budgetMs))]);
  return { platform, findings: groups.flat() };
}

/** NoCloud named on the command line (or in the SMBIOS serial) is a source of its own. */
function nocloudFromPlatform(platform: PlatformFacts): Timed[] {
  const seed = platform.nocloudSeed;
  if (!seed) return [];
  const where = seed.seedfrom ? `seed from ${seed.seedfrom}` : "meta-data on the command line itself";
  return [{ transport: "nocloud", verdict: "found", evidence: [`ds=nocloud: ${where}`], ms: 0, ...(seed.seedfrom ? { location: seed.seedfrom } : {}) }];
}

function skipMetadata(platform: PlatformFacts, local: Timed[], only: TransportName | undefined): string | null {
  if (only) return only === "metadata-http" ? null : `not asked: --transport ${only}`;
  const forced = platform.forcedTransport;
  if (forced && forced !== "metadata-http") return `not asked: tether.transport=${forced} on the kernel command line`;
  if (forced === "metadata-http") return null;
  const source = local.find((f) => f.verdict === "found" && BOOT_ORDER.includes(f.transport) && f.transport !== "metadata-http");
  return source ? `not asked: ${source.transport} was found locally` : null;
}

/**
 * Finds how this machine talks to its cloud. Read-only; every detector runs under one budget, and
 * the metadata service is asked only after the local detectors, and only when none of them found
 * a source of instance data.
 */
export async function probe(host: Host, options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const remaining = options.budgetMs - (started - (options.startedAt ?? started));
  const signal = AbortSignal.timeout(Math.max(1, Math.round(remaining)));
  const context: ProbeContext = { host, signal, metadataUrl: options.metadataUrl };
  const { platform, findings } = await localFindings(context, options);
  const fromPlatform = !options.only || options.only === "nocloud" ? nocloudFromPlatform(platform) : [];
  const local = [...findings, ...fromPlatform];

  const skip = skipMetadata(platform, local, options.only);
  const remote = skip
    ? [{ transport: "metadata-http" as const, verdict: "skipped" as const, evidence: [skip], ms: 0 }]
    : await timed(metadataDetector, context, options.budgetMs);

  const candidates = merge([...local, ...remote]).sort((a, b) => TRANSPORT_NAMES.indexOf(a.transport) - TRANSPORT_NAMES.indexOf(b.transport));
  const forced = options.only ?? platform.forcedTransport;
  return {
    chosen: choose(candidates, BOOT_ORDER, forced)?.transport ?? null,
    channel: choose(candidates, CHANNEL_ORDER)?.transport ?? null,
    candidates,
    platform,
    elapsedMs: Math.round(performance.now() - started),
  };
}
