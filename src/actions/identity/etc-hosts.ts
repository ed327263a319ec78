import { utf8AsLatin1 } from "./bytes.ts";

/**
 * /etc/hosts edits. Lines are kept as they are (comments, other hosts, white space); only the lines
 * of the address being managed are touched. Text is latin1 "byte text" (see bytes.ts).
 */

const LOCALHOST_LINES = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"];

interface Entry {
  ip: string;
  names: string[];
}

function entryOf(line: string): Entry | null {
  const fields = line.replace(/#.*$/, "").trim().split(/\s+/);
  const [ip, ...names] = fields;
  return ip && names.length ? { ip, names } : null;
}

const hostLine = (ip: string, fqdn: string, hostname: string) => utf8AsLatin1([ip, ...new Set([fqdn, hostname])].join(" "));

function linesOf(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/**
 * manage_etc_hosts: true, Debian style: one `127.0.1.1 FQDN HOSTNAME` line, in place of any earlier
 * 127.0.1.1 lines (or after the 127.0.0.1 line), every other line kept; localhost lines added if the
 * file has none.
 */
export function hostsWithName(existing: string | undefined, fqdn: string, hostname: string): string {
  const lines = linesOf(existing ?? "");
  const ours = hostLine("127.0.1.1", fqdn, hostname);
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    if (entryOf(line)?.ip !== "127.0.1.1") out.push(line);
    else if (!placed) {
      out.push(ours);
      placed = true;
    }
  }
  const has = (ip: string) => out.some((l) => entryOf(l)?.ip === ip && entryOf(l)?.names.includes("localhost"));
  if (!has("127.0.0.1")) out.unshift(LOCALHOST_LINES[0] as string);
  if (!placed) out.splice(out.findIndex((l) => entryOf(l)?.ip === "127.0.0.1") + 1, 0, ours);
  if (!has("::1")) out.splice(out.indexOf(ours) + 1, 0, LOCALHOST_LINES[1] as string);
  return `${out.join("\n")}\n`;
}

/**
 * manage_etc_hosts: localhost, as cloud-init's update_etc_hosts: if a line for the distribution's
 * local address already names FQDN first and HOSTNAME after it, nothing changes (null); else that
 * address's lines move to the end with the new one after them. A missing file gets the localhost
 * lines too (cloud-init would write the one line only).
 */
export function hostsWithLocalhost(existing: string | undefined, ip: string, fqdn: string, hostname: string): string | null {
  const lines = linesOf(existing ?? "");
  const mine = lines.filter((l) => entryOf(l)?.ip === ip);
  if (mine.some((l) => {
    const e = entryOf(l) as Entry;
    return e.names[0] === fqdn && (fqdn === hostname || e.names.slice(1).includes(hostname));
  })) return null;
  const others = existing === undefined ? [...LOCALHOST_LINES] : lines.filter((l) => entryOf(l)?.ip !== ip);
  return `${[...others, ...mine, hostLine(ip, fqdn, hostname)].join("\n")}\n`;
}
