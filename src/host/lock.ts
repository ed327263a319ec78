import { createHash } from "node:crypto";
import { unlinkSync } from "node:fs";
import { mkdir, unlink } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { basename, dirname } from "node:path";
import { HostError } from "../errors.ts";
import { LockHeldError } from "./lock-held.ts";
import { sleep } from "./sleep.ts";

import type { HostLock } from "./types.ts";

/** How long a prober waits for the holder's line: a holder busy in a long synchronous step may be late. */
const HOLDER_LINE_MS = 1000;
/** How long a contender waits for another's takeover of a stale lock (a few system calls) to end. */
const GUARD_WAIT_MS = 5000;

type Probe = { state: "live"; holder: string | null } | { state: "stale" } | { state: "absent" };

/**
 * Asks whoever listens at `path` (a unix socket, or a Windows pipe) who they are: the holder
 * writes one line to every connection. Refused means a socket file whose process is gone (it may
 * be replaced); any other failure (a full backlog, a permission) counts as live, since only a
 * proven-dead lock may ever be taken over.
 */
function probe(path: string): Promise<Probe> {
  return new Promise((resolve) => {
    let text = "";
    const socket = createConnection({ path });
    const done = (result: Probe) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ state: "live", holder: text.trim() || null }), HOLDER_LINE_MS);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\n");
      if (end >= 0 || text.length > 4096) done({ state: "live", holder: text.slice(0, end >= 0 ? end : 4096).trim() || null });
    });
    socket.on("end", () => done({ state: "live", holder: text.trim() || null }));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") done({ state: "stale" });
      else if (error.code === "ENOENT") done({ state: "absent" });
      else done({ state: "live", holder: null });
    });
  });
}

/** The line a holder gives each prober; one line, whatever it was given. */
const holderLine = (holder: string | undefined) => `${(holder ?? "").replace(/[\r\n]+/g, " ").slice(0, 1000)}\n`;

function listenOn(hostPath: string, holder: string | undefined): HostLock | "in-use" {
  const line = holderLine(holder);
  try {
    // The holder never closes a prober's connection itself: a close racing the prober's connect
    // could read as "nobody listens" and let a second process take the lock.
    const server = Bun.listen({ unix: hostPath, socket: { open: (socket) => void socket.write(line), data() {} } });
    let released = false;
    return {
      release: () => {
        // Once only: a second release would remove the file of whoever took the lock since.
        if (released) return;
        released = true;
        // Unlinked while still bound: nobody can have replaced a live lock's file, so this removes
        // only ours; after a stop, it could race a contender's takeover and remove theirs.
        try {
          unlinkSync(hostPath);
        } catch {
          // Gone already: nothing to remove.
        }
        server.stop(true);
      },
    };
  } catch (error) {
    if ((error as { code?: string }).code === "EADDRINUSE") return "in-use";
    throw new HostError(`lock ${hostPath}: ${(error as Error).message}`);
  }
}

/**
 * The takeover of a stale lock (probe, unlink, bind) is not atomic: two contenders that both saw
 * it stale could each unlink and bind, the second removing the first's new file. A guard beside it
 * makes them take turns. The guard itself is taken over without one: that needs a contender killed
 * within its few system calls while two others arrive.
 */
async function acquireGuard(guardPath: string): Promise<HostLock> {
  const deadline = Date.now() + GUARD_WAIT_MS;
  for (;;) {
    const guard = listenOn(guardPath, `takeover of ${guardPath.slice(0, -".takeover".length)}`);
    if (guard !== "in-use") return guard;
    const seen = await probe(guardPath);
    if (seen.state === "stale") await unlink(guardPath).catch(() => undefined);
    else if (Date.now() > deadline) throw new HostError(`lock ${guardPath}: another process has been taking it over for ${GUARD_WAIT_MS} ms`);
    else await sleep(10);
  }
}

/**
 * A machine-wide lock held by a listening unix socket: the kernel lets one process bind a path,
 * and a holder killed with -9 leaves a file that no longer answers, which is then taken over. A
 * pid file would need a liveness guess; this needs none. Sockets are close-on-exec, so a program
 * the holder started (a user script still running after a kill -9) does not keep the lock.
 */
export async function acquireSocketLock(hostPath: string, name: string, holder?: string): Promise<HostLock> {
  await mkdir(dirname(hostPath), { recursive: true, mode: 0o755 });
  const first = listenOn(hostPath, holder);
  if (first !== "in-use") return first;
  const seen = await probe(hostPath);
  if (seen.state === "live") throw new LockHeldError(name, seen.holder);
  const guard = await acquireGuard(`${hostPath}.takeover`);
  try {
    // Again, under the guard: another contender may have taken it over since.
    const again = await probe(hostPath);
    if (again.state === "live") throw new LockHeldError(name, again.holder);
    if (again.state === "stale") await unlink(hostPath).catch(() => undefined);
    const taken = listenOn(hostPath, holder);
    if (taken !== "in-use") return taken;
    const now = await probe(hostPath);
    throw new LockHeldError(name, now.state === "live" ? now.holder : null);
  } finally {
    guard.release();
  }
}

/**
 * Windows has no unix-socket files to bind as a lock; a named pipe does the same job better: one
 * process may create it, and it is gone the moment its holder exits, so nothing is ever stale.
 * Pipe names are machine-wide: a lock inside a --root tree gets the tree's digest in its name, so
 * two trees do not block each other.
 */
export async function acquirePipeLock(path: string, root = "/", holder?: string): Promise<HostLock> {
  const scope = root === "/" ? "" : `-${createHash("sha256").update(root).digest("hex").slice(0, 16)}`;
  const pipe = `\\\\.\\pipe\\tether-${basename(path)}${scope}`;
  const line = holderLine(holder);
  const server = createServer((socket) => void socket.write(line));
  const outcome = await new Promise<HostLock | "in-use">((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") resolve("in-use");
      else reject(new HostError(`lock ${pipe}: ${error.message}`));
    });
    server.listen(pipe, () => resolve({ release: () => void server.close() }));
  });
  if (outcome !== "in-use") return outcome;
  const seen = await probe(pipe);
  throw new LockHeldError(path, seen.state === "live" ? seen.holder : null);
}
