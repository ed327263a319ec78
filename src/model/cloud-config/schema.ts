import * as v from "valibot";
import { expected } from "./describe.ts";
import { Chpasswd, SshPwauth } from "./passwords.ts";
import { BootCmd, RunCmd } from "./commands.ts";
import { Bool, Str, StrList } from "./scalars.ts";
import { SecretStr } from "./secrets.ts";
import { CaCerts, Growpart, Hostname, ManageEtcHosts, Ntp, Packages, PowerStateSchema, ResizeRootfs, Timezone } from "./system.ts";
import { Groups, Users } from "./users.ts";
import { WriteFiles } from "./write-files.ts";

/**
 * The cloud-config keys Tether applies, each with cloud-init's meaning and the forms cloud-init
 * accepts (cloudinit/config/schemas/schema-cloud-config-v1.json and the modules' own parsing).
 * Keys keep cloud-init's names, so a user's file and this model read the same.
 */
export const CLOUD_CONFIG_ENTRIES = {
  // cc_set_hostname / cc_update_hostname / cc_update_etc_hosts
  hostname: v.optional(Hostname),
  fqdn: v.optional(Hostname),
  prefer_fqdn_over_hostname: v.optional(Bool),
  preserve_hostname: v.optional(Bool),
  manage_etc_hosts: v.optional(ManageEtcHosts),
  // cc_users_groups
  users: v.optional(Users),
  groups: v.optional(Groups),
  // cc_ssh
  ssh_authorized_keys: v.optional(StrList),
  disable_root: v.optional(Bool),
  // cc_set_passwords
  ssh_pwauth: v.optional(SshPwauth),
  password: v.optional(SecretStr),
  chpasswd: v.optional(Chpasswd),
  // cc_write_files
  write_files: v.optional(WriteFiles),
  // cc_bootcmd, cc_runcmd
  bootcmd: v.optional(BootCmd),
  runcmd: v.optional(RunCmd),
  // cc_timezone, cc_ntp, cc_ca_certs
  timezone: v.optional(Timezone),
  ntp: v.optional(Ntp),
  ca_certs: v.optional(CaCerts),
  // cc_package_update_upgrade_install
  packages: v.optional(Packages),
  package_update: v.optional(Bool),
  // cc_growpart, cc_resizefs, cc_power_state_change, cc_final_message
  growpart: v.optional(Growpart),
  resize_rootfs: v.optional(ResizeRootfs),
  power_state: v.optional(PowerStateSchema),
  final_message: v.optional(Str),
};

export const CloudConfigSchema = v.object(CLOUD_CONFIG_ENTRIES, expected("a mapping of cloud-config keys"));

export type CloudConfig = v.InferOutput<typeof CloudConfigSchema>;
