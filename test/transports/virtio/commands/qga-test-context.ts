import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTargetRoot } from "../../../../examples/target-root.ts";
import { executeCommand, type DaemonContext } from "../../../../src/daemon/execute-command.ts";
import { createFakeHost, type FakeHostOptions } from "../../../../src/host/fake.ts";
import { createLogger } from "../../../../src/host/logger.ts";
import { createRealHost } from "../../../../src/host/real.ts";
import type { Host, StartedProgram, StartOptions } from "../../../../src/host/types.ts";
import type { Command } from "../../../../src/model/command.ts";
import { createDispatch, type QgaOutcome } from "../../../../src/transports/virtio/qga-dispatch.ts";
import { OPEN_POLICY } from "../../../../src/transports/virtio/qga-policy.ts";
import { newQgaState, type QgaCommand, type QgaContext } from "../../../../src/transports/virtio/qga-types.ts";

/**
 * What the QGA command tests share: temp --root trees (examples/target-root.ts plus a user alice),
 * a real host on them, a fake host for everything that would act on this machine, a QgaContext,
 * and calls through the real dispatcher so that argument schemas are exercised as on the wire.
 */

const temps: string[] = [];
export function cleanTemps(): void {
  temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
}

export const ALICE = { uid: 1000, gid: 1000, home: "/home/alice" };

/** A Debian-like target root with root and alice (uid 1000, home /home/alice, group alice). */
export function targetRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), "tether-qgacmd-"));
  temps.push(dir);
  const root = join(dir, "guest");
  makeTargetRoot(root);
  chmodSync(join(root, "etc/shadow"), 0o600);
  appendFileSync(join(root, "etc/passwd"), "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n");
  appendFileSync(join(root, "etc/group"), "alice:x:1000:\n");
  appendFileSync(join(root, "etc/shadow"), "alice:!:19000:0:99999:7:::\n");
  mkdirSync(join(root, "home/alice"), { recursive: true, mode: 0o755 });
  return root;
}

export interface LoggedHost extends Host {
  logs: string[];
}

/** A real host on a --root tree, its log lines kept. */
export async function realHost(root: string): Promise<LoggedHost> {
  const logs: string[] = [];
  const host = await createRealHost({ root, log: createLogger({ level: "trace", json: false, write: (l) => void logs.push(l) }) });
  return { ...host, logs };
}

/** A started program a test settles by hand. */
export interface FakeProgram extends StartedProgram {
  argv: string[];
  options: StartOptions;
  finish(outcome: { code?: number | null; signal?: number | null; stdout?: Uint8Array | string; stderr?: Uint8Array | string }): void;
}

const bytes = (b: Uint8Array | string | undefined) => (typeof b === "string" ? new TextEncoder().encode(b) : (b ?? new Uint8Array(0)));

/**
 * A fake host (no machine touched) whose start() hands back programs a test settles by hand, to see
 * guest-exec-status while a program runs; `startFails` makes start throw.
 */
export function fakeHost(options: FakeHostOptions & { root?: string; startFails?: string } = {}) {
  const base = createFakeHost(options);
  const started: FakeProgram[] = [];
  let nextPid = 4242;
  const host: Host & { calls: typeof base.calls; logs: string[]; started: FakeProgram[] } = {
    ...base,
    root: options.root ?? "/",
    started,
    start(argv, startOptions = {}) {
      if (options.startFails) throw new Error(options.startFails);
      let settle!: (value: Awaited<StartedProgram["done"]>) => void;
      const done = new Promise<Awaited<StartedProgram["done"]>>((resolve) => (settle = resolve));
      const program: FakeProgram = {
        pid: nextPid++,
        done,
        argv: [...argv],
        options: startOptions,
        finish: (o) => settle({ code: o.code === undefined ? 0 : o.code, signal: o.signal ?? null, stdout: bytes(o.stdout), stderr: bytes(o.stderr) }),
      };
      started.push(program);
      return program;
    },
    openFile: () => Promise.reject(new Error("fake host: openFile not used here")),
  } as Host & { calls: typeof base.calls; logs: string[]; started: FakeProgram[] };
  return host;
}

/** A QgaContext for a host; `execute` is the daemon's (executeCommand on this host) unless given. */
export function contextFor(host: Host, execute?: (command: Command) => Promise<string>): QgaContext {
  const daemon: DaemonContext = { host, transport: "virtio", location: "test-port", binaryPath: "/usr/local/bin/agent", update: { maxBytes: 1 << 20, timeoutMs: 1000 } };
  return {
    host,
    log: host.log.withTag("qga"),
    state: newQgaState(),
    version: "test",
    execute: execute ?? (async (command) => (await executeCommand(daemon, command)).message),
    supported: () => [],
  };
}

/** One request through the real dispatcher, as the wire would send it. */
export function call(ctx: QgaContext, commands: readonly QgaCommand[], execute: string, args?: unknown): Promise<QgaOutcome> {
  return createDispatch(commands, OPEN_POLICY, ctx)(execute, args);
}

export const b64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64");
export const unb64 = (text: string) => Buffer.from(text, "base64").toString("utf8");

/** A guest's mount table: local file systems among pseudo, network, bind and read-only ones. */
export const MOUNTS = [
  "proc /proc proc rw,nosuid 0 0",
  "/dev/vda1 / ext4 rw,relatime 0 0",
  "tmpfs /run tmpfs rw,nosuid 0 0",
  "/dev/vda2 /boot ext4 rw,relatime 0 0",
  "/dev/vdb1 /srv/my\\040data xfs rw 0 0",
  "/dev/vda1 /var/lib/docker ext4 rw,relatime 0 0",
  "//server/share /mnt/smb cifs rw 0 0",
  "/dev/sr0 /media/cdrom iso9660 ro,relatime 0 0",
  "/srv/bind /mnt/bind none rw,bind 0 0",
  "server:/export /mnt/nfs nfs4 rw 0 0",
  "/dev/vdc /data btrfs rw 0 0",
  "",
].join("\n");

/** A QgaContext for the read-only commands: anything that would change the system fails the test. */
export function readOnlyContext(host: Host): QgaContext {
  return contextFor(host, () => Promise.reject(new Error("a read-only command asked for a change")));
}
