import { describe, expect, test } from "bun:test";
import { FsError } from "../../src/host/fs-error.ts";
import type { RootedFs } from "../../src/host/types.ts";

/** A tree for the contract: text files and symlinks, by path inside the root. */
export type ContractTree = Record<string, string | { symlink: string }>;

export interface ContractSubject {
  fs: RootedFs;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The behaviour every RootedFs must have, run against the real one and the fake one alike. */
export function rootedFsContract(name: string, make: (tree: ContractTree) => Promise<ContractSubject>): void {
  describe(`${name}: RootedFs contract`, () => {
    test("writes with the exact mode asked, reads back", async () => {
      const { fs } = await make({ "/etc/.keep": "" });
      await fs.writeFile("/etc/app.conf", "a=1\n", { mode: 0o640 });
      expect(await fs.readText("/etc/app.conf")).toBe("a=1\n");
      expect((await fs.stat("/etc/app.conf"))?.mode).toBe(0o640);
      await fs.chmod("/etc/app.conf", 0o600);
      expect((await fs.stat("/etc/app.conf"))?.mode).toBe(0o600);
    });

    test("a link to / inside the root means the root's /", async () => {
      const { fs } = await make({ "/etc": { symlink: "/" }, "/passwd": "root:x:0:0::/root:/bin/sh\n" });
      expect(await fs.readText("/etc/passwd")).toContain("root:x:0:0");
      expect(await fs.realPath("/etc/passwd")).toBe(fs.root === "/" ? "/passwd" : `${fs.root}/passwd`);
    });

    test("dot-dot cannot climb above the root", async () => {
      const { fs } = await make({ "/hostname": "inside\n" });
      expect(await fs.readText("/../../../../hostname")).toBe("inside\n");
    });

    test("writeFile never follows a final symlink", async () => {
      const { fs } = await make({ "/etc/motd": { symlink: "/target" }, "/target": "original" });
      const error = await fs.writeFile("/etc/motd", "overwritten", { mode: 0o644 }).catch((e) => e);
      expect(error).toBeInstanceOf(FsError);
      expect(error.code).toBe("ELOOP");
      expect(await fs.readText("/target")).toBe("original");
    });

    test("stat and lstat: absent is null, links are seen by lstat", async () => {
      const { fs } = await make({ "/a": "x", "/l": { symlink: "/a" } });
      expect(await fs.stat("/missing")).toBeNull();
      expect((await fs.stat("/l"))?.type).toBe("file");
      expect((await fs.lstat("/l"))?.type).toBe("symlink");
      expect(await fs.readlink("/l")).toBe("/a");
      expect(await fs.exists("/l")).toBe(true);
      expect(await fs.exists("/nope")).toBe(false);
    });

    test("errors name the path inside the root", async () => {
      const { fs } = await make({});
      const error = await fs.readFile("/etc/missing.conf").catch((e) => e);
      expect(error).toBeInstanceOf(FsError);
      expect(error.code).toBe("ENOENT");
      expect(error.message).toBe("read /etc/missing.conf: no such file or directory");
    });

    test("readRange reads a window, short at the end", async () => {
      const { fs } = await make({ "/dev/sr0": "0123456789" });
      expect(text(await fs.readRange("/dev/sr0", 3, 4))).toBe("3456");
      expect(text(await fs.readRange("/dev/sr0", 8, 100))).toBe("89");
      expect((await fs.readRange("/dev/sr0", 50, 10)).length).toBe(0);
    });

    test("list, mkdir, rename, remove", async () => {
      const { fs } = await make({ "/d/b": "2", "/d/a": "1" });
      expect(await fs.list("/d")).toEqual(["a", "b"]);
      await fs.mkdir("/d/sub/deeper", { mode: 0o700, recursive: true });
      expect((await fs.stat("/d/sub/deeper"))?.type).toBe("dir");
      await fs.rename("/d/a", "/d/sub/a");
      expect(await fs.list("/d")).toEqual(["b", "sub"]);
      expect(await fs.readText("/d/sub/a")).toBe("1");
      const notRecursive = await fs.remove("/d/sub").catch((e) => e);
      expect(notRecursive).toBeInstanceOf(FsError);
      await fs.remove("/d/sub", { recursive: true });
      expect(await fs.list("/d")).toEqual(["b"]);
    });

    test("writing under a missing directory fails and creates nothing", async () => {
      const { fs } = await make({});
      const error = await fs.writeFile("/no/such/dir/file", "x", { mode: 0o644 }).catch((e) => e);
      expect(error).toBeInstanceOf(FsError);
      expect(error.code).toBe("ENOENT");
      expect(await fs.exists("/no")).toBe(false);
    });
  });
}
