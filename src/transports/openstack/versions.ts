/** Metadata versions this reader understands, oldest first (nova/api/metadata/base.py). */
export const KNOWN_VERSIONS = ["2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30", "2016-10-06", "2017-02-22", "2018-08-27"];

/** The newest known version the source offers, else `latest`, else null. */
export function pickVersion(offered: readonly string[]): string | null {
  for (const version of [...KNOWN_VERSIONS].reverse()) if (offered.includes(version)) return version;
  return offered.includes("latest") ? "latest" : null;
}

/** A line of GET /openstack: `latest` or a date. */
export function isVersionLine(line: string): boolean {
  return /^(latest|\d{4}-\d{2}-\d{2})$/.test(line);
}

/** The version list in GET /openstack's answer, or undefined when the text is no such list. */
export function versionList(text: string): string[] | undefined {
  const versions = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return versions.length > 0 && versions.every(isVersionLine) ? versions : undefined;
}
