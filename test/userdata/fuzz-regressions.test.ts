/** Regressions found by the fuzzer (test/fuzz/user-data.fuzz.test.ts). */
import { describe, expect, test } from "bun:test";
import { decodeUserData, readUserData } from "../../src/userdata/index.ts";
import { mergeCloudConfig } from "../../src/userdata/merge.ts";
import { MAX_YAML_TOKENS } from "../../src/parse/yaml-limits.ts";
import { enc, problemsOf } from "./helpers.ts";

describe("a key named __proto__", () => {
  test("stays a key through the merge: its members are not read as cloud-config keys", async () => {
    const decoded = await decodeUserData(enc("#cloud-config\n__proto__:\n  hostname: smuggled\n  runcmd: [reboot]\n"), { source: "u" });
    expect(decoded.cloudConfig.hostname).toBeUndefined();
    expect(decoded.cloudConfig.runcmd).toBeUndefined();
    expect(Object.keys(decoded.cloudConfig)).toEqual(["__proto__"]);
    const { config } = await readUserData(enc("#cloud-config\n__proto__:\n  hostname: smuggled\n"), { source: "u" });
    expect(config.hostname).toBeUndefined();
  });

  test("mergeCloudConfig keeps it an own property, and merges it like any mapping", () => {
    const a = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    const b = JSON.parse('{"__proto__": {"y": 2}}') as Record<string, unknown>;
    const merged = mergeCloudConfig(a, b);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(merged, "__proto__")?.value).toEqual({ x: 1, y: 2 });
  });
});

describe("the YAML budget is one for the whole user-data", () => {
  test("many cloud-config parts, each under the limit, are refused together past it", async () => {
    const part = `#cloud-config\nruncmd: [${Array.from({ length: Math.floor(MAX_YAML_TOKENS / 20) }, () => "a").join(", ")}]\n`;
    const mime = ["MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", ...Array.from({ length: 8 }, () => `--b\nContent-Type: text/cloud-config\n\n${part}`), "--b--", ""].join("\n");
    const one = await decodeUserData(enc(part), { source: "u" });
    expect((one.cloudConfig.runcmd as unknown[]).length).toBe(Math.floor(MAX_YAML_TOKENS / 20));
    const problems = await problemsOf(decodeUserData(enc(mime), { source: "u" }));
    expect(problems.some((p) => p.includes("YAML tokens"))).toBe(true);
  });
});
