import type { NetworkConfig } from "../../../model/network.ts";
import { headerOf, type RenderOptions, type Rendered } from "./common.ts";

export const UDEV_RULES_PATH = "/etc/udev/rules.d/70-tether-net.rules";

/** Renames by MAC for renderers that cannot say them (eni): udev names the device before ifup runs. */
export function renameRules(config: NetworkConfig, options: RenderOptions): Rendered {
  const rules = config.interfaces.flatMap((i) =>
    i.kind === "physical" && i.rename && i.match.mac ? [`SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="${i.match.mac}", NAME="${i.name}"`] : [],
  );
  return rules.length ? { [UDEV_RULES_PATH]: `${headerOf(options)}${rules.join("\n")}\n` } : {};
}
