#!/usr/bin/env bun
/**
 * The Nova agent `version` round trip through the dev xenstored: `agent daemon --transport xenstore`
 * serving a guest root, the host being our own XenStoreClient on dom0's socket with a watch on
 * data/guest (so no process spawn is in the figure). Each call is timed from the host's write of
 * data/host/<id> to the watch event showing data/guest/<id>; the reply is then read, checked
 * (returncode "0") and removed. Beside it, for context, the same call the way Nova's dom0 plugin
 * makes it: one xenstore-write process, then xenstore-read polled (every 10 ms here, not 0.5 s).
 * Then the daemon's peak RSS and its CPU time over 5 s of idling (no busy loop: ~0 ms).
 *
 *   bun bench/xenstore.ts [--calls 500] [--warmup 20] [--cli-calls 20] [--binary dist/agent-linux-x64]
 *
 * Runs the compiled binary when it exists (after npm run build), else `bun src/main.ts`, and says
 * which. Unix sockets only; everything is killed and removed after 120 s at the latest.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Subprocess } from "bun";
import { makeTargetRoot } from "../examples/target-root.ts";
import { startDevXenstored, type DevXenstored } from "../scripts/xenstored/server.ts";
import { connectUnix } from "../src/host/real-stream.ts";
import { XenstoreClient } from "../src/transports/xenstore/client.ts";
import { clockTicks, cpuMs, guardBench, latency, LATENCY_HEADER as HEADER, latencyRow as row, statusKb } from "./daemon-bench.ts";
import { summarize } from "./measure.ts";
import { record } from "./results.ts";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "500" },
    warmup: { type: "string", default: "20" },
    "cli-calls": { type: "string", default: "20" },
    binary: { type: "string", default: "dist/agent-linux-x64" },
  },
});
const calls = Number(values.calls);
const warmup = Number(values.warmup);
const cliCalls = Number(values["cli-calls"]);
if (!(calls >= 1 && warmup >= 0 && cliCalls >= 0)) throw new Error("--calls must be ≥ 1, --warmup and --cli-calls ≥ 0");
const REPO = resolve(import.meta.dir, "..");
const binary = resolve(values.binary as string);
const agent = existsSync(binary) ? [binary] : [process.execPath, join(REPO, "src/main.ts")];
const measured = existsSync(binary) ? relative(REPO, binary) : `bun src/main.ts (no ${relative(REPO, binary)}: run npm run build for the binary)`;

const DOMID = 7;
const HOME = `/local/domain/${DOMID}`;
const DEADLINE_MS = 120_000;
const CALL_TIMEOUT_MS = 10_000;
const IDLE_MS = 5_000;
const REQUEST = JSON.stringify({ name: "version", value: "agent" });

// ---- Cleanup, whatever happens: normal end, an error, a signal, or the 120 s deadline. ----
const work = mkdtempSync(join(tmpdir(), "tether-bench-xenstore-"));
const children = new Set<Subprocess>();
let daemon: Subprocess<"ignore", "ignore", "pipe"> | undefined;
let xs: DevXenstored | undefined;
let client: XenstoreClient | undefined;
let daemonStderr = () => "";

/** Synchronous, idempotent: safe from a timer, a signal handler or `finally`. */
function cleanUp(): void {
  client?.close();
  for (const child of children) child.kill("SIGKILL");
  daemon?.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
}
const { deadline, watchdog } = guardBench("bench/xenstore.ts", DEADLINE_MS, cleanUp);

// ---- Figures ----
// ---- The rig: a guest root, the dev xenstored (dom0 socket + the guest's inside the root), the daemon. ----
async function startDaemon(root: string): Promise<() => string> {
  const child = Bun.spawn([...agent, "daemon", "--transport", "xenstore", "--root", root], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", XENSTORED_PATH: "/run/xenstored.sock" },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  daemon = child;
  // Drained all along: one log line per request must never fill the pipe and stall the daemon.
  let text = "";
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of child.stderr) text = (text + decoder.decode(chunk)).slice(-64_000);
  })();
  const ready = Date.now() + 15_000;
  while (!text.includes("serving the Nova agent protocol")) {
    if (child.exitCode !== null) throw new Error(`the daemon exited ${child.exitCode}:\n${text}`);
    if (Date.now() > ready || deadline.signal.aborted) throw new Error(`the daemon was not serving after 15 s:\n${text}`);
    await Bun.sleep(10);
  }
  return () => text;
}

/** One call through our client: write the request, wait for the watch to show the reply, read, check, remove. */
async function clientCall(host: XenstoreClient): Promise<{ ms: number; reply: string }> {
  const id = crypto.randomUUID();
  const replyPath = `${HOME}/data/guest/${id}`;
  const signal = AbortSignal.any([deadline.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]);
  const started = performance.now();
  await host.write(`${HOME}/data/host/${id}`, REQUEST, { signal });
  for (;;) {
    const event = await host.nextEvent(signal);
    if (event === null) throw host.closed ?? new Error("dom0 connection closed");
    // Earlier calls' removals fire the watch too: only this call's node counts.
    if (event.path === replyPath) break;
  }
  const ms = performance.now() - started;
  const reply = await host.read(replyPath, { signal });
  await host.rm(replyPath, { signal });
  return { ms, reply };
}

/** A CLI run against dom0's socket, tracked so the deadline can kill it. */
async function xsCli(argv: string[], dom0: string): Promise<number> {
  const child = Bun.spawn(argv, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", XENSTORED_PATH: dom0 }, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  children.add(child);
  try {
    return await child.exited;
  } finally {
    children.delete(child);
  }
}

/** The dom0 plugin's way: one xenstore-write, then xenstore-read until the reply is there (10 ms between polls), then xenstore-rm. */
async function cliCall(dom0: string): Promise<{ ms: number; polls: number }> {
  const id = crypto.randomUUID();
  const started = performance.now();
  if ((await xsCli(["xenstore-write", `${HOME}/data/host/${id}`, REQUEST], dom0)) !== 0) throw new Error("xenstore-write failed");
  let polls = 0;
  for (;;) {
    polls++;
    if ((await xsCli(["xenstore-read", `${HOME}/data/guest/${id}`], dom0)) === 0) break;
    if (performance.now() - started > CALL_TIMEOUT_MS || deadline.signal.aborted) throw new Error(`no reply in data/guest/${id} after ${polls} xenstore-read polls`);
    await Bun.sleep(10);
  }
  const ms = performance.now() - started;
  await xsCli(["xenstore-rm", `${HOME}/data/guest/${id}`], dom0);
  return { ms, polls };
}

let exitCode = 0;
try {
  const root = join(work, "guest");
  makeTargetRoot(root);
  chmodSync(join(root, "etc/shadow"), 0o600);
  mkdirSync(join(root, "run"), { recursive: true });
  const dom0 = join(work, "dom0.sock");
  xs = await startDevXenstored({ socket: dom0, guestSocket: join(root, "run/xenstored.sock"), domid: DOMID });
  daemonStderr = await startDaemon(root);
  const pid = (daemon as Subprocess).pid;

  client = new XenstoreClient(await connectUnix(dom0, "dev xenstored (dom0)"));
  await client.watch(`${HOME}/data/guest`, "bench");
  // xenstored fires a new watch once at once; that event is not a reply.
  await client.nextEvent(AbortSignal.any([deadline.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]));

  // Warm-up: the daemon's watch may still be going in place; the JIT and the store settle.
  let failures = 0;
  let firstFailure = "";
  const check = (reply: string) => {
    let code: unknown;
    try {
      code = (JSON.parse(reply) as { returncode?: unknown }).returncode;
    } catch {
      code = undefined;
    }
    if (code !== "0") {
      failures++;
      firstFailure ||= reply.slice(0, 300);
    }
  };
  for (let i = 0; i < warmup; i++) check((await clientCall(client)).reply);

  const samples: number[] = [];
  const loopStarted = performance.now();
  for (let i = 0; i < calls; i++) {
    const { ms, reply } = await clientCall(client);
    samples.push(ms);
    check(reply);
  }
  const ours = latency(samples, performance.now() - loopStarted);
  const left = xs.store.list(`${HOME}/data/host`)?.length ?? 0;

  // For context: the dom0 plugin's way, processes and all.
  let cliLine: string;
  if (cliCalls < 1) {
    cliLine = "dom0-plugin style (xenstore-* CLIs): skipped, --cli-calls 0";
  } else if (Bun.which("xenstore-write") && Bun.which("xenstore-read") && Bun.which("xenstore-rm")) {
    await cliCall(dom0); // one warm-up: the page cache holds the CLIs from here on
    const cliSamples: number[] = [];
    let polls = 0;
    let firstReadHits = 0;
    const cliStarted = performance.now();
    for (let i = 0; i < cliCalls; i++) {
      const r = await cliCall(dom0);
      cliSamples.push(r.ms);
      polls += r.polls;
      if (r.polls === 1) firstReadHits++;
    }
    const cliWall = performance.now() - cliStarted;
    const readOnce: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await xsCli(["xenstore-read", `${HOME}/name`], dom0);
      readOnce.push(performance.now() - t);
    }
    cliLine = row(
      "dom0-plugin style (xenstore-* CLIs)",
      latency(cliSamples, cliWall),
      `xenstore-write, then xenstore-read every 10 ms (Nova: 0.5 s); ${firstReadHits}/${cliCalls} answered at the first read, ${(polls / cliCalls).toFixed(1)} reads a call (two-humped: ~2 ms or ~1 poll + 10 ms); one xenstore-read process alone: median ${summarize(readOnce).medianMs} ms`,
    );
  } else {
    cliLine = "dom0-plugin style (xenstore-* CLIs): skipped, xenstore-write/xenstore-read/xenstore-rm not on PATH (apt-get install xenstore-utils)";
  }

  // The daemon after the run: its peak RSS, and what it burns doing nothing for 5 s.
  const hwmKb = statusKb(pid, "VmHWM");
  const rssKb = statusKb(pid, "VmRSS");
  const cpuBefore = cpuMs(pid);
  await Bun.sleep(IDLE_MS);
  const idleCpu = cpuMs(pid) - cpuBefore;
  const running = daemon?.exitCode === null;

  console.log(`measured: ${measured}, dev xenstored (in this process), domain ${DOMID}`);
  console.log(HEADER);
  console.log(
    row(
      "version round trip, XenstoreClient host (watch on data/guest)",
      ours,
      `after ${warmup} warm-up calls; host write of data/host/<id> → watch event for data/guest/<id>; calls/s sequential, incl. read + rm${failures ? `; ${failures} replies not returncode "0", first: ${firstFailure}` : ""}${left ? `; ${left} requests left in data/host` : ""}`,
    ),
  );
  console.log(cliLine);
  console.log("");
  console.log("| daemon after the run | value |\n|---|---|");
  console.log(`| max RSS (VmHWM) | ${(hwmKb / 1024).toFixed(1)} MiB |`);
  console.log(`| RSS now (VmRSS) | ${(rssKb / 1024).toFixed(1)} MiB |`);
  console.log(`| CPU while idle for ${IDLE_MS / 1000} s (utime+stime, ${clockTicks} ticks/s) | ${idleCpu.toFixed(0)} ms${running ? "" : " (the daemon had exited)"} |`);
  const latencyFigure = (name: string, l: typeof ours, note: string) => ({ case: name, unit: "ms" as const, median: l.p50, p90: l.p90, max: l.max, runs: l.calls, note: `p99 ${l.p99} ms; ${l.perSecond} calls/s; ${note}` });
  record({
    id: "xenstore",
    title: "XenStore (Nova agent protocol)",
    context: [`${measured}; the dev xenstored; a host write of data/host/<id> to the watch event for data/guest/<id>`],
    figures: [
      latencyFigure("version round trip, our XenstoreClient as the host", ours, `after ${warmup} warm-up calls`),
      { case: "daemon max RSS (VmHWM) after the run", unit: "MiB", median: Math.round(hwmKb / 102.4) / 10 },
      { case: `daemon CPU over ${IDLE_MS / 1000} s idle`, unit: "ms", median: Math.round(idleCpu) },
    ],
    ratios: [],
  });
  if (failures) console.error(`daemon stderr (tail):\n${daemonStderr().slice(-2000)}`);
} catch (error) {
  console.error(`bench/xenstore.ts: ${error instanceof Error ? error.message : String(error)}`);
  if (daemonStderr() && !deadline.signal.aborted) console.error(`daemon stderr (tail):\n${daemonStderr().slice(-2000)}`);
  exitCode = 1;
} finally {
  clearTimeout(watchdog);
  client?.close();
  const child = daemon;
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    const stopped = await Promise.race([child.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
    if (!stopped) console.error("the daemon ignored SIGTERM for 3 s: killed");
  }
  await xs?.stop();
  cleanUp();
}
process.exit(exitCode);
