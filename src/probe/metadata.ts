import type { Host } from "../host/types.ts";
import { readBounded } from "../transports/read-bounded.ts";
import { versionList } from "../transports/openstack/versions.ts";
import type { CandidateFinding, Detector } from "./types.ts";

export const DEFAULT_METADATA_URL = "http://169.254.169.254";

/** Only what the probe needs to know of an answer; a metadata server has no say over our memory. */
const MAX_BODY = 64 * 1024;

interface Answer {
  status: number;
  /** Empty when the answer was over MAX_BODY (tooLarge then). */
  body: string;
  tooLarge?: boolean;
}

/** An answer past MAX_BODY is none the probe looks for (a version list, a token, an id): the rest is never read. */
class Enough extends Error {}

async function ask(host: Host, url: string, signal: AbortSignal, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const response = await host.http.raw(url, {
    ...init,
    signal,
    retry: 0,
    redirect: "manual",
    ignoreResponseError: true,
    // A stream read with a bound, not "text": that would take in all a server sends (800 MB of
    // a 1 GB answer within the 1.5 s budget, on loopback) only to keep 64 KiB of it.
    responseType: "stream",
  });
  try {
    const bytes = await readBounded(response._data as ReadableStream<Uint8Array> | undefined, MAX_BODY, { over: () => new Enough(), broke: (error) => error as Error });
    return { status: response.status, body: new TextDecoder().decode(bytes) };
  } catch (error) {
    if (error instanceof Enough) return { status: response.status, body: "", tooLarge: true };
    throw error;
  }
}

function failure(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return "no answer within the budget";
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  return cause ?? (error as Error).message;
}

/** OpenStack: GET /openstack lists the metadata versions, one per line. */
async function openstack(host: Host, base: string, signal: AbortSignal): Promise<{ found: boolean; line: string }> {
  try {
    const answer = await ask(host, `${base}/openstack`, signal);
    if (answer.status !== 200) return { found: false, line: `GET /openstack → ${answer.status}` };
    if (answer.tooLarge) return { found: false, line: `GET /openstack → 200, but over ${MAX_BODY} bytes: not a list of versions` };
    const versions = versionList(answer.body);
    if (!versions) return { found: false, line: "GET /openstack → 200, but not a list of versions" };
    return { found: true, line: `GET /openstack → 200: OpenStack metadata, versions ${versions.slice(-3).join(", ")}` };
  } catch (error) {
    return { found: false, line: `GET /openstack: ${failure(error, signal)}` };
  }
}

/** EC2: IMDSv2 (a token from PUT /latest/api/token), falling back to IMDSv1 where the PUT is refused. */
async function ec2(host: Host, base: string, signal: AbortSignal): Promise<{ found: boolean; line: string }> {
  try {
    const token = await ask(host, `${base}/latest/api/token`, signal, {
      method: "PUT",
      headers: { "X-aws-ec2-metadata-token-ttl-seconds": "21600" },
    });
    if (token.status === 403) return { found: false, line: "PUT /latest/api/token → 403: the instance metadata endpoint is disabled" };
    const headers: Record<string, string> = token.status === 200 && token.body ? { "X-aws-ec2-metadata-token": token.body.trim() } : {};
    const flavour = headers["X-aws-ec2-metadata-token"] ? "IMDSv2" : `IMDSv1 (token PUT → ${token.status})`;
    const id = await ask(host, `${base}/latest/meta-data/instance-id`, signal, { headers });
    if (id.status !== 200 || !id.body.trim()) return { found: false, line: `GET /latest/meta-data/instance-id → ${id.status}` };
    return { found: true, line: `GET /latest/meta-data/instance-id → 200: EC2 metadata, ${flavour}` };
  } catch (error) {
    return { found: false, line: `PUT /latest/api/token: ${failure(error, signal)}` };
  }
}

/** The metadata service, asked both ways at once; only after the cheap local detectors (index.ts). */
export const metadataDetector: Detector = {
  name: "metadata-ip",
  transports: ["metadata-http"],
  async detect({ host, signal, metadataUrl }): Promise<CandidateFinding[]> {
    const base = metadataUrl.replace(/\/+$/, "");
    const [os, aws] = await Promise.all([openstack(host, base, signal), ec2(host, base, signal)]);
    const found = os.found || aws.found;
    return [{ transport: "metadata-http", verdict: found ? "found" : "absent", evidence: [os.line, aws.line], location: base }];
  },
};
