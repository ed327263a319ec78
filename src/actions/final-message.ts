import type { Action } from "./types.ts";
import { STATE_DIR } from "../state/paths.ts";
import { VERSION } from "../version.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";
import type { BootInputs } from "./inputs.ts";
import type { BaseFacts } from "./types.ts";

export const FINAL_MESSAGE_PATH = `${STATE_DIR}/final-message`;
const DEFAULT = "tether $VERSION finished at $TIMESTAMP. Datasource $DATASOURCE. Up $UPTIME seconds";

/** cloud-init's substitutions, in both its $NAME and ${NAME} forms; anything else is left as written. */
export function finalMessage(inputs: BootInputs, facts: BaseFacts): string {
  const template = cloudConfigOf(inputs).config.final_message ?? DEFAULT;
  const uptime = /^\d+(\.\d+)?/.exec(facts.files["/proc/uptime"] ?? "")?.[0] ?? "unknown";
  const subs: Record<string, string> = {
    VERSION,
    TIMESTAMP: new Date(facts.now).toUTCString(),
    DATASOURCE: `${inputs.data.source.transport} (${inputs.data.source.location})`,
    UPTIME: uptime,
  };
  return template.replace(/\$(?:\{([A-Z]+)\}|([A-Z]+))/g, (all, braced?: string, bare?: string) => subs[(braced ?? bare) as string] ?? all);
}

/**
 * cloud-config `final_message` (cc_final_message), every boot. A plan cannot print to the console,
 * so the message is written to /var/lib/tether/final-message (for `agent status` and people) and
 * given as a note, which the boot logs (on the console when it logs there).
 */
export const finalMessageAction: Action<BaseFacts> = {
  name: "final-message",
  frequency: "per-boot",
  reads: () => ["/proc/uptime"],
  plan: (inputs, facts) => [{ kind: "write", path: FINAL_MESSAGE_PATH, content: `${finalMessage(inputs, facts)}\n`, mode: 0o644, reason: "final_message" }],
  notes: (inputs, facts) => [finalMessage(inputs, facts)],
};
