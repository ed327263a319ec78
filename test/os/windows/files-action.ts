import type { Action } from "../../../src/actions/types.ts";
import { WINDOWS_ACTIONS } from "../../../src/os/windows/actions/index.ts";
import type { WindowsFacts } from "../../../src/os/windows/windows-facts.ts";

/** A Windows action by its name, from the registry boot uses. */
export function windowsFilesAction(name: "write-files" | "injected-files"): Action<WindowsFacts> {
  const action = WINDOWS_ACTIONS.find((a) => a.name === name);
  if (!action) throw new Error(`no Windows action ${name}`);
  return action;
}
