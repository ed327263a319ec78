import { InputError } from "../errors.ts";
import { bytesOfLatin1, decodeBase64, latin1 } from "./base64.ts";
import type { UserDataLimits } from "./limits.ts";
import { parseHeaders, parseHeaderValue, type Headers } from "./mime-headers.ts";
import { decodeQuotedPrintable } from "./quoted-printable.ts";

/** One non-multipart part, its transfer encoding undone. */
export interface MimePart {
  /** Lower-cased `type/subtype`; text/plain when the part does not say (RFC 2045 §5.2). */
  contentType: string;
  /** From Content-Disposition's filename, else Content-Type's name. */
  filename?: string;
  body: Uint8Array;
  /** 1-based position among all the parts, for messages and default names. */
  index: number;
}

/** cloud-init's test for a MIME message: a MIME-Version header somewhere in the first 4 KiB. */
export function looksLikeMime(bytes: Uint8Array): boolean {
  return latin1(bytes.subarray(0, 4096)).toLowerCase().includes("mime-version:");
}

interface Walk {
  source: string;
  limits: UserDataLimits;
  warnings: string[];
  parts: MimePart[];
  /** Every entity seen, multiparts included: what the part limit counts. */
  seen: number;
}

/** Splits header block and body at the first empty line. */
function splitEntity(text: string): { headers: Headers; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  if (/^\r?\n/.test(text)) return { headers: new Map(), body: text.replace(/^\r?\n/, "") };
  if (!match) return { headers: parseHeaders(text), body: "" };
  return { headers: parseHeaders(text.slice(0, match.index)), body: text.slice(match.index + match[0].length) };
}

/** "MIME message" for the whole, "MIME part 2.1" for the first part of the second. */
const label = (where: string) => (where === "" ? "MIME message" : `MIME part ${where}`);

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The bodies between the boundary lines of a multipart body (RFC 2046 §5.1.1). */
function splitMultipart(body: string, boundary: string, walk: Walk, where: string): string[] {
  const delimiter = new RegExp(`(^|\\r?\\n)--${escapeRe(boundary)}(--)?[ \\t]*(?=\\r?\\n|$)`, "g");
  const bodies: string[] = [];
  let start = -1;
  let closed = false;
  for (const m of body.matchAll(delimiter)) {
    if (start >= 0) bodies.push(body.slice(start, m.index));
    if (m[2] === "--") {
      closed = true;
      break;
    }
    const after = m.index + m[0].length;
    start = body.startsWith("\r\n", after) ? after + 2 : body.startsWith("\n", after) ? after + 1 : after;
  }
  if (start < 0) throw new InputError(walk.source, [{ path: where, message: `multipart boundary ${JSON.stringify(boundary)} never appears: no parts` }]);
  if (!closed) {
    bodies.push(body.slice(start));
    walk.warnings.push(`${where}: multipart boundary ${JSON.stringify(boundary)} is never closed; the data after the last boundary is taken as the last part`);
  }
  return bodies;
}

function decodeTransfer(body: string, headers: Headers, walk: Walk, where: string): Uint8Array {
  const encoding = parseHeaderValue(headers.get("content-transfer-encoding") ?? "7bit").value;
  switch (encoding) {
    case "base64":
      return decodeBase64(body, walk.source, where);
    case "quoted-printable":
      return decodeQuotedPrintable(body);
    case "7bit":
    case "8bit":
    case "binary":
    case "":
      return bytesOfLatin1(body);
    default:
      throw new InputError(walk.source, [{ path: where, message: `unsupported Content-Transfer-Encoding ${JSON.stringify(encoding)} (expected base64, quoted-printable, 7bit or 8bit)` }]);
  }
}

function walkEntity(text: string, depth: number, walk: Walk, where: string): void {
  walk.seen++;
  if (walk.seen > walk.limits.parts) {
    throw new InputError(walk.source, [{ path: label(where), message: `more than ${walk.limits.parts} MIME parts: refused` }]);
  }
  const { headers, body } = splitEntity(text);
  const type = parseHeaderValue(headers.get("content-type") ?? "text/plain");
  if (type.value.startsWith("multipart/")) {
    if (depth >= walk.limits.depth) {
      throw new InputError(walk.source, [{ path: label(where), message: `MIME multipart nested deeper than ${walk.limits.depth} levels: refused` }]);
    }
    const boundary = type.params.get("boundary");
    if (!boundary) throw new InputError(walk.source, [{ path: label(where), message: `${type.value} without a boundary parameter` }]);
    splitMultipart(body, boundary, walk, label(where)).forEach((part, i) => walkEntity(part, depth + 1, walk, `${where === "" ? "" : `${where}.`}${i + 1}`));
    return;
  }
  const index = walk.parts.length + 1;
  const partWhere = label(where);
  const filename = parseHeaderValue(headers.get("content-disposition") ?? "").params.get("filename") ?? type.params.get("name");
  walk.parts.push({
    contentType: type.value.includes("/") ? type.value : "text/plain",
    ...(filename ? { filename } : {}),
    body: decodeTransfer(body, headers, walk, partWhere),
    index,
  });
}

/**
 * A small MIME reader for user-data (RFC 2045/2046): headers, boundaries, base64 and
 * quoted-printable, nested multiparts — bounded in depth and in the number of parts. Returns the
 * leaf parts in order, as cloud-init's walk over the message sees them.
 */
export function parseMime(bytes: Uint8Array, source: string, limits: UserDataLimits, warnings: string[]): MimePart[] {
  const walk: Walk = { source, limits, warnings, parts: [], seen: 0 };
  walkEntity(latin1(bytes), 0, walk, "");
  return walk.parts;
}
