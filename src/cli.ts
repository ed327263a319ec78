import { defineCommand } from "citty";
import { globalArgs } from "./cli/global-args.ts";
import type { AgentCommand } from "./cli/run-cli.ts";
import { commands } from "./commands/index.ts";
import { VERSION } from "./version.ts";

export const agent: AgentCommand = defineCommand({
  meta: {
    name: "agent",
    version: VERSION,
    description:
      "Tether, the cloud guest agent: configures this machine from its cloud's instance data and answers the host's commands. Only boot, daemon and install change the machine.",
  },
  args: globalArgs,
  subCommands: commands,
});

agent.examples = [
  "agent boot --dry-run --seed examples/nocloud --root /tmp/target   # what boot would do, changing nothing",
  "agent <command> --help                                             # each command's own options",
  "",
  "Exit codes: 0 done, 1 failed (bad input, nothing usable found), 2 usage error or not built yet.",
];
