import { describe, expect, test } from "bun:test";
import { PathError, resolveInRoot } from "../../src/host/resolve-in-root.ts";

/** A table of symlinks inside a root, as host paths under "/r". */
function links(table: Record<string, string>) {
  return async (hostPath: string) => table[hostPath] ?? null;
}

const cases: [string, Record<string, string>, string, boolean, string][] = [
  ["plain path", {}, "/etc/hostname", true, "/etc/hostname"],
  ["dot-dot stops at the root", {}, "/../../etc/shadow", true, "/etc/shadow"],
  ["dot-dot inside", {}, "/etc/ssh/../hostname", true, "/etc/hostname"],
  ["absolute link is re-rooted", { "/r/etc": "/" }, "/etc/passwd", true, "/passwd"],
  ["relative link", { "/r/etc/alt": "../opt" }, "/etc/alt/x", true, "/opt/x"],
  ["link climbing out stays in", { "/r/a": "../../../../host-secret" }, "/a", true, "/host-secret"],
  ["final link not followed when asked", { "/r/etc/motd": "/../../outside" }, "/etc/motd", false, "/etc/motd"],
  ["final link followed", { "/r/etc/motd": "/usr/motd" }, "/etc/motd", true, "/usr/motd"],
  ["chain of links", { "/r/a": "/b", "/r/b": "/c", "/r/c": "/d" }, "/a/file", true, "/d/file"],
];

describe("resolveInRoot: chroot semantics", () => {
  for (const [name, table, path, followLast, expected] of cases) {
    test(name, async () => {
      const parts = await resolveInRoot("/r", path, followLast, links(table));
      expect(`/${parts.join("/")}`).toBe(expected);
    });
  }

  test("a symlink loop is an ELOOP error, not a hang", async () => {
    const loop = links({ "/r/a": "/b", "/r/b": "/a" });
    const error = await resolveInRoot("/r", "/a/x", true, loop).catch((e) => e);
    expect(error).toBeInstanceOf(PathError);
    expect(error.code).toBe("ELOOP");
  });

  test("a NUL byte in a path is refused", async () => {
    const error = await resolveInRoot("/r", "/etc/passwd\0.bak", true, links({})).catch((e) => e);
    expect(error).toBeInstanceOf(PathError);
    expect(error.code).toBe("EINVAL");
  });
});
