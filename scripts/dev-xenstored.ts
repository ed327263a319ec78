#!/usr/bin/env bun
/**
 * An in-memory xenstored on two unix sockets (dom0's and one guest's), for development and tests.
 * See `--help`; the implementation lives in scripts/xenstored/.
 */
import { parseArgs, USAGE, UsageError } from "./xenstored/cli-args.ts";
import { startDevXenstored } from "./xenstored/server.ts";

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`dev-xenstored: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { options } = parsed;
  let daemon;
  try {
    daemon = await startDevXenstored(options);
  } catch (error) {
    process.stderr.write(`dev-xenstored: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  process.stdout.write(`dev-xenstored listening: dom0 on ${options.socket}, domain ${options.domid} on ${options.guestSocket}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await daemon.stop();
  return 0;
}

process.exit(await main(process.argv.slice(2)));
