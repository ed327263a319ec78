import { describe, expect, test } from "bun:test";
import type { ArgsDef } from "citty";
import { UsageError } from "../../src/errors.ts";
import { globalArgs } from "../../src/cli/global-args.ts";
import { checkArgs, commandFirst } from "../../src/cli/strict-args.ts";

const def = {
  ...globalArgs,
  "dry-run": { type: "boolean" },
  seed: { type: "string", alias: "s" },
  file: { type: "positional", required: false },
} as const satisfies ArgsDef;

describe("checkArgs", () => {
  const ok: string[][] = [
    [],
    ["--dry-run"],
    ["--no-dry-run"],
    ["--seed", "dir"],
    ["--seed=dir"],
    ["-s", "dir"],
    ["--root", "/tmp/r", "--json", "--log-level", "debug"],
    ["file.yaml"],
    ["--", "-file-that-starts-with-dash"],
    ["--seed", "-"],
  ];
  for (const argv of ok) test(`accepts ${JSON.stringify(argv)}`, () => expect(() => checkArgs(argv, def, "boot")).not.toThrow());

  const bad: [string[], string][] = [
    [["--dryrun"], "unknown option --dryrun"],
    [["-x"], "unknown option -x"],
    [["--seed"], "--seed needs a value"],
    [["--seed", "--dry-run"], "--seed needs a value"],
    [["a", "b"], "unexpected argument"],
    [["--no-seed"], "unknown option --no-seed"],
  ];
  for (const [argv, message] of bad) {
    test(`refuses ${JSON.stringify(argv)}`, () => {
      expect(() => checkArgs(argv, def, "boot")).toThrow(UsageError);
      expect(() => checkArgs(argv, def, "boot")).toThrow(message);
    });
  }
});

describe("commandFirst", () => {
  test("global flags before the command are handed to it", () => {
    expect(commandFirst(["--root", "/r", "boot", "--dry-run"], globalArgs)).toEqual({ name: "boot", rest: ["--root", "/r", "--dry-run"] });
    expect(commandFirst(["--json", "probe"], globalArgs)).toEqual({ name: "probe", rest: ["--json"] });
    expect(commandFirst(["--root=/r", "status"], globalArgs)).toEqual({ name: "status", rest: ["--root=/r"] });
  });
  test("no command", () => {
    expect(commandFirst(["--help"], globalArgs)).toEqual({ rest: ["--help"] });
  });
});
