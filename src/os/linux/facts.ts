import type { BootInputs } from "../../actions/inputs.ts";
import type { Action, OsFacts } from "../../actions/types.ts";
import type { Host } from "../../host/types.ts";
import { readHostNics } from "../../network/host-nics.ts";
import { detectDistro } from "./distro.ts";
import { parseGroup, parsePasswd } from "./passwd.ts";
import { readIfFile } from "../read-if-file.ts";

/**
 * Everything the planners may look at, read once, before planning: the distro, the target's own
 * accounts, its NICs, and the files the due actions name in `reads`.
 */
export async function gatherFacts(host: Host, inputs: BootInputs, actions: readonly Action[]): Promise<OsFacts> {
  const [distro, passwd, group, nics] = await Promise.all([
    detectDistro(host),
    readIfFile(host, "/etc/passwd"),
    readIfFile(host, "/etc/group"),
    readHostNics(host.fs),
  ]);
  const base: Omit<OsFacts, "files"> = {
    root: host.root,
    offline: host.root !== "/",
    distro,
    passwd: parsePasswd(passwd ?? ""),
    group: parseGroup(group ?? ""),
    nics,
    now: host.now(),
    random: (bytes) => crypto.getRandomValues(new Uint8Array(bytes)),
  };
  const paths = [...new Set(actions.flatMap((a) => a.reads?.(inputs, base) ?? []))].sort();
  const contents = await Promise.all(paths.map((p) => readIfFile(host, p)));
  const files = Object.fromEntries(paths.map((p, i) => [p, contents[i]]));
  return { ...base, files };
}
