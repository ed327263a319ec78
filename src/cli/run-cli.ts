import { renderUsage, runCommand, type ArgsDef, type CommandDef } from "citty";
import { EXIT, InputError, TetherError, UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { loggerFor } from "./logger-for.ts";
import { globalArgs } from "./global-args.ts";
import { printJson, printText } from "./output.ts";
import { checkArgs, commandFirst } from "./strict-args.ts";

/** A citty command, plus worked examples that its --help prints after the options. */
export type AgentCommand = CommandDef<any> & { examples?: string[] };
type Loader = () => Promise<AgentCommand>;

async function helpOf(command: AgentCommand, parent?: AgentCommand): Promise<string> {
  const usage = await renderUsage(command, parent);
  const examples = command.examples?.length ? `\n\nEXAMPLES\n\n${command.examples.map((e) => `  ${e}`).join("\n")}\n` : "\n";
  const text = usage.trimEnd() + examples;
  // citty colours for terminals; a pipe or a file gets plain text.
  return process.stdout.isTTY ? text : text.replace(/\x1b\[[0-9;]*m/g, "");
}

function errorJson(error: unknown): unknown {
  if (error instanceof InputError) return { error: { message: error.message, source: error.source, problems: error.problems } };
  return { error: { message: error instanceof Error ? error.message : String(error) } };
}

function report(error: unknown, rawArgs: readonly string[]): number {
  const json = rawArgs.includes("--json");
  if (json) printJson(errorJson(error));
  if (error instanceof TetherError) {
    process.stderr.write(`agent: ${error.message.replaceAll("\n", "\nagent: ")}\n`);
    return error.exitCode;
  }
  // A bug of ours: say so plainly, with the stack for the report.
  process.stderr.write(`agent: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.failed;
}

/**
 * Runs the CLI and returns the exit code: 0 done, 1 failed (bad input, nothing usable), 2 usage.
 * citty parses and renders help; this wrapper decides what is an error and what the code is.
 */
export async function runCli(root: AgentCommand, commands: Record<string, Loader>, rawArgs: readonly string[]): Promise<number> {
  try {
    const { name, rest } = commandFirst(rawArgs, globalArgs);
    const wantsHelp = rest.includes("--help") || rest.includes("-h");
    if (name === undefined) {
      if (wantsHelp) return printText(await helpOf(root)), EXIT.ok;
      if (rest.length === 1 && (rest[0] === "--version" || rest[0] === "-v")) return printText(VERSION), EXIT.ok;
      process.stderr.write(await helpOf(root));
      throw new UsageError(rest.length ? `unknown option ${rest[0]} (see agent --help)` : "no command given (see agent --help)");
    }
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${Object.keys(commands).join(", ")}`);
    const command = await load();
    if (wantsHelp) return printText(await helpOf(command, root)), EXIT.ok;
    checkArgs(rest, ((await command.args) ?? {}) as ArgsDef, name);
    loggerFor(Object.fromEntries(flagPairs(rest))).debug(`agent ${VERSION} on bun ${Bun.version}: ${name}`);
    const { result } = await runCommand(command, { rawArgs: rest });
    return typeof result === "number" ? result : EXIT.ok;
  } catch (error) {
    if ((error as Error)?.name === "CLIError") return report(new UsageError((error as Error).message), rawArgs);
    return report(error, rawArgs);
  }
}

/** The global flags' values, for the start-up log line (before the command parses its own). */
function* flagPairs(args: readonly string[]): Generator<[string, string | boolean]> {
  for (let i = 0; i < args.length; i++) {
    const token = args[i] as string;
    if (token === "--json") yield ["json", true];
    else if (token === "--log-level") yield ["log-level", args[++i] ?? ""];
    else if (token.startsWith("--log-level=")) yield ["log-level", token.slice("--log-level=".length)];
  }
}
