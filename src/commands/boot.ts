import { defineCommand } from "citty";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import { printJson, printText } from "../cli/output.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
import { NotBuiltError } from "../errors.ts";
import { checkedRoot } from "../host/real.ts";
import { createRealFs } from "../host/real-fs.ts";
import { formatInstanceData, viewInstanceData } from "../report/instance-data-view.ts";
import { readNocloudSeed } from "../transports/nocloud/read-seed.ts";

/** What boot cannot do yet, said in every dry run so nobody mistakes the output for a full plan. */
const MISSING = [
  { what: "user-data decoding (cloud-config, scripts, MIME)", issue: 5 },
  { what: "network rendering", issue: 6 },
  { what: "planning and applying changes", issue: 7 },
];

const boot: AgentCommand = defineCommand({
  meta: {
    name: "boot",
    description:
      "Configure this machine from its instance data (hostname, network, users, SSH keys, files, scripts); everything is validated before the first change",
  },
  args: {
    ...globalArgs,
    "dry-run": { type: "boolean", description: "Read and validate everything, print what would change, change nothing" },
    seed: {
      type: "string",
      valueHint: "DIR",
      description: "Read instance data from a NoCloud seed directory (meta-data, user-data, network-config) instead of probing",
    },
  },
  async run({ args }) {
    if (!args.seed) throw new NotBuiltError("probing for a transport (agent boot without --seed)", 3);
    const { log, json } = await contextFor(args);
    const seedFs = createRealFs(await checkedRoot(args.seed, "--seed"));
    if (await seedFs.exists("/openstack")) throw new NotBuiltError("reading a config-drive tree (--seed with openstack/)", 4);
    const data = await readNocloudSeed(seedFs, args.seed);
    log.withTag("boot").info(`instance ${data.instanceId} from ${data.source.transport} ${data.source.location}`);
    if (!args["dry-run"]) throw new NotBuiltError("applying instance data (agent boot without --dry-run)", 7);

    const view = viewInstanceData(data);
    if (json) {
      printJson({ dryRun: true, instanceData: view, plan: null, notBuilt: MISSING });
      return;
    }
    printText(`Instance data (dry run: nothing was changed)\n${formatInstanceData(view)}\n`);
    printText(`Not built yet, so no plan:\n${MISSING.map((m) => `  - ${m.what} (issue #${m.issue})`).join("\n")}`);
  },
});

boot.examples = [
  "agent boot --dry-run --seed examples/nocloud --root /tmp/target   # read a NoCloud seed, change nothing",
  "agent boot --dry-run --seed examples/nocloud --json               # the same as JSON (secrets redacted)",
];

export default boot;
