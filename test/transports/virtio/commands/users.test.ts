import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../../../src/host/fake.ts";
import type { FakeTree } from "../../../../src/host/fake-fs.ts";
import { guestGetUsers, MAX_UTMP_BYTES, UTMP_PATH } from "../../../../src/transports/virtio/commands/users.ts";
import type { QgaContext } from "../../../../src/transports/virtio/qga-types.ts";
import { parseUtmp, UT_TYPE, UTMP_RECORD_SIZE } from "../../../../src/transports/virtio/utmp.ts";
import { readOnlyContext } from "./qga-test-context.ts";

interface Entry {
  type: number;
  user?: string;
  line?: string;
  host?: string;
  pid?: number;
  sec: number;
  usec?: number;
}

/** glibc's x86_64 struct utmp, written field by field (the layout utmp.h gives, not our parser's). */
function utmp(entries: Entry[]): Uint8Array {
  const out = new Uint8Array(entries.length * UTMP_RECORD_SIZE);
  const view = new DataView(out.buffer);
  const put = (at: number, size: number, text = "") => out.set(new TextEncoder().encode(text).subarray(0, size), at);
  entries.forEach((e, i) => {
    const at = i * UTMP_RECORD_SIZE;
    view.setInt16(at, e.type, true);
    view.setInt32(at + 4, e.pid ?? 1000 + i, true);
    put(at + 8, 32, e.line ?? `pts/${i}`);
    put(at + 40, 4, `ts/${i}`);
    put(at + 44, 32, e.user);
    put(at + 76, 256, e.host ?? "192.0.2.10");
    view.setInt32(at + 336, 0, true);
    view.setInt32(at + 340, e.sec, true);
    view.setInt32(at + 344, e.usec ?? 0, true);
  });
  return out;
}

function context(tree: FakeTree): QgaContext {
  const host = createFakeHost({ tree });
  return readOnlyContext(host);
}

describe("utmp records", () => {
  test("each field where glibc puts it; a full 32-byte name has no NUL", () => {
    const name = "u".repeat(32);
    const [record] = parseUtmp(utmp([{ type: UT_TYPE.USER_PROCESS, user: name, line: "tty1", host: "example.org", pid: 4242, sec: 1_700_000_000, usec: 250_000 }]));
    expect(record).toEqual({ type: 7, pid: 4242, line: "tty1", id: "ts/0", user: name, host: "example.org", session: 0, tvSec: 1_700_000_000, tvUsec: 250_000 });
  });

  test("a truncated last record is ignored", () => {
    const bytes = utmp([{ type: UT_TYPE.USER_PROCESS, user: "a", sec: 1 }, { type: UT_TYPE.USER_PROCESS, user: "b", sec: 2 }]);
    expect(parseUtmp(bytes.subarray(0, UTMP_RECORD_SIZE + 200)).map((r) => r.user)).toEqual(["a"]);
    expect(parseUtmp(new Uint8Array(10))).toEqual([]);
  });
});

describe("guest-get-users", () => {
  test("USER_PROCESS only; one entry per user in first-seen order, with the earliest login (qemu-ga's rule)", async () => {
    const bytes = utmp([
      { type: UT_TYPE.BOOT_TIME, user: "reboot", sec: 1_699_000_000 },
      { type: UT_TYPE.RUN_LVL, user: "runlevel", sec: 1_699_000_001 },
      { type: UT_TYPE.LOGIN_PROCESS, user: "LOGIN", sec: 1_699_000_002 },
      { type: UT_TYPE.USER_PROCESS, user: "alice", sec: 1_700_000_500, usec: 5 },
      { type: UT_TYPE.USER_PROCESS, user: "bob", sec: 1_700_000_100, usec: 750_000 },
      { type: UT_TYPE.USER_PROCESS, user: "alice", sec: 1_700_000_000, usec: 123_456 },
      { type: UT_TYPE.DEAD_PROCESS, user: "carol", sec: 1_690_000_000 },
      { type: UT_TYPE.USER_PROCESS, user: "alice", sec: 1_700_009_999 },
    ]);
    const users = await guestGetUsers.run(context({ [UTMP_PATH]: bytes }), {});
    expect(guestGetUsers.kind).toBe("read");
    expect(users).toEqual([
      { user: "alice", "login-time": 1_700_000_000 + 123_456 / 1e6 },
      { user: "bob", "login-time": 1_700_000_100.75 },
    ]);
    // login-time is seconds as a float, as qemu-ga's (double)tv_sec + (double)tv_usec / 1e6.
    expect(JSON.stringify(users)).toBe('[{"user":"alice","login-time":1700000000.123456},{"user":"bob","login-time":1700000100.75}]');
  });

  test("read through host.fs at glibc's path, /var/run/utmp (a symlink to /run on current systems)", async () => {
    const tree = { "/var/run": { symlink: "/run" }, "/run/utmp": utmp([{ type: UT_TYPE.USER_PROCESS, user: "root", sec: 5 }]) };
    expect(await guestGetUsers.run(context(tree), {})).toEqual([{ user: "root", "login-time": 5 }]);
  });

  test("no utmp file: no users, no error (getutxent finds nothing)", async () => {
    expect(await guestGetUsers.run(context({}), {})).toEqual([]);
  });

  test("bounded: records past the first 4 MiB are not read", async () => {
    const count = Math.ceil(MAX_UTMP_BYTES / UTMP_RECORD_SIZE) + 2;
    const entries: Entry[] = Array.from({ length: count }, () => ({ type: UT_TYPE.DEAD_PROCESS, sec: 0 }));
    entries[count - 1] = { type: UT_TYPE.USER_PROCESS, user: "late", sec: 9 };
    entries[0] = { type: UT_TYPE.USER_PROCESS, user: "early", sec: 1 };
    const users = await guestGetUsers.run(context({ [UTMP_PATH]: utmp(entries) }), {});
    expect(users).toEqual([{ user: "early", "login-time": 1 }]);
  });
});
