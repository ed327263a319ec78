import { caCertsAction } from "./ca-certs.ts";
import { finalMessageAction } from "./final-message.ts";
import { hostnameAction } from "./hostname.ts";
import { injectedFilesAction } from "./injected-files.ts";
import { networkAction } from "./network.ts";
import { ntpAction } from "./ntp.ts";
import { packagesAction } from "./packages.ts";
import { passwordsAction } from "./passwords.ts";
import { powerStateAction } from "./power-state.ts";
import { bootcmdAction, scriptsAction } from "./scripts.ts";
import { sshKeysAction } from "./ssh-keys.ts";
import { timezoneAction } from "./timezone.ts";
import type { Action } from "./types.ts";
import { usersAction } from "./users.ts";
import { writeFilesAction, writeFilesDeferredAction } from "./write-files.ts";

/**
 * Every boot action, in the order their changes apply: bootcmd first (cloud-init runs it before
 * anything), the machine's name and network files, then accounts, keys and passwords, files and
 * system settings, files deferred until the users exist, user scripts, and power state last (it is
 * applied only after the run is recorded). A static list: `bun build --compile` must see every module.
 */
export const ACTIONS: readonly Action[] = [
  bootcmdAction,
  hostnameAction,
  networkAction,
  usersAction,
  sshKeysAction,
  passwordsAction,
  writeFilesAction,
  injectedFilesAction,
  timezoneAction,
  ntpAction,
  caCertsAction,
  packagesAction,
  writeFilesDeferredAction,
  scriptsAction,
  finalMessageAction,
  powerStateAction,
];
