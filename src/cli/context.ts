import type { ConsolaInstance } from "consola/core";
import { createRealHost } from "../host/real.ts";
import type { Host } from "../host/types.ts";
import { loggerFor, type GlobalFlags } from "./logger-for.ts";

export interface CommandContext {
  host: Host;
  log: ConsolaInstance;
  json: boolean;
}

/** The machine (or the --root tree) as the commands see it. */
export async function contextFor(flags: GlobalFlags): Promise<CommandContext> {
  const log = loggerFor(flags);
  const host = await createRealHost({ root: flags.root ?? "/", log });
  return { host, log, json: flags.json === true };
}
