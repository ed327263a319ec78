import { defineScript } from "../powershell.ts";
import { FIND_USER } from "./create-users.ts";

/**
 * Passwords, in one run, from stdin only (never an argument, which any process may read). Setting
 * the built-in Administrator's password enables it when the planner says it is disabled: a password
 * for an account nobody can log on to would be no use. "Must change at next logon" is ADSI's
 * PasswordExpired, which Windows ignores while the password never expires: that flag goes first.
 */
export const SET_PASSWORDS = defineScript(
  "set-passwords",
  FIND_USER +
    String.raw`
foreach ($p in @($data.passwords)) {
  $user = Find-User $p.user
  $password = ConvertTo-SecureString -String ([string]$p.password) -AsPlainText -Force
  Set-LocalUser -InputObject $user -Password $password
  if ($p.enable) { Enable-LocalUser -InputObject $user }
  if ($p.expire) {
    Set-LocalUser -InputObject $user -PasswordNeverExpires $false
    $adsi = [ADSI]('WinNT://' + $env:COMPUTERNAME + '/' + $user.Name + ',user')
    $adsi.PasswordExpired = 1
    $adsi.SetInfo()
  }
}
`,
);
