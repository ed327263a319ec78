import { defineCommand } from "citty";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import { printJson, printText } from "../cli/output.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
import { budgetOf, metadataUrlOf, probeArgs } from "../cli/probe-flags.ts";
import { EXIT } from "../errors.ts";
import { probe } from "../probe/index.ts";
import { formatProbe } from "../report/probe-table.ts";

const command: AgentCommand = defineCommand({
  meta: {
    name: "probe",
    description: "Find how this VM talks to its cloud (XenStore, virtio-serial, config drive, NoCloud, metadata service), with evidence and timings; changes nothing",
  },
  args: { ...globalArgs, ...probeArgs },
  async run({ args }) {
    const options = { metadataUrl: metadataUrlOf(args["metadata-url"]), budgetMs: budgetOf(args["budget-ms"]), startedAt: 0 };
    const { host, json } = await contextFor(args);
    const result = await probe(host, options);
    if (json) printJson(result);
    else printText(formatProbe(result));
    if (result.chosen === null && result.channel === null) {
      process.stderr.write("agent: probe: nothing usable found: no config drive, NoCloud disk, XenStore, agent port or metadata service\n");
      return EXIT.failed;
    }
    return EXIT.ok;
  },
});

command.examples = [
  "agent probe                                   # on this machine",
  "agent probe --json --budget-ms 500            # for tools, with a shorter budget",
  "agent probe --root /tmp/tree --metadata-url http://127.0.0.1:8080   # a fixture tree and a loopback server",
  "",
  "Kernel command line: tether.transport=NAME forces a transport; ds=nocloud;s=URL/ names a NoCloud seed.",
  "Exit 0 with a result; exit 1 when nothing usable is found.",
];

export default command;
