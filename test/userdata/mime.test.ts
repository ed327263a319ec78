import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { decodeUserData } from "../../src/userdata/decode-user-data.ts";
import { parseMime } from "../../src/userdata/mime.ts";
import { USERDATA_LIMITS } from "../../src/userdata/limits.ts";
import { enc, problemsOf, text } from "./helpers.ts";

const decode = (s: string | Uint8Array, limits = {}) => decodeUserData(typeof s === "string" ? enc(s) : s, { source: "ud", limits });

/** Written by hand, CRLF line ends, in the shape `cloud-init devel make-mime` gives. */
const HAND = [
  'Content-Type: multipart/mixed; boundary="===============4291038100093149247=="',
  "MIME-Version: 1.0",
  "",
  "This is the preamble; it is ignored.",
  "--===============4291038100093149247==",
  'Content-Type: text/cloud-config; charset="us-ascii"',
  "MIME-Version: 1.0",
  "Content-Transfer-Encoding: 7bit",
  'Content-Disposition: attachment; filename="base.yaml"',
  "",
  "#cloud-config",
  "hostname: first",
  "ntp: {servers: [a.example], pools: [p.example]}",
  "packages: [a, b]",
  "",
  "--===============4291038100093149247==",
  "Content-Type: text/x-shellscript",
  "Content-Transfer-Encoding: base64",
  "Content-Disposition: attachment;",
  '  filename="setup.sh"',
  "",
  Buffer.from("#!/bin/sh\necho setup\n").toString("base64"),
  "--===============4291038100093149247==",
  "Content-Type: text/cloud-config",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "#cloud-config",
  "hostname: second",
  "ntp: {servers: [b.example]}",
  "packages: [c]",
  "final_message: caf=C3=A9 =",
  "done",
  "--===============4291038100093149247==",
  "Content-Type: text/cloud-boothook",
  "",
  "#cloud-boothook",
  "#!/bin/sh",
  "echo boot",
  "--===============4291038100093149247==--",
  "epilogue, ignored",
].join("\r\n");

describe("MIME multipart", () => {
  test("several parts by hand: cloud-configs merged (mappings recursively, lists replaced), scripts named", async () => {
    const out = await decode(HAND);
    expect(out.cloudConfig).toEqual({ hostname: "second", ntp: { servers: ["b.example"], pools: ["p.example"] }, packages: ["c"], final_message: "café done" });
    expect(out.scripts.map((s) => ({ kind: s.kind, name: s.name, content: text(s.content) }))).toEqual([
      { kind: "shell", name: "setup.sh", content: "#!/bin/sh\necho setup\n" },
      { kind: "boothook", name: "part-004", content: "#!/bin/sh\necho boot" },
    ]);
    expect(out.warnings).toEqual([]);
  });

  test("a multipart made by python3's email.mime, with a gzip part and a nested multipart", async () => {
    const script = `
import sys, gzip
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.mime.application import MIMEApplication
outer = MIMEMultipart()
a = MIMEText("#cloud-config\\nusers: [default, {name: alice}]\\nruncmd: [[touch, /a]]\\n", "cloud-config")
a.add_header("Content-Disposition", "attachment", filename="a.yaml")
outer.attach(a)
outer.attach(MIMEText("#!/bin/bash\\necho \\u00e9t\\u00e9\\n", "x-shellscript", "utf-8"))
z = MIMEApplication(gzip.compress(b"#cloud-config\\nruncmd: [[touch, /z]]\\n"), "x-gzip")
outer.attach(z)
inner = MIMEMultipart()
inner.attach(MIMEText("#ps1_sysnative\\nWrite-Host nested\\n", "plain"))
inner.attach(MIMEText("just some words\\n", "plain"))
outer.attach(inner)
sys.stdout.write(outer.as_string())
`;
    const py = Bun.spawnSync(["python3", "-c", script]);
    expect(py.exitCode).toBe(0);
    const out = await decode(new Uint8Array(py.stdout));
    expect(out.cloudConfig).toEqual({ users: ["default", { name: "alice" }], runcmd: [["touch", "/z"]] });
    expect(out.scripts.map((s) => ({ kind: s.kind, name: s.name, content: text(s.content) }))).toEqual([
      { kind: "shell", name: "part-002", content: "#!/bin/bash\necho été\n" },
      { kind: "ps1_sysnative", name: "part-004", content: "#ps1_sysnative\nWrite-Host nested\n" },
    ]);
    expect(out.warnings).toEqual(["part-005 (text/plain): content that is not #cloud-config, a #! script or MIME: not understood, ignored"]);
  });

  test("refused parts are named; unknown types are warnings", async () => {
    const mime = (parts: [string, string][]) =>
      ["MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=XX", "", ...parts.flatMap(([type, body]) => ["--XX", `Content-Type: ${type}`, "", body]), "--XX--", ""].join("\n");
    expect(await problemsOf(decode(mime([["text/x-include-url", "http://x/"], ["text/jinja2", "{{ x }}"], ["text/x-shellscript", "#include\nhttp://y"]])))).toEqual([
      "part-001 (text/x-include-url): #include (user-data fetched from URLs) is not supported: give the content itself",
      "part-002 (text/jinja2): Jinja templates (## template: jinja) are not supported: render the template before giving it as user-data",
      "part-003 (text/x-shellscript): #include (user-data fetched from URLs) is not supported: give the content itself",
    ]);
    const out = await decode(mime([["application/x-foo", "data"], ["text/cloud-config", "hostname: no-header\n"], ["text/x-shellscript", "echo no shebang"]]));
    expect(out.cloudConfig).toEqual({ hostname: "no-header" });
    expect(out.scripts.map((s) => [s.kind, text(s.content)])).toEqual([["shell", "echo no shebang"]]);
    expect(out.warnings).toEqual(["part-001 (application/x-foo): content-type application/x-foo: not understood, ignored"]);
  });

  test("a YAML error in a part names the part and the line; merge_how is warned about", async () => {
    const mime = ["MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: text/cloud-config", "", "#cloud-config\nmerge_how: list(append)\na: 1\n", "--b", "", "#cloud-config\nb: [1\n", "--b--"].join("\n");
    expect(await problemsOf(decode(mime))).toEqual([expect.stringMatching(/^part-002 \(text\/plain\): line \d+, column \d+: invalid YAML/)]);
    const ok = mime.replace("b: [1", "b: [1]");
    expect(await decode(ok)).toEqual({ cloudConfig: { a: 1, b: [1] }, scripts: [], warnings: ["part-001 (text/cloud-config): merge_how: custom merging is not supported; cloud-init's default merge was used"] });
  });

  test("deep nesting and too many parts are refused; an unclosed multipart is a warning", async () => {
    let nested = "--b0\nContent-Type: text/cloud-config\n\n#cloud-config\na: 1\n--b0--\n";
    for (let i = 0; i < 8; i++) nested = `--b${i + 1}\nContent-Type: multipart/mixed; boundary=b${i}\n\n${nested}--b${i + 1}--\n`;
    const deep = `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b8\n\n${nested}`;
    expect(await problemsOf(decode(deep))).toEqual([`MIME part 1.1.1.1.1: MIME multipart nested deeper than ${USERDATA_LIMITS.depth} levels: refused`]);
    expect((await decode(deep, { depth: 10 })).cloudConfig).toEqual({ a: 1 });

    const many = ["MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=m", "", ...Array.from({ length: 20 }, (_, i) => `--m\n\n#cloud-config\nk${i}: ${i}`), "--m--"].join("\n");
    expect(await problemsOf(decode(many, { parts: 10 }))).toEqual(["MIME part 10: more than 10 MIME parts: refused"]);

    const unclosed = "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=u\n\n--u\n\n#cloud-config\na: 1\n";
    expect(await decode(unclosed)).toEqual({ cloudConfig: { a: 1 }, scripts: [], warnings: ['MIME message: multipart boundary "u" is never closed; the data after the last boundary is taken as the last part'] });
  });

  test("structural errors: no boundary, a boundary that never appears, an unknown transfer encoding", async () => {
    const w: string[] = [];
    expect(() => parseMime(enc("MIME-Version: 1.0\nContent-Type: multipart/mixed\n\nx"), "ud", USERDATA_LIMITS, w)).toThrow("ud: MIME message: multipart/mixed without a boundary parameter");
    expect(() => parseMime(enc("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=q\n\nx"), "ud", USERDATA_LIMITS, w)).toThrow('ud: MIME message: multipart boundary "q" never appears: no parts');
    expect(() => parseMime(enc("MIME-Version: 1.0\nContent-Transfer-Encoding: x-uuencode\n\nx"), "ud", USERDATA_LIMITS, w)).toThrow(
      'ud: MIME message: unsupported Content-Transfer-Encoding "x-uuencode" (expected base64, quoted-printable, 7bit or 8bit)',
    );
  });

  test("a gzip bomb inside a MIME part counts against the same limit", async () => {
    const bomb = Buffer.from(gzipSync(new Uint8Array(8 << 20))).toString("base64");
    const mime = ["MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=g", "", "--g", "Content-Type: application/x-gzip", "Content-Transfer-Encoding: base64", "", bomb, "--g--"].join("\n");
    expect(await problemsOf(decode(mime, { decompressed: 1 << 20 }))).toEqual([`part-001 (application/x-gzip): gzip data expands past the limit of ${1 << 20} bytes: refused (a decompression bomb?)`]);
  });
});
