import { finalMessageAction } from "../../../actions/final-message.ts";
import { injectedFilesActionFor } from "../../../actions/injected-files.ts";
import type { Action } from "../../../actions/types.ts";
import { writeFilesActions } from "../../../actions/write-files.ts";
import type { WindowsFacts } from "../windows-facts.ts";
import { WINDOWS_FILES } from "./file-means.ts";
import { windowsHostnameAction } from "./hostname.ts";
import { windowsLinuxOnlyAction } from "./linux-only.ts";
import { windowsNetworkAction } from "./network.ts";
import { windowsPasswordsAction } from "./passwords.ts";
import { windowsPowerStateAction } from "./power-state.ts";
import { windowsScriptsAction } from "./scripts.ts";
import { windowsSshKeysAction } from "./ssh-keys.ts";
import { windowsTimezoneAction } from "./timezone.ts";
import { windowsUsersAction } from "./users.ts";

const files = writeFilesActions(WINDOWS_FILES);

/**
 * Every Windows boot action, in the order their changes apply, under the Linux actions' names so
 * that records and `agent status` read the same: the name and network, accounts, keys and
 * passwords, files, settings, files deferred until the users exist, scripts, and the power state
 * (with the restart a new computer name needs) last. Static, for `bun build --compile`.
 */
export const WINDOWS_ACTIONS: readonly Action<WindowsFacts>[] = [
  windowsHostnameAction,
  windowsNetworkAction,
  windowsUsersAction,
  windowsSshKeysAction,
  windowsPasswordsAction,
  files.early,
  injectedFilesActionFor(WINDOWS_FILES),
  windowsTimezoneAction,
  files.deferred,
  windowsScriptsAction,
  windowsLinuxOnlyAction,
  finalMessageAction,
  windowsPowerStateAction,
];
