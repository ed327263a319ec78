/** One MIME header block, names lower-cased, folded lines joined (RFC 5322 §2.2.3). */
export type Headers = Map<string, string>;

export function parseHeaders(block: string): Headers {
  const headers: Headers = new Map();
  let last: string | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // not a header: Python's email notes a defect and goes on, so do we
    last = line.slice(0, colon).trim().toLowerCase();
    // The first of a repeated header wins, as email.message.Message.get() gives it.
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
  }
  return headers;
}

export interface HeaderValue {
  /** Lower-cased: `text/cloud-config`, `base64`, `attachment`. */
  value: string;
  /** Parameter names lower-cased; values unquoted. */
  params: Map<string, string>;
}

/** `type/subtype; name=value; name="quoted \" value"` */
export function parseHeaderValue(text: string): HeaderValue {
  const semi = text.indexOf(";");
  const value = (semi < 0 ? text : text.slice(0, semi)).trim().toLowerCase();
  const params = new Map<string, string>();
  if (semi >= 0) {
    const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
    for (const m of text.slice(semi).matchAll(re)) {
      const name = (m[1] as string).toLowerCase();
      const raw = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "").trim();
      if (!params.has(name)) params.set(name, raw);
    }
  }
  return { value, params };
}
