import type { ConsolaInstance } from "consola/core";
import { HostError, InputError } from "../../errors.ts";
import { Secret } from "../../model/secret.ts";
import type { MetadataFetcher } from "./fetcher.ts";

const TOKEN_PATH = "/latest/api/token";
const TOKEN_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER = "X-aws-ec2-metadata-token";
/** Six hours, what cloud-init asks for: far longer than a boot-time read. */
const TOKEN_TTL_SECONDS = "21600";

/**
 * The token PUT is tried briefly: where its answer is dropped (a container one hop too far from
 * the service, whose token answers carry a hop limit), the GETs still work without a token, and
 * waiting out full retries would spend the budget for nothing.
 */
const TOKEN_TRY = { timeoutMs: 1000, retries: 1, maxBytes: 4096 } as const;

/** GETs through IMDSv2 (a session token) or IMDSv1 (none), whichever the service offers. */
export interface Ec2Session {
  readonly imds: "v2" | "v1";
  /** 200 → the body; 404 → undefined; 401 → a new token, once, then the GET again. */
  get(path: string, options: { maxBytes: number; expect: string }): Promise<Uint8Array | undefined>;
}

/**
 * A session token, or undefined where the service has none to give (IMDSv1).
 * The token is a secret: it never appears in an error or a log line, only in the header.
 */
async function putToken(fetcher: MetadataFetcher, log: ConsolaInstance, first: boolean): Promise<Secret | undefined> {
  let answer;
  try {
    answer = await fetcher.request(TOKEN_PATH, {
      method: "PUT",
      headers: { [TOKEN_TTL_HEADER]: TOKEN_TTL_SECONDS },
      expect: "an IMDSv2 session token",
      ...TOKEN_TRY,
    });
  } catch (error) {
    // No answer to the PUT at all: try IMDSv1, unless there is no time left to try anything.
    if (!first || !(error instanceof HostError) || fetcher.stopped) throw error;
    log.debug(`${error.message}; trying IMDSv1`);
    return undefined;
  }
  const where = `PUT ${fetcher.url(TOKEN_PATH)}`;
  if (answer.status === 403) throw new HostError(`${where}: 403, the instance metadata endpoint is disabled`);
  // No IMDSv2 here (an older service, or an EC2-compatible one): the GETs go without a token.
  if (answer.status === 404 || answer.status === 405) return undefined;
  if (answer.status !== 200) throw new HostError(`${where}: answered ${answer.status}, expected a token (200), or 403, 404, 405`);
  const token = new TextDecoder().decode(answer.body).trim();
  // A header value: anything else could split the request. Its length is safe to say, not its text.
  if (!/^[\x21-\x7e]{1,1000}$/.test(token)) {
    throw new InputError(fetcher.url(TOKEN_PATH), [{ path: "", message: `expected a token of printable ASCII, got ${answer.body.length} bytes of something else` }]);
  }
  return new Secret(token);
}

export async function openEc2Session(fetcher: MetadataFetcher, log: ConsolaInstance): Promise<Ec2Session> {
  let token = Promise.resolve(await putToken(fetcher, log, true));
  const imds = (await token) ? "v2" : "v1";

  async function ask(path: string, options: { maxBytes: number; expect: string }, used: Promise<Secret | undefined>) {
    const secret = await used;
    return fetcher.request(path, { ...options, headers: secret ? { [TOKEN_HEADER]: secret.reveal() } : {} });
  }

  return {
    imds,
    async get(path, options) {
      const used = token;
      let answer = await ask(path, options, used);
      if (answer.status === 401) {
        // The token expired or was revoked. Concurrent GETs that saw the same token share one PUT.
        if (token === used) token = putToken(fetcher, log, false);
        answer = await ask(path, options, token);
      }
      if (answer.status === 404) return undefined;
      if (answer.status === 401) throw new HostError(`GET ${fetcher.url(path)} (${options.expect}): 401 Unauthorized, even after asking for a new token`);
      if (answer.status !== 200) throw new HostError(`GET ${fetcher.url(path)} (${options.expect}): answered ${answer.status}, expected 200 or 404`);
      return answer.body;
    },
  };
}
