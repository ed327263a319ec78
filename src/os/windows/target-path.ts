import { InputError } from "../../errors.ts";
import { targetPath } from "../../actions/target-files.ts";
import type { WindowsFacts } from "./windows-facts.ts";

/** Names Windows opens as devices in any directory, with any extension ("C:\x\nul.txt" is NUL). */
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;
/** Reserved in file names; ":" would also name an alternate data stream. */
const RESERVED = /[<>:"|?*\x00-\x1f]/;

/**
 * A path from data (write_files, injected files) as a plan path on Windows: "C:\x\y", "C:/x/y",
 * "\x\y" and "/x/y" all name C:\x\y when C: is the system drive (the root). Other drives, UNC
 * paths, device names and names Windows would silently alter (trailing dots or spaces) are refused:
 * each would write somewhere other than where the plan says.
 */
export function windowsTargetPath(raw: string, source: string, field: string, facts: Pick<WindowsFacts, "systemDrive">): string {
  const refuse = (message: string): never => {
    throw new InputError(source, [{ path: field, message }]);
  };
  if (raw.includes("\0")) refuse("must not contain a NUL byte");
  let rest = raw.replaceAll("\\", "/");
  if (rest.startsWith("//")) refuse(`a UNC or device path is not a file of this machine, got ${JSON.stringify(raw)}`);
  const drive = /^([A-Za-z]):/.exec(rest);
  if (drive) {
    if (`${drive[1]?.toUpperCase()}:` !== facts.systemDrive.toUpperCase()) refuse(`only the system drive ${facts.systemDrive} is configured, got ${JSON.stringify(raw)}`);
    rest = rest.slice(2);
  }
  if (!rest.startsWith("/")) refuse(`expected an absolute path (C:\\dir\\file or \\dir\\file), got ${JSON.stringify(raw)}`);
  for (const part of rest.split("/").filter((p) => p !== "" && p !== "." && p !== "..")) {
    if (RESERVED.test(part)) refuse(`${JSON.stringify(part)}: Windows does not allow < > : " | ? * or control characters in a name`);
    if (DEVICE.test(part)) refuse(`${JSON.stringify(part)} is a Windows device name, not a file`);
    if (/[. ]$/.test(part)) refuse(`${JSON.stringify(part)}: Windows drops a name's trailing dots and spaces, so it would write another file`);
  }
  return targetPath(rest, source, field);
}
