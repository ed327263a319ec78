import { defineCommand } from "citty";
import { globalArgs } from "../cli/global-args.ts";
import { printJson, printText } from "../cli/output.ts";
import { VERSION } from "../version.ts";

export default defineCommand({
  meta: { name: "version", description: "Print the agent's version (with --json: also its runtime, platform and architecture)" },
  args: globalArgs,
  run({ args }) {
    if (args.json) printJson({ version: VERSION, runtime: `bun ${Bun.version}`, platform: process.platform, arch: process.arch });
    else printText(VERSION);
  },
});
