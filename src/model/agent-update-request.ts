import { InputError } from "../errors.ts";
import type { UpdateDigest } from "./command.ts";

/** An agent update as the host asks for it: where the new binary is, and its digest. */
export interface AgentUpdateRequest {
  url: string;
  digest: UpdateDigest;
}

export const AGENT_UPDATE_SOURCE = "agentupdate value";
const MAX_VALUE = 8192;

const problem = (path: string, message: string): never => {
  throw new InputError(AGENT_UPDATE_SOURCE, [{ path, message }]);
};

/**
 * A URL as errors and logs show it: the query left out, because signed download URLs (Swift
 * TempURL's temp_url_sig, S3's X-Amz-Signature) carry their credential there.
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(an unparsable URL)";
  }
}

/** The reason a URL may not be downloaded from, or null. */
export function urlProblem(url: URL): string | null {
  if (url.protocol !== "http:" && url.protocol !== "https:") return `expected an http or https URL, got ${url.protocol.slice(0, -1)}`;
  // Credentials would end up in logs and replies; a host that needs them has signed URLs.
  if (url.username || url.password) return "a URL with credentials (user:password@) is refused";
  if (!url.hostname) return "the URL has no host";
  return null;
}

/**
 * Split at the last comma: a digest is hex and never holds one, while a URL may (a comma is a legal
 * sub-delimiter in paths and queries, RFC 3986 §2.2), so the last comma is the only unambiguous cut.
 */
export function parseAgentUpdate(value: unknown): AgentUpdateRequest {
  if (typeof value !== "string") return problem("", `expected a string "<url>,<md5 hex>", got ${value === null ? "null" : typeof value}`);
  if (value.length > MAX_VALUE) problem("", `expected at most ${MAX_VALUE} characters, got ${value.length}`);
  const cut = value.lastIndexOf(",");
  if (cut < 0) problem("", 'expected "<url>,<md5 hex>": no comma');
  const rawUrl = value.slice(0, cut);
  const hex = value.slice(cut + 1);
  const algorithm = /^[0-9a-f]{32}$/i.test(hex) ? "md5" : /^[0-9a-f]{64}$/i.test(hex) ? "sha256" : null;
  if (!algorithm) problem("digest", `expected 32 hex digits (MD5) or 64 (SHA-256), got ${hex.length} characters${/^[0-9a-f]*$/i.test(hex) ? "" : " that are not all hex digits"}`);
  // The URL parser would quietly drop surrounding spaces and inner tabs and newlines: refuse them instead.
  if (rawUrl === "") problem("url", "expected a URL before the comma");
  if (/[\s\x00-\x1f\x7f]/.test(rawUrl)) problem("url", "the URL contains whitespace or control characters");
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return problem("url", "not a valid absolute URL");
  }
  const why = urlProblem(url);
  if (why) problem("url", why);
  return { url: url.href, digest: { algorithm: algorithm as "md5" | "sha256", hex: hex.toLowerCase() } };
}

