import { describe, expect, test } from "bun:test";
import { injectedFilesAction } from "../../src/actions/injected-files.ts";
import { Secret } from "../../src/model/secret.ts";
import { factsFor, inputsWith, refusal, text } from "./system-fixtures.ts";

const ROOT = { user: "root", group: "root" };
const ALICE = { user: "alice", group: "alice" };

describe("injected-files", () => {
  test("0644 root:root by default; 0600 where a credential is likely; 0440 for sudoers; a home's files are its user's", () => {
    const files = [
      { path: "/etc/motd", content: text("hi\n") },
      { path: "etc/relative.conf", content: text("r\n") },
      { path: "/root/.ssh/authorized_keys", content: text("ssh-ed25519 AAAA root\n") },
      { path: "/home/alice/.ssh/authorized_keys", content: text("ssh-ed25519 AAAA alice\n") },
      { path: "/etc/sudoers.d/90-ops", content: text("ops ALL=(ALL) ALL\n") },
      { path: "/etc/ssl/private/site.key", content: new Uint8Array([0x30, 0x82, 0xff]) },
    ];
    const facts = factsFor("debian", { files: { "/etc/": "", "/etc/sudoers.d/": "", "/root/.ssh/": "", "/etc/ssl/private/": "" } });
    const changes = injectedFilesAction.plan(inputsWith({}, { data: { files } }), facts);
    const shown = changes.map((c) => (c.kind === "write" ? { ...c, content: c.content instanceof Secret ? `secret:${c.content.reveal()}` : c.content } : c));
    expect(shown).toEqual([
      { kind: "write", path: "/etc/motd", content: "hi\n", mode: 0o644, owner: ROOT, reason: "injected file files[0] from nocloud" },
      { kind: "write", path: "/etc/relative.conf", content: "r\n", mode: 0o644, owner: ROOT, reason: "injected file files[1] from nocloud" },
      { kind: "write", path: "/root/.ssh/authorized_keys", content: "secret:ssh-ed25519 AAAA root\n", mode: 0o600, owner: ROOT, reason: "injected file files[2] from nocloud" },
      { kind: "mkdir", path: "/home/alice/.ssh", mode: 0o700, owner: ALICE, reason: "directory for injected file files[3]" },
      { kind: "write", path: "/home/alice/.ssh/authorized_keys", content: "secret:ssh-ed25519 AAAA alice\n", mode: 0o600, owner: ALICE, reason: "injected file files[3] from nocloud" },
      { kind: "write", path: "/etc/sudoers.d/90-ops", content: "ops ALL=(ALL) ALL\n", mode: 0o440, owner: ROOT, reason: "injected file files[4] from nocloud" },
      { kind: "write", path: "/etc/ssl/private/site.key", content: new Uint8Array([0x30, 0x82, 0xff]), mode: 0o600, owner: ROOT, reason: "injected file files[5] from nocloud" },
    ]);
  });

  test("reads the parent probes; nothing when no files", () => {
    expect(injectedFilesAction.reads?.(inputsWith({}, { data: { files: [{ path: "/etc/a", content: text("") }] } }), factsFor("debian"))).toEqual(["/", "/etc/"]);
    expect(injectedFilesAction.reads?.(inputsWith({}), factsFor("debian"))).toEqual([]);
    expect(injectedFilesAction.plan(inputsWith({}), factsFor("debian"))).toEqual([]);
  });

  test('a path with ".." is refused by field, nothing planned', () => {
    const r = refusal(() => injectedFilesAction.plan(inputsWith({}, { data: { files: [{ path: "/etc/ok", content: text("") }, { path: "/var/../../etc/shadow", content: text("") }] } }), factsFor("debian")));
    expect(r).toMatchObject({ source: "seed files", paths: ["files[1].path"] });
  });
});
