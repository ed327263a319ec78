import type { AgentCommand } from "../cli/run-cli.ts";

/**
 * Every subcommand, each loaded only when run. Static import() strings, never computed ones, so
 * `bun build --compile` sees every module.
 */
export const commands: Record<string, () => Promise<AgentCommand>> = {
  boot: () => import("./boot.ts").then((m) => m.default),
  daemon: () => import("./daemon.ts").then((m) => m.default),
  probe: () => import("./probe.ts").then((m) => m.default),
  status: () => import("./status.ts").then((m) => m.default),
  validate: () => import("./validate.ts").then((m) => m.default),
  "render-network": () => import("./render-network.ts").then((m) => m.default),
  install: () => import("./install.ts").then((m) => m.default),
  version: () => import("./version.ts").then((m) => m.default),
};
