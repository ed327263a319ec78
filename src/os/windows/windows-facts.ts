import type { BaseFacts } from "../../actions/types.ts";

/** From HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion. */
export interface WindowsVersion {
  /** "Windows Server 2022 Datacenter" */
  productName: string;
  /** "ServerDatacenter", "Professional" */
  edition: string;
  /** "20348" */
  build: string;
  /** "21H2"; empty on releases before 20H2 */
  displayVersion: string;
  /** "Server", "Server Core" or "Client" */
  installationType: string;
}

export interface WindowsUser {
  name: string;
  sid: string;
  enabled: boolean;
  /** A member of the Administrators group (S-1-5-32-544), whatever the group is called in this language. */
  admin: boolean;
  /** The profile directory inside the root ("/Users/alice"); absent until the user first logs on. */
  profile?: string;
}

export interface WindowsVolume {
  /** "D:" */
  letter: string;
  label: string;
  /** "NTFS", "CDFS", "FAT32" */
  fs: string;
}

/**
 * What the Windows backend gathers (src/os/windows/facts.ts), in one PowerShell run on a running
 * system. Under --root (an image being prepared) nothing runs: the live parts are empty or null, and
 * the actions that need the running Windows are kept for its first boot.
 */
export interface WindowsFacts extends BaseFacts {
  windows: WindowsVersion | null;
  /** The drive the root is ("C:"): plan paths are inside it, "/ProgramData/ssh" is C:\ProgramData\ssh. */
  systemDrive: string;
  /** The computer's NetBIOS name now; null offline. */
  computerName: string | null;
  users: WindowsUser[];
  /** The local name of the Administrators group (S-1-5-32-544): "Administrators", "Administrateurs". */
  adminGroup: string;
  volumes: WindowsVolume[];
  /** The Windows time zone id now ("UTC", "Pacific Standard Time"); null offline. */
  timezone: string | null;
}

/** A plan path ("/ProgramData/ssh/x") as Windows programs take it ("C:\ProgramData\ssh\x"). */
export function windowsPath(facts: Pick<WindowsFacts, "systemDrive">, path: string): string {
  return `${facts.systemDrive}${path.replaceAll("/", "\\")}`;
}

export const ADMINISTRATORS_SID = "S-1-5-32-544";
export const SYSTEM_SID = "S-1-5-18";
