import { defineScript } from "../powershell.ts";

/**
 * Everything the Windows planners look at, in one run (PowerShell's start-up is the cost): the
 * version from the registry, local users with their Administrators membership (by SID: the group's
 * name is localized) and profile directories, adapters with a MAC, volumes, the zone, the name.
 */
export const READ_FACTS = defineScript(
  "read-facts",
  String.raw`
$cv = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$adminGroup = Get-LocalGroup -SID 'S-1-5-32-544'
$admins = @{}
try {
  foreach ($m in @(Get-LocalGroupMember -Group $adminGroup)) { $admins[[string]$m.SID] = $true }
} catch {
  # Get-LocalGroupMember fails outright when the group holds a SID whose account is gone; ADSI still lists the members.
  $group = [ADSI]('WinNT://./' + $adminGroup.Name + ',group')
  foreach ($m in @($group.Invoke('Members'))) {
    $bytes = $m.GetType().InvokeMember('objectSid', 'GetProperty', $null, $m, $null)
    $admins[(New-Object System.Security.Principal.SecurityIdentifier($bytes, 0)).Value] = $true
  }
}
$profiles = @{}
foreach ($p in @(Get-ChildItem 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList')) {
  $profiles[$p.PSChildName] = [string](Get-ItemProperty -LiteralPath $p.PSPath).ProfileImagePath
}
$users = @(foreach ($u in @(Get-LocalUser)) {
  $sid = [string]$u.SID
  @{ name = [string]$u.Name; sid = $sid; enabled = [bool]$u.Enabled; admin = [bool]$admins[$sid]; profile = [string]$profiles[$sid] }
})
$nics = @(foreach ($a in @(Get-NetAdapter -IncludeHidden | Where-Object { $_.MacAddress })) { @{ name = [string]$a.Name; mac = [string]$a.MacAddress } })
$volumes = @(foreach ($v in @(Get-CimInstance Win32_Volume | Where-Object { $_.DriveLetter })) { @{ letter = [string]$v.DriveLetter; label = [string]$v.Label; fs = [string]$v.FileSystem } })
@{
  productName = [string]$cv.ProductName; edition = [string]$cv.EditionID; build = [string]$cv.CurrentBuildNumber
  displayVersion = [string]$cv.DisplayVersion; installationType = [string]$cv.InstallationType
  computerName = [string]$env:COMPUTERNAME; systemDrive = [string]$env:SystemDrive; adminGroup = [string]$adminGroup.Name
  timezone = [string](Get-TimeZone).Id; users = $users; nics = $nics; volumes = $volumes
} | ConvertTo-Json -Depth 4 -Compress
`,
);
