#!/usr/bin/env bun
/**
 * Daemons idle: three daemons started side by side and left alone for --seconds (60), each with
 * one client connected and doing nothing after one request that shows it serves:
 * - ours over XenStore: `agent daemon --transport xenstore --root <guest root>` against the dev
 *   xenstored (in this process; the guest's socket inside the root), the host client on dom0's
 *   socket with a watch on data/guest (as bench/xenstore.ts), one `version` call first;
 * - ours over QGA: `agent daemon --listen unix:/run/qga.sock --root <tmp root>` (the socket inside
 *   the root), one guest-ping;
 * - Debian's qemu-ga `-m unix-listen`, every RPC but guest-ping blocked with -b (as bench/qga.ts),
 *   one guest-ping.
 * For each: VmRSS when the idle window starts and when it ends, CPU ms over the window (utime +
 * stime from /proc/<pid>/stat) and, from each thread's schedstat, on-CPU ms and timeslices (each
 * timeslice is a wake-up, give or take). No busy loops: CPU ≈ 0 expected, reported, never asserted.
 *
 *   bun bench/idle.ts [--seconds 60] [--binary dist/agent-linux-x64]
 *
 * Runs the compiled binary when it exists (after npm run build), else `bun src/main.ts`, and says
 * which. Unix sockets only; everything is killed and removed after max(120 s, --seconds + 60 s).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Socket, Subprocess } from "bun";
import { makeTargetRoot } from "../examples/target-root.ts";
import { startDevXenstored, type DevXenstored } from "../scripts/xenstored/server.ts";
import { connectUnix } from "../src/host/real-stream.ts";
import { XenstoreClient } from "../src/transports/xenstore/client.ts";
import { clockTicks, cpuMs, guardBench, schedDelta, schedstat, statusKb } from "./daemon-bench.ts";
import { ratio, record, type Figure } from "./results.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "60" }, binary: { type: "string", default: "dist/agent-linux-x64" } } });
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error("--seconds must be > 0");
const REPO = resolve(import.meta.dir, "..");
const binary = resolve(values.binary as string);
const agent = existsSync(binary) ? [binary] : [process.execPath, join(REPO, "src/main.ts")];
const measured = existsSync(binary) ? relative(REPO, binary) : `bun src/main.ts (no ${relative(REPO, binary)}: run npm run build for the binary)`;
const PATH = `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`;
const DOMID = 7;
const HOME = `/local/domain/${DOMID}`;
const DEADLINE_MS = Math.max(120_000, seconds * 1000 + 60_000);
const READY_MS = 15_000;
const PING = `${JSON.stringify({ execute: "guest-ping" })}\n`;

// ---- Cleanup, whatever happens: normal end, an error, a signal, or the deadline. ----
const work = mkdtempSync(join(tmpdir(), "tether-bench-idle-"));
const children = new Set<Subprocess>();
const sockets = new Set<Socket<undefined>>();
let xs: DevXenstored | undefined;
let host: XenstoreClient | undefined;

/** Synchronous, idempotent: safe from a timer, a signal handler or `finally`. */
function cleanUp(): void {
  host?.close();
  for (const s of sockets) s.end();
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
}
const { deadline, watchdog } = guardBench("bench/idle.ts", DEADLINE_MS, cleanUp);

// ---- Readings ----
/** The threads that woke most in the window, by name (/proc/<pid>/task/<tid>/comm): where wake-ups come from. */
function busiest(pid: number, before: Map<string, [number, number]>, after: Map<string, [number, number]>, n = 3): string {
  const deltas = [...after].map(([tid, [, count]]) => [tid, count - (before.get(tid)?.[1] ?? 0)] as const).filter(([, d]) => d > 0);
  deltas.sort((a, b) => b[1] - a[1]);
  const name = (tid: string) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
    } catch {
      return tid;
    }
  };
  return deltas.slice(0, n).map(([tid, d]) => `${name(tid)} ${d}`).join(", ") || "–";
}
const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;

// ---- The daemons ----
interface Daemon {
  name: string;
  child: Subprocess<"ignore", "ignore", "pipe">;
  stderr(): string;
}

function spawnDaemon(name: string, argv: string[], env: Record<string, string> = {}): Daemon {
  const child = Bun.spawn(argv, { cwd: REPO, env: { PATH, ...env }, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  children.add(child);
  let text = "";
  const dec = new TextDecoder();
  void (async () => {
    for await (const chunk of child.stderr) text = (text + dec.decode(chunk)).slice(-64_000);
  })();
  return { name, child, stderr: () => text };
}

async function until(d: Daemon, ready: () => boolean, what: string): Promise<void> {
  const limit = Date.now() + READY_MS;
  while (!ready()) {
    if (d.child.exitCode !== null) throw new Error(`${d.name} exited ${d.child.exitCode}:\n${d.stderr().slice(-2000)}`);
    if (Date.now() > limit || deadline.signal.aborted) throw new Error(`${d.name}: ${what} not after ${READY_MS / 1000} s:\n${d.stderr().slice(-2000)}`);
    await Bun.sleep(10);
  }
}

/** A QGA client: connects (retrying while the socket is not listening), sends one guest-ping, waits for its reply, then stays connected. */
async function qgaClient(d: Daemon, path: string): Promise<void> {
  let got = "";
  let socket: Socket<undefined> | null = null;
  await until(
    d,
    () => existsSync(path),
    `socket ${path}`,
  );
  const limit = Date.now() + READY_MS;
  while (!socket) {
    socket = await Bun.connect({ unix: path, socket: { data: (_s, chunk) => void (got += chunk.toString()) } }).catch(() => null);
    if (!socket) {
      if (Date.now() > limit || deadline.signal.aborted) throw new Error(`${d.name}: no connection to ${path}`);
      await Bun.sleep(20);
    }
  }
  sockets.add(socket);
  socket.write(PING);
  await until(d, () => got.includes("\n"), "a guest-ping reply");
  if (!got.startsWith('{"return"')) throw new Error(`${d.name}: guest-ping answered ${got.slice(0, 200)}`);
}

async function startXenstore(): Promise<Daemon> {
  const root = join(work, "xen-guest");
  makeTargetRoot(root);
  chmodSync(join(root, "etc/shadow"), 0o600);
  mkdirSync(join(root, "run"), { recursive: true });
  const dom0 = join(work, "dom0.sock");
  xs = await startDevXenstored({ socket: dom0, guestSocket: join(root, "run/xenstored.sock"), domid: DOMID });
  const d = spawnDaemon("ours, XenStore", [...agent, "daemon", "--transport", "xenstore", "--root", root], { XENSTORED_PATH: "/run/xenstored.sock" });
  await until(d, () => d.stderr().includes("serving the Nova agent protocol"), "serving");
  host = new XenstoreClient(await connectUnix(dom0, "dev xenstored (dom0)"));
  await host.watch(`${HOME}/data/guest`, "bench");
  const signal = () => AbortSignal.any([deadline.signal, AbortSignal.timeout(READY_MS)]);
  await host.nextEvent(signal()); // a new watch fires once at once
  // One version call, so the daemon has served before it idles.
  const id = crypto.randomUUID();
  await host.write(`${HOME}/data/host/${id}`, JSON.stringify({ name: "version", value: "agent" }), { signal: signal() });
  for (;;) {
    const event = await host.nextEvent(signal());
    if (event === null) throw host.closed ?? new Error("dom0 connection closed");
    if (event.path === `${HOME}/data/guest/${id}`) break;
  }
  const reply = await host.read(`${HOME}/data/guest/${id}`, { signal: signal() });
  if ((JSON.parse(reply) as { returncode?: unknown }).returncode !== "0") throw new Error(`version answered ${reply.slice(0, 200)}`);
  await host.rm(`${HOME}/data/guest/${id}`, { signal: signal() });
  return d;
}

async function startOurQga(): Promise<Daemon> {
  const root = join(work, "qga-guest");
  makeTargetRoot(root);
  chmodSync(join(root, "etc/shadow"), 0o600);
  mkdirSync(join(root, "run"), { recursive: true });
  // The --listen path is inside --root, as every path the daemon touches.
  const socket = join(root, "run/qga.sock");
  const d = spawnDaemon("ours, QGA", [...agent, "daemon", "--listen", "unix:/run/qga.sock", "--root", root]);
  await until(d, () => d.stderr().includes("serving the QEMU guest agent protocol"), "serving");
  await qgaClient(d, socket);
  return d;
}

async function startQemuGa(): Promise<{ daemon: Daemon; version: string } | { skipped: string }> {
  const exe = Bun.which("qemu-ga", { PATH });
  if (!exe) return { skipped: "qemu-ga is not installed (apt-get install qemu-guest-agent)" };
  const version = Bun.spawnSync([exe, "--version"], { stdout: "pipe", stderr: "pipe" }).stdout.toString().match(/Guest Agent ([\d.]+)/)?.[1] ?? "?";
  const all = Bun.spawnSync([exe, "-b", "help"], { stdout: "pipe" }).stdout.toString().split("\n").map((s) => s.trim()).filter(Boolean);
  const dir = join(work, "qemu-ga");
  mkdirSync(join(dir, "state"), { recursive: true });
  const socket = join(dir, "qga.sock");
  const blocked = all.filter((r) => r !== "guest-ping");
  const d = spawnDaemon(`qemu-ga ${version}`, [exe, "-m", "unix-listen", "-p", socket, "-t", join(dir, "state"), "-f", join(dir, "qemu-ga.pid"), ...(blocked.length ? ["-b", blocked.join(",")] : [])]);
  await qgaClient(d, socket);
  return { daemon: d, version };
}

interface Reading {
  rssKb: number;
  cpuMs: number;
  sched: Map<string, [number, number]>;
}
const read = (pid: number): Reading => ({ rssKb: statusKb(pid, "VmRSS"), cpuMs: cpuMs(pid), sched: schedstat(pid) });

let exitCode = 0;
try {
  const daemons: Daemon[] = [await startXenstore(), await startOurQga()];
  const peer = await startQemuGa();
  if ("daemon" in peer) daemons.push(peer.daemon);

  // Let the start-up settle (the first reply's work, a GC) before the window opens.
  await Bun.sleep(1000);
  const before = daemons.map((d) => read(d.child.pid));
  const started = performance.now();
  await Promise.race([Bun.sleep(seconds * 1000), new Promise((_, reject) => deadline.signal.addEventListener("abort", () => reject(deadline.signal.reason as Error), { once: true }))]);
  const windowS = (performance.now() - started) / 1000;
  for (const d of daemons) if (d.child.exitCode !== null) throw new Error(`${d.name} exited ${d.child.exitCode} while idle:\n${d.stderr().slice(-2000)}`);
  const after = daemons.map((d) => read(d.child.pid));

  console.log(`measured: ${measured}; ${"skipped" in peer ? `qemu-ga skipped: ${peer.skipped}` : `beside qemu-ga ${peer.version} (-m unix-listen, all RPCs but guest-ping blocked)`}; one client connected to each, idle after one request; window ${windowS.toFixed(1)} s; ${clockTicks} ticks/s`);
  console.log("| daemon | VmRSS at start | VmRSS at end | CPU ms (utime+stime) | on-CPU ms (schedstat) | timeslices (wake-ups) | per s | busiest threads (timeslices) |\n|---|---|---|---|---|---|---|---|");
  const figures: Figure[] = [];
  for (const [k, d] of daemons.entries()) {
    const b = before[k] as Reading;
    const a = after[k] as Reading;
    const cpu = a.cpuMs - b.cpuMs;
    const sched = schedDelta(b.sched, a.sched);
    const perS = sched.slices / windowS;
    console.log(`| ${d.name} | ${mib(b.rssKb)} MiB | ${mib(a.rssKb)} MiB | ${cpu.toFixed(0)} | ${sched.ms.toFixed(1)} | ${sched.slices} | ${perS.toFixed(2)} | ${busiest(d.child.pid, b.sched, a.sched)} |`);
    figures.push(
      { case: `${d.name}: VmRSS at start`, unit: "MiB", median: mib(b.rssKb) },
      { case: `${d.name}: VmRSS after ${seconds} s idle`, unit: "MiB", median: mib(a.rssKb) },
      { case: `${d.name}: CPU over ${seconds} s idle (utime+stime)`, unit: "ms", median: cpu, note: `schedstat: ${sched.ms.toFixed(1)} ms on CPU` },
      { case: `${d.name}: timeslices over ${seconds} s idle`, unit: "count", median: sched.slices, note: `${perS.toFixed(2)}/s, all threads; busiest: ${busiest(d.child.pid, b.sched, a.sched)}` },
    );
  }
  const ratios = [];
  if ("daemon" in peer) {
    const ourQga = after[1] as Reading;
    const theirs = after[2] as Reading;
    const r = ourQga.rssKb / theirs.rssKb;
    console.log(`\nratio, VmRSS after idle, ours (QGA) / qemu-ga: ${r.toFixed(1)}×`);
    ratios.push(ratio("VmRSS after idle, ours (QGA) / qemu-ga", r));
  }
  record({
    id: "idle",
    title: `Daemons idle for ${seconds} s`,
    context: [
      `${measured}: daemon --transport xenstore (dev xenstored) and daemon --listen unix: (QGA), ${"skipped" in peer ? `qemu-ga skipped: ${peer.skipped}` : `beside Debian's qemu-ga ${peer.version} -m unix-listen`}`,
      "one client connected to each, idle after one request; CPU from /proc/<pid>/stat, wake-ups as timeslices from each thread's schedstat",
    ],
    figures,
    ratios,
  });
} catch (error) {
  console.error(`bench/idle.ts (ours: ${measured}): ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  clearTimeout(watchdog);
  host?.close();
  for (const s of sockets) s.end();
  for (const child of children) {
    if (child.exitCode !== null) continue;
    child.kill("SIGTERM");
    const stopped = await Promise.race([child.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
    if (!stopped) console.error(`pid ${child.pid} ignored SIGTERM for 3 s: killed`);
  }
  await xs?.stop();
  cleanUp();
}
process.exit(exitCode);
