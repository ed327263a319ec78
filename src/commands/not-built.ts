import { defineCommand } from "citty";
import { globalArgs } from "../cli/global-args.ts";
import { NotBuiltError } from "../errors.ts";

/**
 * A command that is planned but not written: its help says what it will do and which issue builds
 * it, and running it exits 2 having done nothing. No flags of its own until they do something.
 */
export function notBuiltCommand(name: string, description: string, issue: number) {
  return defineCommand({
    meta: { name, description: `${description} [not built yet: issue #${issue}]` },
    args: globalArgs,
    run() {
      throw new NotBuiltError(`agent ${name}`, issue);
    },
  });
}
