import { defineScript } from "../powershell.ts";

/**
 * PowerShell functions the account scripts share, to find what the planners name (accounts.ts's
 * UserRef): by SID where the account exists, by name where this boot creates it, and the built-in
 * Administrator by its RID, since it may be renamed and its name is localized.
 */
export const FIND_USER = String.raw`
function Find-User($who) {
  if ($who.sid) { return Get-LocalUser -SID ([string]$who.sid) }
  if ($who.builtin) {
    $found = @(Get-LocalUser | Where-Object { $_.SID.Value -like 'S-1-5-21-*-500' })
    if ($found.Count -eq 0) { throw 'this machine has no built-in Administrator (RID 500)' }
    return $found[0]
  }
  Get-LocalUser -Name ([string]$who.name)
}
`;

/**
 * Users, groups and memberships of the cloud-config, in one run. New users get the random password
 * the planner chose (never -NoPassword: that leaves a console logon with a blank password) and a
 * password that never expires, since nobody knows it to change it. Groups and memberships are made
 * where missing: the facts do not list groups, so "already there" is the script's to find out.
 * Administrators is found by its SID, whatever this Windows calls it.
 */
export const CREATE_USERS = defineScript(
  "create-users",
  FIND_USER +
    String.raw`
function Find-Group($which) {
  if ($which.sid) { return Get-LocalGroup -SID ([string]$which.sid) }
  Get-LocalGroup -Name ([string]$which.name)
}
foreach ($u in @($data.users)) {
  # A run cut short and started again finds the users it made: they stay as they are.
  if (Get-LocalUser -Name ([string]$u.name) -ErrorAction SilentlyContinue) { continue }
  $password = ConvertTo-SecureString -String ([string]$u.password) -AsPlainText -Force
  $params = @{ Name = [string]$u.name; Password = $password; PasswordNeverExpires = $true }
  if ($null -ne $u.fullName) { $params.FullName = [string]$u.fullName }
  New-LocalUser @params | Out-Null
}
foreach ($g in @($data.groups)) {
  if (-not (Get-LocalGroup -Name ([string]$g) -ErrorAction SilentlyContinue)) { New-LocalGroup -Name ([string]$g) | Out-Null }
}
foreach ($m in @($data.members)) {
  try {
    Add-LocalGroupMember -Group (Find-Group $m.group) -Member (Find-User $m.user)
  } catch {
    # Already a member is what was asked for; the exception's type says so in any language.
    if ($_.Exception.GetType().Name -ne 'MemberExistsException') { throw }
  }
}
`,
);
