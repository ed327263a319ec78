import { XenstoreClient, XenstoreError } from "../transports/xenstore/client.ts";
import { within } from "./budget.ts";
import { readSysValue } from "./read-sysfs.ts";
import type { CandidateFinding, Detector, ProbeContext } from "./types.ts";

/** Where xenstored is, in the order the Xen tools look (PROTOCOLS.md §3). */
export function xenstoreEndpoints(env: Readonly<Record<string, string | undefined>>): string[] {
  const fromEnv = env.XENSTORED_PATH ? [env.XENSTORED_PATH] : [];
  return [...fromEnv, "/var/run/xenstored/socket", "/dev/xen/xenbus", "/proc/xen/xenbus"];
}

/** Proof takes one round trip; a xenstored that does not answer in this long is not usable at boot. */
const PROOF_MS = 500;

async function prove(context: ProbeContext, endpoint: string): Promise<{ ok: boolean; line: string }> {
  const signal = within(context.signal, PROOF_MS);
  let client: XenstoreClient | undefined;
  try {
    client = new XenstoreClient(await context.host.openStream(endpoint));
    for (const path of ["vm-data", "data"]) {
      try {
        const entries = await client.directory(path, signal);
        return { ok: true, line: `DIRECTORY ${path} answered: ${entries.length} entr${entries.length === 1 ? "y" : "ies"}` };
      } catch (error) {
        if (!(error instanceof XenstoreError)) throw error;
      }
    }
    return { ok: false, line: "xenstored answered, but neither vm-data nor data exists" };
  } catch (error) {
    const why = signal.aborted ? `no answer within ${PROOF_MS} ms` : (error as Error).message;
    return { ok: false, line: `${endpoint}: ${why}` };
  } finally {
    client?.close();
  }
}

export const xenstoreDetector: Detector = {
  name: "xenstore",
  transports: ["xenstore"],
  async detect(context): Promise<CandidateFinding[]> {
    const { fs } = context.host;
    const evidence: string[] = [];
    if (await fs.exists("/proc/xen")) evidence.push("/proc/xen exists");
    const hypervisor = await readSysValue(fs, "/sys/hypervisor/type");
    if (hypervisor?.ok && hypervisor.value === "xen") evidence.push("/sys/hypervisor/type = xen");

    let endpoint: string | undefined;
    for (const candidate of xenstoreEndpoints(context.host.env)) {
      if (await fs.exists(candidate)) {
        endpoint = candidate;
        break;
      }
    }
    if (!endpoint) {
      const verdict = evidence.length ? "maybe" : "absent";
      return [{ transport: "xenstore", verdict, evidence: [...evidence, "no xenstored socket or xenbus device"] }];
    }
    evidence.push(`${endpoint} exists`);
    const proof = await prove(context, endpoint);
    evidence.push(proof.line);
    return [{ transport: "xenstore", verdict: proof.ok ? "found" : "maybe", evidence, location: endpoint }];
  },
};
