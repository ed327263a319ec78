import { describe, expect, test } from "bun:test";
import { ownerOf, writeFilesAction, writeFilesDeferredAction } from "../../src/actions/write-files.ts";
import { Secret } from "../../src/model/secret.ts";
import { factsFor, inputsWith, latin1, refusal, text, unchecked } from "./system-fixtures.ts";

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64");
const gz = (s: string) => Bun.gzipSync(text(s));
const ROOT = { user: "root", group: "root" };

describe("write-files", () => {
  test("every encoding decoded; default mode 0644 root:root; parents known present get no mkdir", () => {
    const inputs = inputsWith({
      write_files: [
        { path: "/etc/a.conf", content: "plain\n" },
        { path: "/etc/b.conf", content: b64("from base64\n"), encoding: "b64" },
        { path: "/etc/c.conf", content: latin1(gz("gzipped\n")), encoding: "gzip" },
        { path: "/etc/d.conf", content: b64(gz("gz+b64\n")), encoding: "gz+base64", permissions: "0640", owner: "root:adm" },
      ],
    });
    const changes = writeFilesAction.plan(inputs, factsFor("debian", { files: { "/etc/": "" } }));
    expect(changes).toEqual([
      { kind: "write", path: "/etc/a.conf", content: "plain\n", mode: 0o644, owner: ROOT, reason: "write_files[0] from user-data" },
      { kind: "write", path: "/etc/b.conf", content: "from base64\n", mode: 0o644, owner: ROOT, reason: "write_files[1] from user-data" },
      { kind: "write", path: "/etc/c.conf", content: "gzipped\n", mode: 0o644, owner: ROOT, reason: "write_files[2] from user-data" },
      { kind: "write", path: "/etc/d.conf", content: "gz+b64\n", mode: 0o640, owner: { user: "root", group: "adm" }, reason: "write_files[3] from user-data" },
    ]);
  });

  test("a missing parent is made 0755, owned like the file; once for two files; binary content stays bytes", () => {
    const bin = new Uint8Array([0, 255, 1, 2]);
    const inputs = inputsWith({
      write_files: [
        { path: "/opt/app/conf.yaml", content: "x: 1\n", owner: "alice:alice" },
        { path: "/opt/app/blob", content: b64(bin), encoding: "b64", owner: "alice" },
      ],
    });
    const changes = writeFilesAction.plan(inputs, factsFor("debian"));
    expect(changes).toEqual([
      { kind: "mkdir", path: "/opt/app", mode: 0o755, owner: { user: "alice", group: "alice" }, reason: "directory for write_files[0] from user-data" },
      { kind: "write", path: "/opt/app/conf.yaml", content: "x: 1\n", mode: 0o644, owner: { user: "alice", group: "alice" }, reason: "write_files[0] from user-data" },
      { kind: "write", path: "/opt/app/blob", content: bin, mode: 0o644, owner: { user: "alice", group: "root" }, reason: "write_files[1] from user-data" },
    ]);
  });

  test("presence unknown (a gatherer without directory probes): no mkdir planned on a guess", () => {
    const facts = { ...factsFor("debian"), files: {} };
    const changes = writeFilesAction.plan(inputsWith({ write_files: [{ path: "/tmp/x", content: "y" }] }), facts);
    expect(changes.map((c) => c.kind)).toEqual(["write"]);
  });

  test("reads: the directory probes, and every path when anything appends", () => {
    expect(writeFilesAction.reads?.(inputsWith({ write_files: [{ path: "/etc/a", content: "" }, { path: "/opt/x/b", content: "" }] }), factsFor("debian"))).toEqual(["/", "/etc/", "/opt/x/"]);
    expect(writeFilesAction.reads?.(inputsWith({ write_files: [{ path: "/etc/a", content: "", append: true }] }), factsFor("debian"))).toEqual(["/", "/etc/", "/etc/a"]);
  });

  test("append: the current bytes (latin1 in facts) then the new ones; a later entry appends to what an earlier one planned", () => {
    const inputs = inputsWith({
      write_files: [
        { path: "/etc/motd", content: "second\n", append: true },
        { path: "/etc/new", content: "one\n" },
        { path: "/etc/new", content: "two\n", append: true },
      ],
    });
    const facts = factsFor("debian", { files: { "/etc/": "", "/etc/motd": latin1(text("first é\n")) } });
    const changes = writeFilesAction.plan(inputs, facts);
    expect(changes).toEqual([
      { kind: "write", path: "/etc/motd", content: "first é\nsecond\n", mode: 0o644, owner: ROOT, reason: "write_files[0] from user-data: appended to the current content" },
      { kind: "write", path: "/etc/new", content: "one\n", mode: 0o644, owner: ROOT, reason: "write_files[1] from user-data" },
      { kind: "write", path: "/etc/new", content: "one\ntwo\n", mode: 0o644, owner: ROOT, reason: "write_files[2] from user-data: appended to the current content" },
    ]);
  });

  test("defer: the deferred action writes only deferred entries, appending to what the first phase wrote", () => {
    const inputs = inputsWith({
      write_files: [
        { path: "/home/alice/notes", content: "a\n", owner: "alice:alice", defer: true },
        { path: "/etc/x", content: "early\n" },
        { path: "/etc/x", content: "late\n", append: true, defer: true },
      ],
    });
    const facts = factsFor("debian", { files: { "/etc/": "", "/home/alice/": "" } });
    expect(writeFilesAction.plan(inputs, facts)).toEqual([{ kind: "write", path: "/etc/x", content: "early\n", mode: 0o644, owner: ROOT, reason: "write_files[1] from user-data" }]);
    expect(writeFilesDeferredAction.plan(inputs, facts)).toEqual([
      { kind: "write", path: "/home/alice/notes", content: "a\n", mode: 0o644, owner: { user: "alice", group: "alice" }, reason: "write_files[0] from user-data (deferred until users exist)" },
      { kind: "write", path: "/etc/x", content: "early\nlate\n", mode: 0o644, owner: ROOT, reason: "write_files[2] from user-data (deferred until users exist): appended to the current content" },
    ]);
    expect(writeFilesDeferredAction.frequency).toBe("per-instance");
  });

  test("a private file (0600 or less) is a Secret in the plan; the bytes are the same", () => {
    const [change] = writeFilesAction.plan(inputsWith({ write_files: [{ path: "/root/token", content: "s3cret\n", permissions: "0600" }] }), factsFor("debian", { files: { "/root/": "" } }));
    expect(change?.kind === "write" && change.content instanceof Secret && change.content.reveal()).toBe("s3cret\n");
    expect(JSON.stringify(change)).not.toContain("s3cret");
  });

  test("paths: // and . squeezed; vendor-data entries used when user-data has none", () => {
    const inputs = inputsWith({}, { vendor: { write_files: [{ path: "//etc/./v.conf", content: "v" }] } });
    expect(writeFilesAction.plan(inputs, factsFor("debian", { files: { "/etc/": "" } }))).toEqual([{ kind: "write", path: "/etc/v.conf", content: "v", mode: 0o644, owner: ROOT, reason: "write_files[0] from vendor-data" }]);
  });

  test("refusals name the field and plan nothing", () => {
    const file = (over: Record<string, unknown>) => ({ path: "/etc/ok", content: "", encoding: "text", owner: "root:root", permissions: 0o644, append: false, defer: false, ...over });
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [file({ path: "/etc/../root/.ssh/authorized_keys" }), "write_files[1].path", /must not contain "\.\."/],
      [file({ path: "etc/relative" }), "write_files[1].path", /absolute/],
      [file({ path: "/etc/a\0b" }), "write_files[1].path", /NUL/],
      [file({ path: "/etc/dir/" }), "write_files[1].path", /directory/],
      [file({ owner: "alice smith" }), "write_files[1].owner", /no spaces/],
      [file({ owner: "a:b:c" }), "write_files[1].owner", /user:group/],
    ];
    for (const [bad, path, message] of cases) {
      const r = refusal(() => writeFilesAction.plan(unchecked({ write_files: [file({}), bad] }), factsFor("debian")));
      expect(r.paths).toEqual([path]);
      expect(r.message).toMatch(message);
      expect(r.source).toBe("seed user-data");
    }
    // The deferred phase checks every entry too: one bad entry stops both.
    expect(refusal(() => writeFilesDeferredAction.plan(unchecked({ write_files: [file({ path: "/a/../b", defer: false })] }), factsFor("debian"))).paths).toEqual(["write_files[0].path"]);
  });

  test("the bytes written are the ones validation decoded; owners", () => {
    const inputs = inputsWith({ write_files: [{ path: "/etc/z", content: "ignored", encoding: "text" }] });
    (inputs.userData as { writeFileContents: Uint8Array[] }).writeFileContents = [text("decoded once\n")];
    const [change] = writeFilesAction.plan(inputs, factsFor("debian", { files: { "/etc/": "" } }));
    expect(change).toMatchObject({ kind: "write", path: "/etc/z", content: "decoded once\n" });
    expect(ownerOf("www-data", "s", "f")).toEqual({ user: "www-data", group: "root" });
    expect(ownerOf("1001:1001", "s", "f")).toEqual({ user: "1001", group: "1001" });
  });
});

describe("bytesOfRead", () => {
  test("every byte comes back, whether facts decoded true latin1 or TextDecoder's latin1 (windows-1252)", async () => {
    const { bytesOfRead } = await import("../../src/actions/target-files.ts");
    const all = new Uint8Array(256).map((_, i) => i);
    expect(bytesOfRead(Buffer.from(all).toString("latin1"))).toEqual(all);
    expect(bytesOfRead(new TextDecoder("latin1").decode(all))).toEqual(all);
  });
});

test("write-files without entries reads and plans nothing", () => {
  expect(writeFilesAction.reads?.(inputsWith({}), factsFor("debian"))).toEqual([]);
  expect(writeFilesAction.plan(inputsWith({}), factsFor("debian"))).toEqual([]);
});
