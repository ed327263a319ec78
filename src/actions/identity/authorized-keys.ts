/**
 * authorized_keys lines (sshd(8), AUTHORIZED_KEYS FILE FORMAT): `[options] keytype base64 [comment]`.
 * Only lines that are plainly keys are accepted from instance data; anything else could give sshd
 * options nobody meant, or a second line.
 */

/** Public key types sshd accepts in authorized_keys (OpenSSH's sshkey.c, signature-only names left out). */
export const KEY_TYPES = new Set([
  "ssh-ed25519",
  "ssh-ed25519-cert-v01@openssh.com",
  "sk-ssh-ed25519@openssh.com",
  "sk-ssh-ed25519-cert-v01@openssh.com",
  "ssh-rsa",
  "ssh-rsa-cert-v01@openssh.com",
  "ssh-dss",
  "ssh-dss-cert-v01@openssh.com",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ecdsa-sha2-nistp256-cert-v01@openssh.com",
  "ecdsa-sha2-nistp384-cert-v01@openssh.com",
  "ecdsa-sha2-nistp521-cert-v01@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
  "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
  "ssh-xmss@openssh.com",
  "ssh-xmss-cert-v01@openssh.com",
]);

export interface KeyLine {
  options: string | null;
  type: string;
  /** The key itself: two lines with the same blob are the same key, whatever their options or comment. */
  blob: string;
  comment: string;
}

const BLOB = /^[A-Za-z0-9+/]+={0,3}$/;

/** The options field ends at the first blank outside double quotes (a quote may hold blanks and \"). */
function splitOptions(line: string): [string, string] | null {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if ((c === " " || c === "\t") && !quoted) return [line.slice(0, i), line.slice(i).trimStart()];
  }
  return null;
}

function typeAndBlob(rest: string): Omit<KeyLine, "options"> | null {
  const [type, blob, ...comment] = rest.split(/[ \t]+/);
  if (!type || !KEY_TYPES.has(type) || !blob || !BLOB.test(blob)) return null;
  return { type, blob, comment: comment.join(" ") };
}

/** A key line, or null when the text is not exactly one key (a comment, a blank, garbage, two lines). */
export function parseKeyLine(text: string): KeyLine | null {
  if (/[\n\r\0]/.test(text)) return null;
  const line = text.trim();
  if (line === "" || line.startsWith("#")) return null;
  const plain = typeAndBlob(line);
  if (plain) return { options: null, ...plain };
  const split = splitOptions(line);
  if (!split) return null;
  const key = typeAndBlob(split[1]);
  return key ? { options: split[0], ...key } : null;
}

export function formatKeyLine(key: KeyLine, options: string | null = key.options): string {
  return [options, key.type, key.blob, key.comment].filter((p) => p !== null && p !== "").join(" ");
}

/**
 * The file with `lines` in it. As cloud-init does: a line already there with the same key is replaced
 * in place by the new one (its options may have changed), other lines are kept as they are, new keys
 * are appended. Text is latin1 "byte text" (see bytes.ts); the result ends with a newline.
 */
export function mergeAuthorizedKeys(existing: string | undefined, lines: { key: KeyLine; text: string }[]): string {
  const wanted = new Map<string, string>();
  for (const { key, text } of lines) if (!wanted.has(key.blob)) wanted.set(key.blob, text);
  const placed = new Set<string>();
  const out: string[] = [];
  const old = existing === undefined || existing === "" ? [] : existing.replace(/\n$/, "").split("\n");
  for (const line of old) {
    const key = parseKeyLine(line);
    const replacement = key ? wanted.get(key.blob) : undefined;
    if (key && replacement !== undefined) {
      if (!placed.has(key.blob)) out.push(replacement);
      placed.add(key.blob);
    } else out.push(line);
  }
  for (const [blob, text] of wanted) if (!placed.has(blob)) out.push(text);
  return `${out.join("\n")}\n`;
}
