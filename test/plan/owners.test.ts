import { describe, expect, test } from "bun:test";
import { createFakeFs } from "../../src/host/fake-fs.ts";
import { parseGroup, parsePasswd } from "../../src/os/linux/passwd.ts";
import { OwnerTable } from "../../src/plan/owners.ts";
import { failure } from "../helpers/failure.ts";

describe("passwd and group parsing", () => {
  test("entries, with comments, NIS lines and malformed lines skipped", () => {
    const passwd = "# local\nroot:x:0:0:root:/root:/bin/bash\n+nis\nbad:line\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nweird:x:abc:1::/:/bin/sh\r\n";
    expect(parsePasswd(passwd)).toEqual([
      { name: "root", uid: 0, gid: 0, gecos: "root", home: "/root", shell: "/bin/bash" },
      { name: "nobody", uid: 65534, gid: 65534, gecos: "nobody", home: "/nonexistent", shell: "/usr/sbin/nologin" },
    ]);
    expect(parseGroup("root:x:0:\nsudo:x:27:alice,bob\n-x\nbroken\n")).toEqual([
      { name: "root", gid: 0, members: [] },
      { name: "sudo", gid: 27, members: ["alice", "bob"] },
    ]);
  });
});

describe("OwnerTable", () => {
  const fs = createFakeFs({ "/etc/passwd": "root:x:0:0::/root:/bin/sh\nalice:x:1001:1001::/home/alice:/bin/sh\n", "/etc/group": "root:x:0:\nstaff:x:50:\n" });

  test("names to ids from the root's own tables; numbers and root as chown(1) takes them", async () => {
    const table = new OwnerTable(fs);
    expect(await table.resolve({ user: "alice", group: "staff" })).toEqual({ uid: 1001, gid: 50 });
    expect(await table.resolve({ user: "2000", group: "2001" })).toEqual({ uid: 2000, gid: 2001 });
    expect(await table.describe(1001, 50)).toBe("alice:staff");
    expect(await table.describe(7, 8)).toBe("7:8");
    const empty = new OwnerTable(createFakeFs({}));
    expect(await empty.resolve({ user: "root", group: "root" })).toEqual({ uid: 0, gid: 0 });
  });

  test("unknown names are clear errors", async () => {
    const table = new OwnerTable(fs);
    expect((await failure(table.resolve({ user: "bob", group: "staff" }))).message).toBe('unknown user "bob": not in the target\'s /etc/passwd');
    expect((await failure(table.resolve({ user: "alice", group: "wheel" }))).message).toBe('unknown group "wheel": not in the target\'s /etc/group');
  });
});
