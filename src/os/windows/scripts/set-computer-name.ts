import { defineScript } from "../powershell.ts";

/**
 * SetComputerNameEx(ComputerNamePhysicalDnsHostname) sets the DNS host name and, from its first 15
 * characters, the NetBIOS name, as System Properties does. Rename-Computer goes through WMI, which
 * refuses names longer than 15 characters outright. Both take effect at the next start.
 */
export const SET_COMPUTER_NAME = defineScript(
  "set-computer-name",
  String.raw`
Add-Type -Namespace Tether -Name ComputerName -MemberDefinition @'
[DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
public static extern bool SetComputerNameEx(int type, string name);
'@
# 5 = ComputerNamePhysicalDnsHostname
if (-not [Tether.ComputerName]::SetComputerNameEx(5, [string]$data.name)) {
  throw (New-Object System.ComponentModel.Win32Exception([Runtime.InteropServices.Marshal]::GetLastWin32Error())).Message
}
`,
);
