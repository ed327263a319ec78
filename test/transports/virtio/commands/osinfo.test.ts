import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../../../src/host/fake.ts";
import type { FakeTree } from "../../../../src/host/fake-fs.ts";
import { guestGetOsinfo } from "../../../../src/transports/virtio/commands/osinfo.ts";
import { parseOsRelease, shellWord } from "../../../../src/parse/os-release.ts";
import type { QgaContext } from "../../../../src/transports/virtio/qga-types.ts";
import { readOnlyContext } from "./qga-test-context.ts";

const UNAME = { release: "6.1.0-18-amd64", version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)", machine: "x86_64" };

function context(tree: FakeTree): QgaContext {
  const host = createFakeHost({ tree, system: { uname: UNAME } });
  return readOnlyContext(host);
}

const DEBIAN = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

describe("guest-get-osinfo", () => {
  test("Debian 12: every member qemu-ga gives, in qapi-schema.json's order", async () => {
    const info = await guestGetOsinfo.run(context({ "/usr/lib/os-release": DEBIAN, "/etc/os-release": { symlink: "../usr/lib/os-release" } }), {});
    expect(guestGetOsinfo.kind).toBe("read");
    expect(info).toEqual({
      "kernel-release": "6.1.0-18-amd64",
      "kernel-version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
      machine: "x86_64",
      id: "debian",
      name: "Debian GNU/Linux",
      "pretty-name": "Debian GNU/Linux 12 (bookworm)",
      version: "12 (bookworm)",
      "version-id": "12",
    });
    expect(Object.keys(info as object)).toEqual(["kernel-release", "kernel-version", "machine", "id", "name", "pretty-name", "version", "version-id"]);
  });

  test("variant and variant-id (Fedora); an empty value is present as \"\"", async () => {
    const text = 'NAME="Fedora Linux"\nVERSION="39 (Server Edition)"\nID=fedora\nVERSION_ID=39\nVARIANT="Server Edition"\nVARIANT_ID=server\n';
    expect(await guestGetOsinfo.run(context({ "/etc/os-release": text }), {})).toMatchObject({ variant: "Server Edition", "variant-id": "server" });
    const empty = await guestGetOsinfo.run(context({ "/etc/os-release": "ID=x\nVARIANT=\n" }), {});
    expect(empty).toEqual({ ...{ "kernel-release": UNAME.release, "kernel-version": UNAME.version, machine: UNAME.machine }, id: "x", variant: "" });
  });

  test("/usr/lib/os-release when /etc/os-release is missing", async () => {
    expect(await guestGetOsinfo.run(context({ "/usr/lib/os-release": "ID=arch\n" }), {})).toMatchObject({ id: "arch" });
  });

  test("/etc/os-release wins over /usr/lib/os-release", async () => {
    expect(await guestGetOsinfo.run(context({ "/etc/os-release": "ID=etc\n", "/usr/lib/os-release": "ID=lib\n" }), {})).toMatchObject({ id: "etc" });
  });

  test("a file that is not UTF-8 is skipped for the next one, as qemu-ga does", async () => {
    const tree = { "/etc/os-release": new Uint8Array([0x49, 0x44, 0x3d, 0xff, 0x0a]), "/usr/lib/os-release": "ID=lib\n" };
    expect(await guestGetOsinfo.run(context(tree), {})).toMatchObject({ id: "lib" });
  });

  test("no os-release at all: only the kernel members", async () => {
    expect(await guestGetOsinfo.run(context({}), {})).toEqual({ "kernel-release": UNAME.release, "kernel-version": UNAME.version, machine: UNAME.machine });
  });
});

describe("os-release values, read as sh reads them", () => {
  const cases: [string, string | null][] = [
    ["plain", "plain"],
    ['"Debian GNU/Linux"', "Debian GNU/Linux"],
    ["'single quoted'", "single quoted"],
    ['"a\\"b\\$c\\\\d\\`e"', 'a"b$c\\d`e'],
    ['"keep \\n and \\\' as written"', "keep \\n and \\' as written"],
    ["unq\\ uoted", "unq uoted"],
    ["two words", "two"],
    ["a;b", "a"],
    ['"a"b\'c\'', "abc"],
    ['"x"  # comment', "x"],
    ['"tab\there"', "tab\there"],
    ["a=b", "a=b"],
    ["", ""],
    ['"unterminated', null],
    ["'unterminated", null],
    ["$VAR", "$VAR"],
  ];
  for (const [raw, value] of cases) {
    test(`${JSON.stringify(raw)} → ${JSON.stringify(value)}`, () => {
      expect(shellWord(raw)).toBe(value);
    });
  }

  test("comments, blanks, spaces around =, CRLF and bad lines; the last assignment wins", () => {
    const text = "# a comment\n\n  ID = spaced  \r\nNAME=first\nNAME=second\nthis line is not an assignment\n=novalue\nBAD-KEY=x\n";
    expect(parseOsRelease(text)).toEqual({ ID: "spaced", NAME: "second" });
  });
});
