import { defineCommand } from "citty";
import { resolve } from "node:path";
import * as v from "valibot";
import { contextFor } from "../cli/context.ts";
import { globalArgs } from "../cli/global-args.ts";
import { printJson, printText } from "../cli/output.ts";
import type { AgentCommand } from "../cli/run-cli.ts";
import { EXIT, HostError, InputError, UsageError, type Problem } from "../errors.ts";
import { createRealFs } from "../host/real-fs.ts";
import { problemsOf } from "../model/cloud-config/index.ts";
import { isRecord } from "../model/mapping.ts";
import { parseYaml } from "../parse/yaml.ts";
import { NocloudMetaDataSchema } from "../transports/nocloud/meta-data.ts";
import { readNetworkConfig } from "../transports/nocloud/network-config.ts";
import { readUserData } from "../userdata/read-user-data.ts";

const KINDS = ["user-data", "network-config", "meta-data"] as const;
type Kind = (typeof KINDS)[number];

/** The same bound the seed readers put on user-data: 16 MiB. */
export const MAX_INPUT = 16 << 20;

function kindOf(flag: string | undefined): Kind {
  if (flag === undefined) return "user-data";
  if (!(KINDS as readonly string[]).includes(flag)) throw new UsageError(`--kind ${JSON.stringify(flag)}: expected one of ${KINDS.join(", ")}`);
  return flag as Kind;
}

const tooBig = (name: string) => new InputError(name, [{ path: "", message: `larger than the limit of ${MAX_INPUT} bytes: refused` }]);

/** stdin, read in chunks and abandoned past the limit: `agent validate - < /dev/zero` must end. */
async function readStdin(): Promise<Uint8Array> {
  const reader = Bun.stdin.stream().getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_INPUT) {
      await reader.cancel().catch(() => {});
      throw tooBig("-");
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** A FILE argument is relative to the current directory, whatever --root says. */
async function readFileArg(name: string): Promise<Uint8Array> {
  const fs = createRealFs("/");
  const path = resolve(name);
  const stat = await fs.stat(path);
  if (!stat) throw new HostError(`${name}: no such file`);
  if (stat.type !== "file") throw new HostError(`${name}: not a regular file (a ${stat.type}; use - to read stdin)`);
  if (stat.size > MAX_INPUT) throw tooBig(name);
  const bytes = await fs.readRange(path, 0, MAX_INPUT + 1);
  if (bytes.length > MAX_INPUT) throw tooBig(name);
  return bytes;
}

interface Verdict {
  problems: Problem[];
  warnings: string[];
}

async function check(kind: Kind, bytes: Uint8Array, name: string): Promise<Verdict> {
  if (kind === "user-data") {
    const { warnings } = await readUserData(bytes, { source: name });
    return { problems: [], warnings };
  }
  const text = new TextDecoder().decode(bytes);
  const parsed = parseYaml(text, name);
  if (kind === "network-config") {
    const network = readNetworkConfig(parsed, name);
    return { problems: [], warnings: network ? [] : ["network configuration is empty or disabled: the network is left alone"] };
  }
  if (!isRecord(parsed)) return { problems: [{ path: "", message: "expected a mapping of meta-data keys" }], warnings: [] };
  const result = v.safeParse(NocloudMetaDataSchema, parsed, { abortEarly: false, abortPipeEarly: true });
  return { problems: result.success ? [] : problemsOf(result.issues), warnings: [] };
}

const line = (p: Problem) => (p.path ? `${p.path}: ${p.message}` : p.message);

const command: AgentCommand = defineCommand({
  meta: {
    name: "validate",
    description: "Check user-data (cloud-config, scripts, MIME), network-config or meta-data and name every problem by its field; changes nothing",
  },
  args: {
    ...globalArgs,
    file: { type: "positional", required: false, valueHint: "FILE|-", description: "The file to check; - reads stdin. Default: -" },
    kind: { type: "string", valueHint: "KIND", description: `What the file is: ${KINDS.join(", ")}. Default: user-data` },
  },
  async run({ args }) {
    const kind = kindOf(args.kind);
    const name = (args.file as string | undefined) ?? "-";
    if (name === "-" && process.stdin.isTTY) throw new UsageError("agent validate: give a FILE, or - with data on stdin");
    const { host, json } = await contextFor(args);
    const log = host.log.withTag("userdata");
    let verdict: Verdict;
    try {
      const bytes = name === "-" ? await readStdin() : await readFileArg(name);
      log.debug(`${name}: ${bytes.length} bytes, checked as ${kind}`);
      verdict = await check(kind, bytes, name);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      verdict = { problems: error.problems, warnings: [] };
    }
    const valid = verdict.problems.length === 0;
    if (json) printJson({ valid, kind, problems: verdict.problems, warnings: verdict.warnings });
    else if (valid) printText(`${name}: valid`);
    else printText(verdict.problems.map(line).join("\n"));
    if (!json) for (const w of verdict.warnings) process.stderr.write(`warning: ${w}\n`);
    if (!valid && !json) process.stderr.write(`agent: ${name}: ${verdict.problems.length} problem${verdict.problems.length === 1 ? "" : "s"}\n`);
    return valid ? EXIT.ok : EXIT.failed;
  },
});

command.examples = [
  "agent validate user-data                          # a cloud-config, a script or a MIME multipart",
  "agent validate --kind network-config seed/network-config",
  "curl -s $URL | agent validate -                   # from stdin",
  "agent validate user-data --json                   # {valid, kind, problems: [{path, message}], warnings}",
  "",
  "Exit 0 when valid (warnings on stderr); exit 1 with each problem as `path: message`.",
];

export default command;
