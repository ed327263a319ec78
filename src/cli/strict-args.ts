import type { ArgsDef } from "citty";
import { UsageError } from "../errors.ts";

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

interface FlagInfo {
  type: string;
  name: string;
}

function flagTable(def: ArgsDef): Map<string, FlagInfo> {
  const table = new Map<string, FlagInfo>();
  for (const [name, arg] of Object.entries(def)) {
    if (arg.type === "positional") continue;
    const info = { type: arg.type ?? "string", name };
    const aliases = "alias" in arg && arg.alias ? (Array.isArray(arg.alias) ? arg.alias : [arg.alias]) : [];
    for (const key of [name, kebab(name), ...aliases]) table.set(key, info);
  }
  return table;
}

const takesValue = (info: FlagInfo | undefined) => info !== undefined && info.type !== "boolean";

/**
 * citty accepts any flag and ignores what it does not know. An operator who types `--dryrun` must
 * not get a real run, so every flag is checked against the command's definition first.
 */
export function checkArgs(rawArgs: readonly string[], def: ArgsDef, command: string): void {
  const flags = flagTable(def);
  const positionals = Object.values(def).filter((a) => a.type === "positional").length;
  let seenPositionals = 0;
  for (let i = 0; i < rawArgs.length; i++) {
    const token = rawArgs[i] as string;
    if (token === "--") {
      seenPositionals += rawArgs.length - i - 1;
      break;
    }
    if (token.startsWith("-") && token !== "-") {
      const long = token.startsWith("--");
      const [name = "", inline] = token.slice(long ? 2 : 1).split(/=(.*)/s, 2);
      const negated = long && name.startsWith("no-") && flags.get(name.slice(3))?.type === "boolean";
      const info = negated ? flags.get(name.slice(3)) : flags.get(name);
      if (!info) throw new UsageError(`agent ${command}: unknown option ${long ? "--" : "-"}${name} (see agent ${command} --help)`);
      if (takesValue(info) && inline === undefined) {
        const next = rawArgs[i + 1];
        if (next === undefined || (next.startsWith("-") && next !== "-")) {
          throw new UsageError(`agent ${command}: --${info.name} needs a value`);
        }
        i++;
      }
      continue;
    }
    seenPositionals++;
  }
  if (seenPositionals > positionals) {
    throw new UsageError(`agent ${command}: unexpected argument${positionals ? "s" : ""} (see agent ${command} --help)`);
  }
}

/**
 * Moves the command's name to the front, so that `agent --root R boot` and `agent boot --root R`
 * mean the same: global flags given before the name are handed to the command.
 */
export function commandFirst(rawArgs: readonly string[], globals: ArgsDef): { name?: string; rest: string[] } {
  const flags = flagTable(globals);
  for (let i = 0; i < rawArgs.length; i++) {
    const token = rawArgs[i] as string;
    if (token === "--") break;
    if (token.startsWith("-")) {
      const [name = "", inline] = token.replace(/^--?/, "").split(/=(.*)/s, 2);
      if (takesValue(flags.get(name)) && inline === undefined) i++;
      continue;
    }
    return { name: token, rest: [...rawArgs.slice(0, i), ...rawArgs.slice(i + 1)] };
  }
  return { rest: [...rawArgs] };
}
