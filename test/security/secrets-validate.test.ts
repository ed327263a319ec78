import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runAgent } from "../helpers/run-agent.ts";
import { TEST_SECRETS } from "../helpers/test-secrets.ts";
import { scanOutputs, tempDirs, writeTree } from "./rig.ts";

/**
 * Bad input whose bad part is the secret itself: a password YAML reads as an alias (`*…`) or a
 * block header (`|…`), a number where a string belongs, chpasswd written in its old "user:password"
 * form, a quote left open on the password's line. The error names the line or the field and the
 * kind of value, never the value.
 */
const temps = tempDirs();
afterAll(temps.cleanup);

const S = TEST_SECRETS;
const CASES: [string, string, RegExp][] = [
  ["a password YAML takes for an alias", `password: *${S.validateAlias}\n`, /Unresolved alias/],
  ["a password YAML takes for a block scalar header", `password: |${S.validateBlock}\n`, /line 2, column \d+: invalid YAML: Block scalar header includes extra characters$/m],
  ["a number for a password", `password: ${S.validateNumeric}\n`, /password: expected a string, got a number/],
  ["a number for a user's plain_text_passwd", `users: [{name: a, plain_text_passwd: ${S.validateNumeric}}]\n`, /users\[0\]\.plain_text_passwd: expected a string, got a number/],
  ["a number for a chpasswd entry's password", `chpasswd: {users: [{name: a, type: text, password: ${S.validateNumeric}}]}\n`, /chpasswd\.users\[0\]\.password: expected a string/],
  ["chpasswd.users entries in the old user:password form", `chpasswd:\n  users:\n    - alice:${S.validateChpasswdList}\n`, /chpasswd\.users\[0\]: expected a mapping, got a string/],
  ["chpasswd.users as one string", `chpasswd: {users: "alice:${S.validateChpasswdList}"}\n`, /chpasswd\.users: expected a list of users with passwords, got a string/],
  ["chpasswd as one string", `chpasswd: "alice:${S.validateChpasswdList}"\n`, /chpasswd: expected a mapping, got a string/],
  ["a quote left open on the password's line", `password: "${S.validateBlock}\n`, /invalid YAML: Missing closing/],
  ["a tab on the line after the password", `password: ${S.validateBlock}\n\tbad: 1\n`, /invalid YAML/],
];

describe("secrets: agent validate and boot on bad input that holds the secret", () => {
  for (const [name, body, message] of CASES) {
    test(name, async () => {
      const dir = writeTree(temps.make(), { "user-data": `#cloud-config\n${body}`, "meta-data": "instance-id: iid-bad\n" });
      const text = await runAgent(["validate", join(dir, "user-data"), "--log-level", "trace"]);
      const json = await runAgent(["validate", join(dir, "user-data"), "--json"]);
      const boot = await runAgent(["boot", "--dry-run", "--seed", dir, "--json", "--log-level", "trace"]);
      const outputs = { "validate text": text.stdout + text.stderr, "validate --json": json.stdout + json.stderr, "boot --dry-run --json": boot.stdout + boot.stderr };
      expect(scanOutputs(outputs)).toEqual([]);
      // Refused, saying where and what: the scan looked at a real error message.
      for (const run of [text, json, boot]) expect(run.code).toBe(1);
      expect(text.stdout + text.stderr).toMatch(message);
    }, 30_000);
  }

  test("a config drive whose admin_pass is a number: the error names the field, not the value", async () => {
    const drive = writeTree(temps.make(), { "openstack/latest/meta_data.json": `{"uuid": "iid-bad", "admin_pass": ${S.validateNumeric}}` });
    const run = await runAgent(["boot", "--dry-run", "--seed", drive]);
    expect(scanOutputs({ boot: run.stdout + run.stderr })).toEqual([]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("admin_pass: expected a string (not shown: a password)");
  }, 30_000);
});
