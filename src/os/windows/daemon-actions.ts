import { injectedFilesActionFor } from "../../actions/injected-files.ts";
import type { Action } from "../../actions/types.ts";
import { WINDOWS_FILES } from "./actions/file-means.ts";
import { windowsHostnameAction } from "./actions/hostname.ts";
import { windowsNetworkAction } from "./actions/network.ts";
import { windowsPasswordsAction } from "./actions/passwords.ts";
import type { WindowsFacts } from "./windows-facts.ts";

/** The Windows actions the daemon's commands go through, by the command's need. */
export function windowsDaemonActions(): Record<"passwords" | "hostname" | "network" | "injectedFiles", Action<WindowsFacts>> {
  return { passwords: windowsPasswordsAction, hostname: windowsHostnameAction, network: windowsNetworkAction, injectedFiles: injectedFilesActionFor(WINDOWS_FILES) };
}
