import { HostError, InputError } from "../errors.ts";
import type { Host } from "../host/types.ts";
import type { Change, Plan } from "../plan/change.ts";
import { AGENT_UPDATE_SOURCE, displayUrl, urlProblem, type AgentUpdateRequest } from "../model/agent-update-request.ts";
import { readBounded } from "../transports/read-bounded.ts";
import { executableProblem } from "./binary-format.ts";

export { displayUrl, parseAgentUpdate, type AgentUpdateRequest } from "../model/agent-update-request.ts";

/**
 * Nova's `agentupdate`: "<url>,<md5 hex>". The new agent is downloaded, checked (digest, size, that
 * it is a program for this machine) and only then planned as a swap of the binary and a restart,
 * so nothing on the machine changes until every check has passed.
 */


export interface DownloadOptions {
  /** A larger answer is refused, and no more than this (and one chunk) of it is ever read. */
  maxBytes: number;
  /** The whole download, every redirect and the last byte included. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** The architecture the binary must be for (Node's names); default: this process's. */
  arch?: string;
}

export interface AgentUpdatePlanOptions {
  binaryPath: string;
  /** A --root target: its binary is replaced, but no service of this machine is restarted for it. */
  offline: boolean;
  restartArgv?: string[];
}

const MAX_REDIRECTS = 5;

/**
 * --no-block: the daemon restarting is the daemon running this. A blocking restart would wait for a
 * job that begins by stopping the caller, so systemctl would be killed with it and the host never
 * told the update worked; without the wait the reply can be written before the stop comes.
 */
export const DEFAULT_RESTART_ARGV: readonly string[] = ["systemctl", "--no-block", "restart", "tether-daemon.service"];

function causeOf(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === "string" && code) return code;
  return cause instanceof Error ? cause.message : String(cause);
}

interface Hop {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Downloads the new agent through host.http and checks it: size (while streaming), digest, and
 * that it is an executable for host.platform and this architecture. Redirects are followed by hand,
 * at most 5, and never to another scheme (an https URL must not be served over http). Every error
 * names the URL, without its query.
 */
export async function downloadUpdate(host: Host, request: AgentUpdateRequest, options: DownloadOptions): Promise<Uint8Array> {
  const log = host.log.withTag("agent-update");
  const first = displayUrl(request.url);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new InputError(AGENT_UPDATE_SOURCE, [{ path: "url", message: "not a valid absolute URL" }]);
  }
  const why = urlProblem(url);
  if (why) throw new InputError(AGENT_UPDATE_SOURCE, [{ path: "url", message: why }]);
  const scheme = url.protocol;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;

  const name = () => (url.href === request.url ? first : `${displayUrl(url.href)} (redirected from ${first})`);
  const hostError = (message: string) => new HostError(`agentupdate: GET ${name()}: ${message}`);
  const inputError = (message: string) => new InputError(`agentupdate ${name()}`, [{ path: "", message }]);
  const broke = (error: unknown) =>
    hostError(options.signal?.aborted ? "cancelled" : deadline.aborted ? `not done within ${options.timeoutMs} ms` : `connection error: ${causeOf(error)}`);

  let hop: Hop;
  for (let redirects = 0; ; redirects++) {
    try {
      const response = await host.http.raw(url.href, {
        method: "GET",
        signal,
        retry: 0,
        redirect: "manual",
        ignoreResponseError: true,
        responseType: "stream",
      });
      hop = { status: response.status, headers: response.headers, body: response._data as ReadableStream<Uint8Array> | undefined };
    } catch (error) {
      throw broke(error);
    }
    if (!REDIRECTS.has(hop.status)) break;
    void hop.body?.cancel().catch(() => {});
    const location = hop.headers.get("location");
    if (!location) throw hostError(`answered ${hop.status} without a Location`);
    if (redirects >= MAX_REDIRECTS) throw hostError(`more than ${MAX_REDIRECTS} redirects`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw hostError(`answered ${hop.status} with a Location that is not a URL`);
    }
    if (next.protocol !== scheme) throw hostError(`redirected to ${next.protocol.slice(0, -1)}: refused, the download stays on ${scheme.slice(0, -1)}`);
    const nextProblem = urlProblem(next);
    if (nextProblem) throw hostError(`redirected to a refused URL: ${nextProblem}`);
    log.debug(`${displayUrl(url.href)}: ${hop.status} to ${displayUrl(next.href)}`);
    url = next;
  }

  if (hop.status !== 200) {
    void hop.body?.cancel().catch(() => {});
    throw hostError(`answered ${hop.status}, expected 200`);
  }
  const declared = Number(hop.headers.get("content-length") ?? Number.NaN);
  if (declared > options.maxBytes) {
    void hop.body?.cancel().catch(() => {});
    throw inputError(`the download is ${declared} bytes, over the limit of ${options.maxBytes} bytes`);
  }
  const bytes = await readBounded(hop.body, options.maxBytes, {
    over: (total) => inputError(`the download is over the limit of ${options.maxBytes} bytes; stopped reading at ${total}`),
    broke,
  });

  const { algorithm, hex } = request.digest;
  const actual = new Bun.CryptoHasher(algorithm).update(bytes).digest("hex");
  if (actual !== hex.toLowerCase()) throw inputError(`the ${algorithm} of the ${bytes.length} bytes downloaded is ${actual}, expected ${hex.toLowerCase()}: refused`);
  const notRunnable = executableProblem(bytes, host.platform, options.arch ?? process.arch);
  if (notRunnable) throw inputError(`${notRunnable}: refused`);
  log.info(`downloaded ${bytes.length} bytes from ${name()}, ${algorithm} ${actual} as expected`);
  return bytes;
}

/**
 * The swap and the restart. The write goes through applyPlan: a temp file beside the binary,
 * fsync, rename over it (a running agent keeps its old inode, so replacing it under itself is
 * safe), and the previous binary kept as .tether-bak for a manual rollback. No owner is named: the
 * file keeps the owner the installed binary had (root's, as `agent install` made it).
 */
export function planAgentUpdate(bytes: Uint8Array, options: AgentUpdatePlanOptions): Plan {
  const sha256 = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
  const changes: Change[] = [{ kind: "write", path: options.binaryPath, content: bytes, mode: 0o755, reason: `agentupdate: the new agent (${bytes.length} bytes, sha256 ${sha256})` }];
  if (!options.offline) {
    changes.push({ kind: "run", argv: [...(options.restartArgv ?? DEFAULT_RESTART_ARGV)], timeoutMs: 30_000, reason: "agentupdate: restart the daemon on the new binary" });
  }
  return { instanceId: "agent-update", steps: [{ action: "agent-update", changes }] };
}
