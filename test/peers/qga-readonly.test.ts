/**
 * Lane 2: our read-only QGA commands against Debian's real qemu-ga (package qemu-guest-agent),
 * both on this machine at the same moment. qemu-ga listens on a unix socket in a temp directory;
 * our commands run in-process on the real Host (root "/", read-only: nothing on the machine
 * changes). Same member names and JSON types for every command, and equal values (counters
 * bracketed, the clock within 1 s). Extra lanes feed both the same inputs: os-release files
 * (qemu-ga's QGA_OS_RELEASE), time zones (TZ), and a utmp file (qemu-ga in a private mount
 * namespace with a tmpfs on /run: the machine's own /run is not touched).
 *
 * Differences we keep, each asserted below so a change on either side shows:
 * - guest-sync ids beyond ±(2^53−1): qemu-ga echoes any int64; we refuse them (a JSON number
 *   cannot carry them exactly, and a wrong echo would desynchronise the host silently).
 * - os-release values qemu-ga misreads (qga/commands-posix.c ga_osrelease_replace_special):
 *   a single-quoted value (qemu-ga cuts it at the first space and keeps the quote), pieces joined
 *   after a closing quote, an unquoted backslash escape, \' inside double quotes, an unterminated
 *   quote (qemu-ga repeats the last character), and a file with one bad line (qemu-ga's GKeyFile
 *   rejects the whole file). We follow os-release(5): shell quoting, line by line.
 * - a utmp user name that fills all 32 bytes: qemu-ga's g_strdup reads on into ut_host; we stop
 *   at the field's end.
 * - member order inside an object: qemu-ga prints its QDict's hash order (it differs from the
 *   schema's, e.g. "name" after "kernel-release"); we print qapi-schema.json's order. JSON member
 *   order carries no meaning and the hosts (libvirt, Proxmox) parse the JSON.
 * - guest-get-time: qemu-ga has microseconds (…000 ns), we the Host's milliseconds (…000000 ns).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createConsola } from "consola/core";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { createRealHost } from "../../src/host/real.ts";
import type { Host } from "../../src/host/types.ts";
import { guestFsfreezeStatus } from "../../src/transports/virtio/commands/fsfreeze-status.ts";
import { guestGetTime } from "../../src/transports/virtio/commands/get-time.ts";
import { guestGetHostName } from "../../src/transports/virtio/commands/host-name.ts";
import { INFO_COMMANDS } from "../../src/transports/virtio/commands/info.ts";
import { guestNetworkGetInterfaces } from "../../src/transports/virtio/commands/network-interfaces.ts";
import { guestGetOsinfo } from "../../src/transports/virtio/commands/osinfo.ts";
import { guestGetTimezone } from "../../src/transports/virtio/commands/timezone.ts";
import { guestGetUsers } from "../../src/transports/virtio/commands/users.ts";
import { createDispatch } from "../../src/transports/virtio/qga-dispatch.ts";
import { OPEN_POLICY } from "../../src/transports/virtio/qga-policy.ts";
import { newQgaState, type QgaCommand, type QgaContext } from "../../src/transports/virtio/qga-types.ts";
import { VERSION } from "../../src/version.ts";
import { runArgv } from "../helpers/run-agent.ts";

const PATH = `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`;
const RPCS = [
  "guest-ping",
  "guest-info",
  "guest-get-time",
  "guest-get-osinfo",
  "guest-get-host-name",
  "guest-get-timezone",
  "guest-get-users",
  "guest-network-get-interfaces",
  "guest-fsfreeze-status",
  "guest-sync",
  "guest-sync-delimited",
];
const OURS: readonly QgaCommand[] = [
  ...INFO_COMMANDS,
  guestGetTime,
  guestGetOsinfo,
  guestGetHostName,
  guestGetTimezone,
  guestGetUsers,
  guestNetworkGetInterfaces,
  guestFsfreezeStatus,
];
const SUPPORTED = OURS.map((c) => ({ name: c.name, enabled: true, successResponse: true }));

type Reply = { return: unknown } | { error: { class: string; desc: string } };

// ---------------------------------------------------------------------------------------------
// qemu-ga, started and stopped by this file only

let QEMU_GA = "";
/** qemu-ga ≥ 8.0 has --allow-rpcs; Debian 12's 7.2 has only --block-rpcs, so everything else is blocked. */
let allowArgs: string[] = [];
const temps: string[] = [];
const running = new Set<Bun.Subprocess>();

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tether-qga-peer-"));
  temps.push(dir);
  return dir;
}

function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}
function cleanUp(): void {
  killAll();
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanUp);

beforeAll(async () => {
  QEMU_GA = Bun.which("qemu-ga", { PATH }) ?? "";
  if (!QEMU_GA) {
    const install = await runArgv(["apt-get", "install", "-y", "--no-install-recommends", "qemu-guest-agent"], { env: { PATH, DEBIAN_FRONTEND: "noninteractive" } });
    QEMU_GA = Bun.which("qemu-ga", { PATH }) ?? "";
    if (!QEMU_GA) throw new Error(`qemu-ga is missing and apt-get install qemu-guest-agent failed (exit ${install.code}): ${install.stderr.slice(-500)}`);
  }
  const help = Bun.spawnSync([QEMU_GA, "--help"], { stdout: "pipe", stderr: "pipe" });
  if (`${help.stdout}${help.stderr}`.includes("--allow-rpcs")) {
    allowArgs = ["--allow-rpcs", RPCS.join(",")];
  } else {
    const all = Bun.spawnSync([QEMU_GA, "-b", "help"], { stdout: "pipe" }).stdout.toString().split("\n").filter(Boolean);
    if (!all.includes("guest-ping")) throw new Error(`qemu-ga -b help listed no RPCs: ${all.join(" ")}`);
    allowArgs = ["--block-rpcs", all.filter((r) => !RPCS.includes(r)).join(",")];
  }
}, 300_000);

afterAll(cleanUp);

interface Peer {
  call(execute: string, args?: unknown): Promise<Reply>;
  /**
   * The reply line as sent: `delimited` when it started with guest-sync-delimited's 0xFF, `text`
   * the JSON after it. Arguments given as a string are sent as they are (JSON.stringify cannot
   * write an int64 past 2^53 exactly).
   */
  callRaw(execute: string, args?: unknown): Promise<{ delimited: boolean; text: string; reply: Reply }>;
  stop(): void;
}

/** Starts qemu-ga on a unix socket in a fresh directory; `wrap` runs it through another program (unshare). */
async function startQemuGa(options: { env?: Record<string, string>; wrap?: string[] } = {}): Promise<Peer> {
  const dir = tempDir();
  mkdirSync(join(dir, "state"));
  const sock = join(dir, "qga.sock");
  const argv = [...(options.wrap ?? []), QEMU_GA, "-m", "unix-listen", "-p", sock, "-t", join(dir, "state"), "-f", join(dir, "qemu-ga.pid"), ...allowArgs];
  const child = Bun.spawn(argv, { env: { PATH, ...options.env }, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  running.add(child);
  const stop = () => {
    child.kill("SIGKILL");
    running.delete(child);
  };
  try {
    let buffered = new Uint8Array(0);
    const lines: Uint8Array[] = [];
    let wake: (() => void) | null = null;
    const handler = {
      data(_s: unknown, chunk: Uint8Array) {
        const joined = new Uint8Array(buffered.length + chunk.length);
        joined.set(buffered);
        joined.set(chunk, buffered.length);
        let start = 0;
        for (let i = 0; i < joined.length; i++) {
          if (joined[i] === 0x0a) {
            lines.push(joined.slice(start, i));
            start = i + 1;
          }
        }
        buffered = joined.slice(start);
        wake?.();
      },
    };
    // The socket file appears at bind(), a moment before listen(): retry a refused connect.
    let socket: Bun.Socket<undefined> | null = null;
    for (let i = 0; !socket; i++) {
      if (child.exitCode !== null || i > 200) throw new Error(`qemu-ga did not listen on ${sock} (exit ${child.exitCode}): ${await new Response(child.stderr).text()}`);
      if (existsSync(sock)) socket = await Bun.connect({ unix: sock, socket: handler }).catch(() => null);
      if (!socket) await Bun.sleep(25);
    }
    const connected = socket;
    const nextLine = async (): Promise<Uint8Array> => {
      const deadline = Date.now() + 10_000;
      while (lines.length === 0) {
        if (Date.now() > deadline) throw new Error("qemu-ga sent no reply within 10 s");
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
        wake = null;
      }
      return lines.shift() as Uint8Array;
    };
    const callRaw = async (execute: string, args?: unknown) => {
      connected.write(typeof args === "string" ? `{"execute":${JSON.stringify(execute)},"arguments":${args}}\n` : `${JSON.stringify(args === undefined ? { execute } : { execute, arguments: args })}\n`);
      const line = await nextLine();
      const delimited = line[0] === 0xff;
      const text = new TextDecoder().decode(delimited ? line.subarray(1) : line);
      return { delimited, text, reply: JSON.parse(text) as Reply };
    };
    return {
      callRaw,
      call: async (execute, args) => (await callRaw(execute, args)).reply,
      stop: () => {
        connected.end();
        stop();
      },
    };
  } catch (error) {
    stop();
    throw error;
  }
}

async function withQemuGa<T>(options: Parameters<typeof startQemuGa>[0], body: (peer: Peer) => Promise<T>): Promise<T> {
  const peer = await startQemuGa(options);
  try {
    return await body(peer);
  } finally {
    peer.stop();
  }
}

function returned(reply: Reply): unknown {
  if (!("return" in reply)) throw new Error(`qemu-ga answered an error: ${JSON.stringify(reply)}`);
  return reply.return;
}

// ---------------------------------------------------------------------------------------------
// ours, in-process on the real Host

const log = createConsola({ level: -999 });

function contextOn(host: Host): QgaContext {
  return {
    host,
    log,
    state: newQgaState(),
    version: VERSION,
    execute: () => Promise.reject(new Error("the read-only peer test executes nothing")),
    supported: () => SUPPORTED,
  };
}

let realHost: Host;
beforeAll(async () => {
  realHost = await createRealHost({ root: "/", log });
});

/** Our command's return value as it goes on the wire (JSON: no undefined members, no -0). */
async function ours(execute: string, args?: unknown, host: Host = realHost): Promise<unknown> {
  const command = OURS.find((c) => c.name === execute);
  if (!command) throw new Error(`no command ${execute}`);
  const parsed = command.args ? v.parse(command.args, args ?? {}) : {};
  return JSON.parse(JSON.stringify(await command.run(contextOn(host), parsed)));
}

/** Member names and JSON types, recursively; an array by the set of its elements' shapes. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return { array: [...new Set(value.map((e) => JSON.stringify(shape(e))))].sort() };
  if (value === null) return "null";
  if (typeof value === "object") return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  return typeof value;
}

// ---------------------------------------------------------------------------------------------

describe("peers: read-only QGA commands against Debian's qemu-ga on this machine", () => {
  let peer: Peer;
  beforeAll(async () => {
    peer = await startQemuGa();
  });
  afterAll(() => peer?.stop());

  test("same member names and JSON types for every command", async () => {
    const args: Record<string, unknown> = { "guest-sync": { id: 7 }, "guest-sync-delimited": { id: 8 } };
    for (const name of RPCS) {
      const theirs = returned(await peer.call(name, args[name]));
      expect({ name, shape: shape(await ours(name, args[name])) }).toEqual({ name, shape: shape(theirs) });
    }
  });

  test("guest-ping → {}", async () => {
    expect(await ours("guest-ping")).toEqual(returned(await peer.call("guest-ping")) as object);
    expect(await ours("guest-ping")).toEqual({});
  });

  test("guest-sync and guest-sync-delimited echo the same ids; only the delimited reply starts with 0xFF", async () => {
    for (const id of [0, 1, -5, 123456789, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
      expect(await ours("guest-sync", { id })).toBe(returned(await peer.call("guest-sync", { id })) as number);
      const delimited = await peer.callRaw("guest-sync-delimited", { id });
      expect(delimited.delimited).toBe(true);
      expect(await ours("guest-sync-delimited", { id })).toBe(returned(delimited.reply) as number);
    }
    expect((await peer.callRaw("guest-sync", { id: 1 })).delimited).toBe(false);
  });

  test("bad guest-sync arguments: the same error class and words through our dispatcher", async () => {
    const dispatch = createDispatch(OURS, OPEN_POLICY, contextOn(realHost));
    for (const args of [{}, { id: "x" }, { id: 1.5 }, { id: true }, { id: null }, { id: 1, extra: 2 }]) {
      const theirs = await peer.call("guest-sync", args);
      expect({ args, reply: JSON.parse(JSON.stringify(await dispatch("guest-sync", args))) }).toEqual({ args, reply: theirs });
    }
    expect(JSON.parse(JSON.stringify(await dispatch("guest-ping", { x: 1 })))).toEqual(await peer.call("guest-ping", { x: 1 }));
    // Kept difference: an id past 2^53. qemu-ga echoes the int64; we refuse it rather than echo a rounded number.
    // (Compared as text: JSON.parse would round the echo to 2^63.)
    expect((await peer.callRaw("guest-sync", '{"id":9223372036854775807}')).text).toBe('{"return": 9223372036854775807}');
    expect(await dispatch("guest-sync", { id: 9223372036854775807 })).toEqual({
      error: { class: "GenericError", desc: "Invalid parameter type for 'id', expected: integer" },
    });
  });

  test("guest-info: version is a string, supported_commands entries have qemu-ga's three members", async () => {
    const theirs = returned(await peer.call("guest-info")) as { version: string; supported_commands: Record<string, unknown>[] };
    const mine = (await ours("guest-info")) as typeof theirs;
    expect(typeof theirs.version).toBe("string");
    expect(mine.version).toBe(VERSION);
    const keys = (list: Record<string, unknown>[]) => [...new Set(list.map((c) => Object.keys(c).sort().join(",")))];
    expect(keys(mine.supported_commands)).toEqual(keys(theirs.supported_commands));
    expect(mine.supported_commands.map((c) => c.name)).toEqual(OURS.map((c) => c.name));
    // Each command we answer here, qemu-ga has under the same name.
    const theirNames = theirs.supported_commands.map((c) => c.name);
    for (const name of RPCS) expect(theirNames).toContain(name);
  });

  test("guest-get-time: an integer in nanoseconds, within 1 s of qemu-ga's", async () => {
    const theirs = returned(await peer.call("guest-get-time")) as number;
    const mine = (await ours("guest-get-time")) as number;
    expect(Number.isInteger(theirs)).toBe(true);
    expect(Number.isInteger(mine)).toBe(true);
    expect(Math.abs(mine - theirs)).toBeLessThan(1e9);
  });

  test("guest-get-osinfo: every member equal", async () => {
    const theirs = returned(await peer.call("guest-get-osinfo")) as Record<string, string>;
    expect(await ours("guest-get-osinfo")).toEqual(theirs);
    expect(Object.keys(theirs)).toContain("kernel-release");
  });

  test("guest-get-host-name: equal", async () => {
    expect(await ours("guest-get-host-name")).toEqual(returned(await peer.call("guest-get-host-name")) as object);
  });

  test("guest-get-timezone: equal", async () => {
    expect(await ours("guest-get-timezone")).toEqual(returned(await peer.call("guest-get-timezone")) as object);
  });

  test("guest-get-users: the same users", async () => {
    expect(await ours("guest-get-users")).toEqual(returned(await peer.call("guest-get-users")) as object);
  });

  test("guest-fsfreeze-status: equal (thawed)", async () => {
    expect(await ours("guest-fsfreeze-status")).toBe(returned(await peer.call("guest-fsfreeze-status")) as string);
  });

  test("guest-network-get-interfaces: same interfaces, MACs, addresses, prefixes; counters between two qemu-ga readings", async () => {
    type Iface = { name: string; "hardware-address"?: string; "ip-addresses"?: unknown[]; statistics?: Record<string, number> };
    const before = returned(await peer.call("guest-network-get-interfaces")) as Iface[];
    const mine = (await ours("guest-network-get-interfaces")) as Iface[];
    const after = returned(await peer.call("guest-network-get-interfaces")) as Iface[];
    const withoutCounters = (list: Iface[]) => list.map(({ statistics, ...rest }) => ({ ...rest, statistics: statistics ? Object.keys(statistics).sort() : null }));
    expect(withoutCounters(mine)).toEqual(withoutCounters(before));
    expect(withoutCounters(after)).toEqual(withoutCounters(before));
    expect(before.map((i) => i.name)).toContain("lo");
    // Counters only grow: ours, read between qemu-ga's two readings, lie between them.
    for (const [i, iface] of mine.entries()) {
      for (const [key, value] of Object.entries(iface.statistics ?? {})) {
        const low = before[i]?.statistics?.[key] as number;
        const high = after[i]?.statistics?.[key] as number;
        expect({ iface: iface.name, key, inRange: value >= low && value <= high, low, value, high }).toEqual({ iface: iface.name, key, inRange: true, low, value, high });
      }
    }
  });
});

describe("peers: os-release files, read by qemu-ga (QGA_OS_RELEASE) and by us (--root)", () => {
  const root = tempDir();
  mkdirSync(join(root, "etc"));
  const file = join(root, "etc/os-release");
  let peer: Peer;
  let host: Host;
  beforeAll(async () => {
    peer = await startQemuGa({ env: { QGA_OS_RELEASE: file } });
    host = await createRealHost({ root, log });
  });
  afterAll(() => peer?.stop());

  const both = async (text: string | null) => {
    if (text === null) rmSync(file, { force: true });
    else writeFileSync(file, text);
    return { theirs: returned(await peer.call("guest-get-osinfo")) as Record<string, string>, mine: (await ours("guest-get-osinfo", undefined, host)) as Record<string, string> };
  };

  const SAME: [string, string | null][] = [
    ["Debian 12", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'],
    ["Fedora with a variant", 'NAME="Fedora Linux"\nVERSION="39 (Server Edition)"\nID=fedora\nVERSION_ID=39\nVARIANT="Server Edition"\nVARIANT_ID=server\n'],
    ["an empty value", "ID=x\nVARIANT=\n"],
    ["the last assignment wins", "ID=one\nID=two\n"],
    ["comments, blank lines, blanks around =", "# comment\n\n  ID = spaced  \nNAME=\tx\n"],
    ["unquoted: cut at a blank or ;", "ID=two words\nVERSION=a;b\n"],
    ["double quotes with \\\" \\$ \\\\ \\` escapes, and \\n kept", 'NAME="a\\"b\\$c\\\\d\\`e\\ng"\nPRETTY_NAME="tab\there"\n'],
    ["text after the closing quote", 'NAME="x"  # c\n'],
    ["= inside a value", "ID=a=b\n"],
    ["no file", null],
  ];
  for (const [what, text] of SAME) {
    test(`same: ${what}`, async () => {
      const { theirs, mine } = await both(text);
      expect(mine).toEqual(theirs);
    });
  }

  // Kept differences: qemu-ga's reading, then ours (os-release(5): shell quoting, line by line).
  const DIFFERENT: [string, string, Record<string, string>, Record<string, string>][] = [
    ["a single-quoted value", "NAME='Single Quoted'\n", { name: "'Single" }, { name: "Single Quoted" }],
    ["pieces joined after a closing quote", 'ID="a"b"c"\n', { id: "a" }, { id: "abc" }],
    ["an unquoted backslash escape", "NAME=unq\\ uoted\n", { name: "unq\\" }, { name: "unq uoted" }],
    ["\\' inside double quotes", "NAME=\"it\\'s\"\n", { name: "it's" }, { name: "it\\'s" }],
    // A quote left open: qemu-ga makes up a value; we skip the line (boot's distro detection does too).
    ["an unterminated double quote", 'PRETTY_NAME="abc\n', { "pretty-name": "abcc" }, {}],
    ["one line that is not KEY=value", "ID=x\nthis line is bad\n", {}, { id: "x" }],
  ];
  for (const [what, text, theirFields, myFields] of DIFFERENT) {
    test(`kept difference: ${what}`, async () => {
      const { theirs, mine } = await both(text);
      const kernel = { "kernel-release": theirs["kernel-release"], "kernel-version": theirs["kernel-version"], machine: theirs.machine };
      expect(theirs).toEqual({ ...kernel, ...theirFields } as Record<string, string>);
      expect(mine).toEqual({ ...kernel, ...myFields } as Record<string, string>);
    });
  }
});

describe("peers: time zones (TZ), qemu-ga's GLib against our runtime", () => {
  const ZONES = [
    "UTC",
    "Etc/UTC",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Moscow",
    "America/New_York",
    "America/Sao_Paulo",
    "America/St_Johns",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Africa/Casablanca",
  ];
  const saved = process.env.TZ;
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  test(
    "guest-get-timezone equal in every zone",
    async () => {
      const seen = new Set<string>();
      for (const zone of ZONES) {
        const theirs = await withQemuGa({ env: { TZ: zone } }, async (peer) => returned(await peer.call("guest-get-timezone")) as { zone?: string; offset: number });
        process.env.TZ = zone;
        expect({ tz: zone, ...((await ours("guest-get-timezone")) as object) }).toEqual({ tz: zone, ...theirs });
        seen.add(`${theirs.offset}`);
      }
      // The zones really were different ones: this lane cannot pass by comparing UTC with UTC.
      expect(seen.size).toBeGreaterThan(8);
    },
    60_000,
  );
});

/** glibc's x86_64 struct utmp (384 bytes), field by field from utmp.h. */
function utmp(entries: { type: number; user: string; host?: string; sec: number; usec?: number }[]): Uint8Array {
  const out = new Uint8Array(entries.length * 384);
  const view = new DataView(out.buffer);
  const put = (at: number, size: number, text: string) => out.set(new TextEncoder().encode(text).subarray(0, size), at);
  entries.forEach((e, i) => {
    const at = i * 384;
    view.setInt16(at, e.type, true);
    view.setInt32(at + 4, 2000 + i, true);
    put(at + 8, 32, `pts/${i}`);
    put(at + 40, 4, `p${i}`);
    put(at + 44, 32, e.user);
    put(at + 76, 256, e.host ?? "198.51.100.20");
    view.setInt32(at + 340, e.sec, true);
    view.setInt32(at + 344, e.usec ?? 0, true);
  });
  return out;
}

describe("peers: guest-get-users on the same utmp (qemu-ga in a private mount namespace)", () => {
  const canUnshare = Bun.spawnSync(["unshare", "--mount", "--propagation", "private", "true"], { env: { PATH }, stderr: "ignore" }).exitCode === 0;
  if (!canUnshare) console.warn("qga-readonly: unshare --mount is not permitted here (not root?): the utmp lane is skipped");

  /** Runs qemu-ga with `bytes` as its /run/utmp (= /var/run/utmp) and asks both for the users. */
  async function both(bytes: Uint8Array) {
    const root = tempDir();
    mkdirSync(join(root, "var/run"), { recursive: true });
    writeFileSync(join(root, "var/run/utmp"), bytes);
    const wrap = ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs -o size=16m tmpfs /run && cp "$UTMP" /run/utmp && exec "$@"', "sh"];
    const theirs = await withQemuGa({ wrap, env: { UTMP: join(root, "var/run/utmp") } }, async (peer) => returned(await peer.call("guest-get-users")));
    const mine = await ours("guest-get-users", undefined, await createRealHost({ root, log }));
    return { theirs, mine };
  }

  const USER = 7;
  test.skipIf(!canUnshare)("USER_PROCESS only, one entry per user, the earliest login, a float in seconds; a truncated last record ignored", async () => {
    const records = utmp([
      { type: 2, user: "reboot", sec: 1_699_000_000 },
      { type: 1, user: "runlevel", sec: 1_699_000_001 },
      { type: 6, user: "LOGIN", sec: 1_699_000_002 },
      { type: USER, user: "alice", sec: 1_700_000_500, usec: 5 },
      { type: USER, user: "bob", sec: 1_700_000_100, usec: 750_000 },
      { type: USER, user: "alice", sec: 1_700_000_000, usec: 123_456 },
      { type: 8, user: "carol", sec: 1_690_000_000 },
      { type: USER, user: "root", sec: 1_700_000_200 },
      { type: USER, user: "alice", sec: 1_700_009_999 },
      { type: USER, user: "dave", sec: 1_700_000_300 },
    ]);
    const { theirs, mine } = await both(records.subarray(0, records.length - 100));
    expect(mine).toEqual(theirs as object);
    expect((theirs as { user: string }[]).map((u) => u.user)).toEqual(["alice", "bob", "root"]);
  });

  test.skipIf(!canUnshare)("no utmp at all: both []", async () => {
    const root = tempDir();
    const wrap = ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs -o size=1m tmpfs /run && exec "$@"', "sh"];
    const theirs = await withQemuGa({ wrap }, async (peer) => returned(await peer.call("guest-get-users")));
    expect(await ours("guest-get-users", undefined, await createRealHost({ root, log }))).toEqual(theirs as object);
    expect(theirs).toEqual([]);
  });

  // Kept difference: a name that fills ut_user's 32 bytes has no NUL; qemu-ga's g_strdup runs on into ut_host.
  test.skipIf(!canUnshare)("kept difference: a 32-byte user name", async () => {
    const name = "u".repeat(32);
    const { theirs, mine } = await both(utmp([{ type: USER, user: name, host: "h.example", sec: 1_700_000_000 }]));
    expect(theirs).toEqual([{ user: `${name}h.example`, "login-time": 1_700_000_000 }]);
    expect(mine).toEqual([{ user: name, "login-time": 1_700_000_000 }]);
  });
});

