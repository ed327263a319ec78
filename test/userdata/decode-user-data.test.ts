import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { decodeUserData } from "../../src/userdata/decode-user-data.ts";
import { enc, problemsOf, text } from "./helpers.ts";

const decode = (s: string | Uint8Array, opts: { base64?: boolean } = {}) => decodeUserData(typeof s === "string" ? enc(s) : s, { source: "ud", ...opts });
const scripts = async (s: string) => (await decode(s)).scripts.map((x) => ({ kind: x.kind as string, name: x.name, content: text(x.content) }));

describe("decodeUserData: one part, typed by its first line", () => {
  test("#cloud-config, YAML 1.1", async () => {
    expect(await decode("#cloud-config\nhostname: a\npackage_update: yes\nx: 0644\n")).toEqual({ cloudConfig: { hostname: "a", package_update: true, x: 0o644 }, scripts: [], warnings: [] });
  });

  test("empty user-data, and an empty #cloud-config, give nothing", async () => {
    expect(await decode("")).toEqual({ cloudConfig: {}, scripts: [], warnings: [] });
    expect(await decode("#cloud-config\n")).toEqual({ cloudConfig: {}, scripts: [], warnings: [] });
  });

  test("scripts of every kind, with their content", async () => {
    const cases: [string, { kind: string; content: string }][] = [
      ["#!/bin/sh\r\necho hi\r\n", { kind: "shell", content: "#!/bin/sh\necho hi\n" }],
      ["  #!/usr/bin/env python3\nprint(1)\n", { kind: "shell", content: "  #!/usr/bin/env python3\nprint(1)\n" }],
      ["#cloud-boothook\n#!/bin/sh\necho early\n", { kind: "boothook", content: "#!/bin/sh\necho early\n" }],
      ["#ps1\nWrite-Host hi\n", { kind: "ps1", content: "#ps1\nWrite-Host hi\n" }],
      ["#ps1_sysnative\r\nWrite-Host hi\r\n", { kind: "ps1_sysnative", content: "#ps1_sysnative\r\nWrite-Host hi\r\n" }],
      ["rem cmd\r\necho hi\r\n", { kind: "cmd", content: "rem cmd\r\necho hi\r\n" }],
      ["REM  CMD\necho hi\n", { kind: "cmd", content: "REM  CMD\necho hi\n" }],
      ["<powershell>\nWrite-Host hi\n</powershell>\n", { kind: "powershell", content: "\nWrite-Host hi\n" }],
    ];
    for (const [input, want] of cases) expect(await scripts(input)).toEqual([{ ...want, name: "part-001" }]);
  });

  test("refused clearly: #include, jinja, part-handler, archive, an unclosed <powershell>", async () => {
    expect(await problemsOf(decode("#include\nhttp://example.com/ud\n"))).toEqual(["#include (user-data fetched from URLs) is not supported: give the content itself"]);
    expect(await problemsOf(decode("#include-once\nhttp://x/\n"))).toEqual(["#include-once (user-data fetched from URLs) is not supported: give the content itself"]);
    expect(await problemsOf(decode("## template: jinja\n#cloud-config\nhostname: {{ ds.meta_data.name }}\n"))).toEqual([
      "Jinja templates (## template: jinja) are not supported: render the template before giving it as user-data",
    ]);
    expect(await problemsOf(decode("#part-handler\ndef list_types(): pass\n"))).toEqual(["#part-handler (Python code run inside cloud-init) is not supported"]);
    expect(await problemsOf(decode("#cloud-config-archive\n- content: x\n"))).toEqual(["#cloud-config-archive is not supported: use MIME multipart"]);
    expect(await problemsOf(decode("<powershell>\nWrite-Host hi\n"))).toEqual(["part-001: <powershell> without a closing </powershell>"]);
  });

  test("text that is none of these is a warning, not an error; YAML errors name the line", async () => {
    expect(await decode("hostname: a\n")).toEqual({ cloudConfig: {}, scripts: [], warnings: ["part-001: content that is not #cloud-config, a #! script or MIME: not understood, ignored"] });
    expect(await problemsOf(decode("#cloud-config\na: [1\n"))).toEqual([expect.stringMatching(/^line \d+, column \d+: invalid YAML/)]);
    expect(await problemsOf(decode("#cloud-config\n- a\n"))).toEqual(["expected a mapping of cloud-config keys"]);
    expect(await problemsOf(decode(new Uint8Array([...enc("#cloud-config\na: "), 0xff, 0xfe])))).toEqual(["part-001: cloud-config is not valid UTF-8"]);
  });

  test("the YAML alias bomb is refused", async () => {
    const lines = ["#cloud-config", "a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) lines.push(`${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(9).fill(`*${i === 0 ? "a" : "bcdefghi"[i - 1]}`).join(", ")}]`);
    const problems = await problemsOf(decode(lines.join("\n")));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("invalid YAML");
  });
});

describe("decodeUserData: gzip, base64 and limits", () => {
  test("gzip by magic bytes, and gzip inside base64 when the source says base64", async () => {
    const gz = gzipSync(enc("#cloud-config\nhostname: zipped\n"));
    expect((await decode(new Uint8Array(gz))).cloudConfig).toEqual({ hostname: "zipped" });
    const b64 = Buffer.from(gz).toString("base64").replace(/(.{20})/g, "$1\n");
    expect((await decode(b64, { base64: true })).cloudConfig).toEqual({ hostname: "zipped" });
    expect(await problemsOf(decode("not*base64", { base64: true }))).toEqual(["invalid base64"]);
  });

  test("a gzip bomb is refused at the limit, without inflating it whole", async () => {
    const bomb = gzipSync(new Uint8Array(64 << 20)); // 64 MiB of zeros in ~64 KiB
    expect(bomb.length).toBeLessThan(1 << 20);
    const before = process.memoryUsage().rss;
    const problems = await problemsOf(decodeUserData(new Uint8Array(bomb), { source: "ud", limits: { decompressed: 1 << 20 } }));
    expect(problems).toEqual([`gzip data expands past the limit of ${1 << 20} bytes: refused (a decompression bomb?)`]);
    // Inflating it whole would cost 64 MiB; the stream stops after about one.
    expect(process.memoryUsage().rss - before).toBeLessThan(32 << 20);
  });

  test("a corrupt gzip is an input error", async () => {
    const gz = gzipSync(enc("#cloud-config\na: 1\n"));
    const broken = new Uint8Array(gz.subarray(0, 12));
    expect((await problemsOf(decode(broken)))[0]).toStartWith("invalid gzip data");
  });

  test("user-data over the input limit is refused before anything is parsed", async () => {
    const big = new Uint8Array((1 << 20) + 1).fill(0x61);
    expect(await problemsOf(decodeUserData(big, { source: "ud", limits: { input: 1 << 20 } }))).toEqual([`user-data is larger than the limit of ${1 << 20} bytes: refused`]);
  });
});
