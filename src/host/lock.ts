import { mkdir, unlink } from "node:fs/promises";
import { createServer } from "node:net";
import { basename, dirname } from "node:path";
import { HostError } from "../errors.ts";
import { socketAnswers } from "./socket-answers.ts";

import type { HostLock } from "./types.ts";

async function listenOn(hostPath: string): Promise<HostLock | "in-use"> {
  try {
    // The holder never closes a prober's connection itself: a close racing the prober's connect
    // could read as "nobody listens" and let a second daemon take the lock.
    const server = Bun.listen({ unix: hostPath, socket: { data() {} } });
    return { release: () => server.stop(true) };
  } catch (error) {
    if ((error as { code?: string }).code === "EADDRINUSE") return "in-use";
    throw new HostError(`lock ${hostPath}: ${(error as Error).message}`);
  }
}

/**
 * A machine-wide lock held by a listening unix socket: the kernel lets one process bind a path,
 * and a holder killed with -9 leaves a file that no longer answers, which is then taken over. A
 * pid file would need a liveness guess; this needs none.
 */
export async function acquireSocketLock(hostPath: string, name: string): Promise<HostLock> {
  await mkdir(dirname(hostPath), { recursive: true, mode: 0o755 });
  const first = await listenOn(hostPath);
  if (first !== "in-use") return first;
  if (await socketAnswers(hostPath)) throw new HostError(`${name} is held by another running process: one agent daemon per machine`);
  await unlink(hostPath).catch(() => undefined);
  const second = await listenOn(hostPath);
  if (second === "in-use") throw new HostError(`${name} was taken by another process just now: one agent daemon per machine`);
  return second;
}

/**
 * Windows has no unix-socket files to bind as a lock; a named pipe does the same job better: one
 * process may create it, and it is gone the moment its holder exits, so nothing is ever stale.
 */
export async function acquirePipeLock(path: string): Promise<HostLock> {
  const pipe = `\\\\.\\pipe\\tether-${basename(path)}`;
  const server = createServer(() => {});
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(new HostError(error.code === "EADDRINUSE" ? `${path} is held by another running process: one agent daemon per machine` : `lock ${pipe}: ${error.message}`));
    });
    server.listen(pipe, () => resolve({ release: () => void server.close() }));
  });
}
