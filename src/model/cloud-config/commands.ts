import * as v from "valibot";
import { describe, expected } from "./describe.ts";
import { byKind, Str } from "./scalars.ts";

/**
 * One argument of an argv-list command. cloud-init turns each into text with Python's str(), so
 * integers pass; booleans are refused because YAML 1.1 reads `yes`/`on` as true and cloud-init would
 * then run the word "True".
 */
const Arg = v.pipe(
  v.union([v.string(), v.pipe(v.number(), v.integer())], (issue) =>
    typeof issue.input === "boolean"
      ? `expected a string, got ${issue.input} (YAML 1.1 reads yes/no/on/off as booleans: quote it)`
      : `expected a string, got ${describe(issue.input)}`,
  ),
  v.transform(String),
);

/** A string runs through `sh -c`; a list is an argv, run without a shell. */
export type Command = string | string[];

const ITEM = "a command string or a list of arguments";
const CommandItem = byKind({ string: Str, list: v.array(Arg) }, expected(ITEM));

/** bootcmd: every boot, early. */
export const BootCmd = v.array(CommandItem, expected("a list of commands"));

/** runcmd: once per instance, late. cloud-init's schema allows null entries, which run nothing. */
export const RunCmd = v.pipe(
  v.array(byKind({ null: v.null(), string: Str, list: v.array(Arg) }, expected(ITEM)), expected("a list of commands")),
  v.transform((items) => items.filter((item): item is Command => item !== null)),
);
