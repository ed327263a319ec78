import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * With TETHER_TEST_OUTPUT_DIR set (.ci/run sets it for `npm test`), every agent run's stdout and
 * stderr is also appended to a file there, one per test process, each run after a header line;
 * scripts/scan-test-outputs.ts then looks for the registered test secrets in all of it.
 */
export function recordAgentOutput(argv: readonly string[], stdout: string, stderr: string): void {
  const dir = process.env.TETHER_TEST_OUTPUT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const header = `\n### agent ${argv.join(" ")}\n`;
  appendFileSync(join(dir, `agent-output-${process.pid}.log`), `${header}--- stdout\n${stdout}\n--- stderr\n${stderr}\n`);
}
