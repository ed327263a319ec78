import { defineScript } from "../powershell.ts";
import { FIND_USER } from "./create-users.ts";

/**
 * authorized_keys for users who have no profile directory yet (created this boot, or never logged
 * on): userenv's CreateProfile makes it, as the first logon would, and says where it is through
 * ProfileList. Keys already in the file stay; ours are added where their key is not there yet. The
 * file is UTF-8 without a BOM (sshd would read a BOM as part of the first key) and gets the ACL sshd
 * wants: the user, SYSTEM and Administrators, nothing inherited.
 */
export const USER_KEYS = defineScript(
  "user-keys",
  FIND_USER +
    String.raw`
Add-Type -Namespace Tether -Name UserEnv -MemberDefinition @'
[DllImport("userenv.dll", CharSet = CharSet.Unicode)]
public static extern int CreateProfile(string sid, string name, System.Text.StringBuilder path, uint size);
'@
# HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS), 0x800700B7 as a signed 32-bit number: the profile is there, which will do.
$alreadyExists = -2147024713
$utf8 = New-Object System.Text.UTF8Encoding $false
$latin1 = [System.Text.Encoding]::GetEncoding(28591)
$lf = [string][char]10
foreach ($entry in @($data.users)) {
  $user = Find-User $entry.user
  $sid = $user.SID.Value
  $buffer = New-Object System.Text.StringBuilder 260
  $hr = [Tether.UserEnv]::CreateProfile($sid, $user.Name, $buffer, 260)
  if ($hr -ne 0 -and $hr -ne $alreadyExists) { throw ('CreateProfile for ' + $user.Name + ' failed: HRESULT 0x' + $hr.ToString('X8')) }
  $profileDir = (Get-ItemProperty -LiteralPath ('HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\' + $sid)).ProfileImagePath
  $sshDir = Join-Path $profileDir '.ssh'
  [void](New-Item -ItemType Directory -Force -Path $sshDir)
  $file = Join-Path $sshDir 'authorized_keys'
  # Read as latin1, one character per byte: the file's own lines go back byte for byte, whatever their encoding.
  $old = [byte[]]@()
  if ([System.IO.File]::Exists($file)) { $old = [System.IO.File]::ReadAllBytes($file) }
  $oldText = $latin1.GetString($old)
  $add = ''
  foreach ($key in @($entry.keys)) {
    if (-not $oldText.Contains([string]$key.blob)) { $add += [string]$key.line + $lf }
  }
  if ($old.Length -gt 0 -and -not $oldText.EndsWith($lf) -and $add) { $add = $lf + $add }
  [System.IO.File]::WriteAllBytes($file, [byte[]]($old + $utf8.GetBytes($add)))
  $acl = New-Object System.Security.AccessControl.FileSecurity
  $acl.SetAccessRuleProtection($true, $false)
  foreach ($trustee in @($sid, 'S-1-5-18', 'S-1-5-32-544')) {
    $id = New-Object System.Security.Principal.SecurityIdentifier $trustee
    $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule $id, 'FullControl', 'Allow'))
  }
  [System.IO.File]::SetAccessControl($file, $acl)
}
`,
);
