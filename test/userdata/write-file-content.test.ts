import { expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { parseCloudConfig } from "../../src/model/cloud-config/index.ts";
import { parseYaml } from "../../src/parse/yaml.ts";
import { mergeCloudConfig } from "../../src/userdata/merge.ts";
import { readUserData } from "../../src/userdata/read-user-data.ts";
import { decodeWriteFiles, writeFileContent } from "../../src/userdata/write-file-content.ts";
import { enc, problemsOf, text } from "./helpers.ts";

test("write_files content in each encoding decodes to the same bytes", async () => {
  const gz64 = Buffer.from(gzipSync(enc("hello\n"))).toString("base64");
  const yaml = `write_files:\n- {path: /a, content: "hello\\n"}\n- {path: /b, encoding: b64, content: aGVsbG8K}\n- {path: /c, encoding: gz+b64, content: ${gz64}}\n`;
  const files = parseCloudConfig(parseYaml(yaml, "t"), "t").config.write_files ?? [];
  const contents = await Promise.all(files.map((f, i) => writeFileContent(f, "t", `write_files[${i}]`)));
  expect(contents.map(text)).toEqual(["hello\n", "hello\n", "hello\n"]);
});

test("content that does not decode fails validation, naming the file", async () => {
  const files = parseCloudConfig(parseYaml("write_files:\n- {path: /a, encoding: gz+b64, content: aGVsbG8K}\n", "t"), "t").config.write_files;
  expect((await problemsOf(decodeWriteFiles(files, "t")))[0]).toStartWith("write_files[0].content: invalid gzip data");
});

test("readUserData: decode, validate, check contents, warnings together", async () => {
  const ud = await readUserData(enc("#cloud-config\nhostname: h\nbogus: 1\n"), { source: "t" });
  expect(ud.config).toEqual({ hostname: "h" });
  expect(ud.warnings).toEqual(["bogus: not a supported cloud-config key, ignored"]);
  expect(await problemsOf(readUserData(enc("#cloud-config\nwrite_files: [{path: /x, permissions: rwx}]\n"), { source: "t" }))).toEqual([
    'write_files[0].permissions: expected octal string or number, got "rwx"',
  ]);
});

test("mergeCloudConfig: mappings recursively, later keys win, lists and scalars replaced", () => {
  expect(mergeCloudConfig({ a: { x: 1, y: [1, 2] }, b: 1, c: [1] }, { a: { y: [3], z: 2 }, b: { now: "a map" }, c: "s" })).toEqual({ a: { x: 1, y: [3], z: 2 }, b: { now: "a map" }, c: "s" });
});
