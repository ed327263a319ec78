#!/usr/bin/env bun
/**
 * The executable's entry: always runs, never asks `import.meta.main`. Bun's Windows binaries built
 * through Bun.build report import.meta.main = false for their own entry (seen with Bun 1.4.5: the
 * embedded module is named without ".exe"), so a guarded entry would exit 0 having done nothing.
 */
import { agent } from "./cli.ts";
import { runCli } from "./cli/run-cli.ts";
import { commands } from "./commands/index.ts";
import { exitEvenIfBlocked } from "./host/signals.ts";

void runCli(agent, commands, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // A xenbus or virtio-serial device that never answered leaves a read blocked in the kernel, which
  // would keep a finished boot or probe alive for ever (systemd would wait out its start timeout).
  exitEvenIfBlocked(1000);
});
