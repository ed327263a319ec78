import * as v from "valibot";

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 253 bytes at most. */
export function isHostname(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split(".").every((label) => LABEL.test(label));
}

export const HostnameSchema = v.pipe(
  v.string(),
  v.check(isHostname, (issue) => `expected a host name (letters, digits, inner hyphens; labels of 1-63, 253 in all), got ${JSON.stringify(issue.input)}`),
);

/** A cloud's host name may be an FQDN: the machine's name is its first label, the FQDN kept beside it. */
export function splitHostname(name: string): { hostname: string; fqdn?: string } {
  const dot = name.indexOf(".");
  return dot < 0 ? { hostname: name } : { hostname: name.slice(0, dot), fqdn: name };
}
