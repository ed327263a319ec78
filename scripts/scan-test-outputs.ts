/**
 * Scans what the suite's agent runs printed (every file in DIR, as test/helpers/output-log.ts
 * wrote them with TETHER_TEST_OUTPUT_DIR=DIR) for every registered test secret
 * (test/helpers/test-secrets.ts) in each of its leaked forms. Exit 1 listing file, offset and form
 * for each finding; exit 1 too when DIR holds no output at all (the recording is then broken).
 *
 *   bun scripts/scan-test-outputs.ts DIR
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describeFindings, findSecrets, secretForms } from "../test/helpers/secret-scan.ts";
import { TEST_SECRETS } from "../test/helpers/test-secrets.ts";

function main(argv: string[]): number {
  const dir = argv[0];
  if (!dir || argv.length !== 1) {
    console.error("usage: bun scripts/scan-test-outputs.ts DIR");
    return 2;
  }
  const forms = secretForms(TEST_SECRETS);
  const files = readdirSync(dir).filter((name) => statSync(join(dir, name)).isFile()).sort();
  let bytes = 0;
  const problems: string[] = [];
  for (const name of files) {
    const data = readFileSync(join(dir, name));
    bytes += data.length;
    problems.push(...describeFindings(join(dir, name), data, findSecrets(data, forms)));
  }
  if (bytes === 0) {
    console.error(`scan-test-outputs: nothing recorded in ${dir}: was TETHER_TEST_OUTPUT_DIR set for the tests?`);
    return 1;
  }
  const runs = files.reduce((n, name) => n + (readFileSync(join(dir, name), "latin1").match(/^### agent /gm)?.length ?? 0), 0);
  if (problems.length) {
    console.error(`scan-test-outputs: ${problems.length} test secret(s) found in the agent's output:`);
    for (const line of problems) console.error(`  ${line}`);
    return 1;
  }
  console.log(`scan-test-outputs: ${runs} agent runs, ${bytes} bytes in ${files.length} file(s): none of ${Object.keys(TEST_SECRETS).length} test secrets (${forms.length} forms) found`);
  return 0;
}

process.exit(main(process.argv.slice(2)));
