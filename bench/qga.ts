#!/usr/bin/env bun
/**
 * QEMU guest agent protocol on a unix socket, side by side in one run: `agent daemon --listen
 * unix:/run/qga.sock --root <tmp>` against Debian's qemu-ga (`-m unix-listen`, every RPC blocked
 * with -b but the seven read-only ones below). One client connection each, the same client code:
 * - guest-ping round trip, sequential: each call timed from the write to the reply line arriving
 *   in the socket's data callback (parsing and checking are outside the figure), after warm-up,
 *   in turns of 250 calls per daemon so that a change of load on the machine falls on both;
 * - pipelined: all pings written at once, time until the last reply line (3 rounds, the median);
 * - 1000 mixed read-only requests round-robin (guest-ping, guest-info, guest-get-osinfo,
 *   guest-get-host-name, guest-get-time, guest-network-get-interfaces, guest-get-timezone), each
 *   checked to be a "return", then VmRSS and VmHWM from /proc/<pid>/status;
 * - then both daemons' CPU time (utime+stime) over 5 s of idling, and VmRSS after it; and the CPU
 *   time over the next 5 s (the first window may hold a GC settling after the run).
 * The issue's targets for ours: p50 ≤ qemu-ga's, idle RSS ≤ 35 MB (read strictly: 35·10⁶ bytes).
 * Both serve this machine (ours with --root / and an allow-list of the read-only commands sent).
 *
 *   bun bench/qga.ts [--calls 3000] [--warmup 100] [--pipelined 3000] [--mixed 1000]
 *                    [--binary dist/agent-linux-x64] [--agent-log-level LEVEL] [--pin same|split]
 *
 * Runs the compiled binary when it exists (after npm run build), else `bun src/main.ts`, and says
 * which. --agent-log-level passes --log-level to our daemon (readiness is then a connect, not the
 * log line). Without qemu-ga on PATH (or /usr/sbin, /sbin) ours is measured alone and the reason
 * printed; nothing is installed. Unix sockets only; everything is killed and removed after 180 s
 * at the latest.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Socket, Subprocess } from "bun";
import { ratio as ratioOf, record } from "./results.ts";
import { clockTicks, cpuMs, guardBench, latency as latencyOf, LATENCY_HEADER as HEADER, latencyRow as row, schedDelta, schedstat, statusKb, type Latency } from "./daemon-bench.ts";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "3000" },
    warmup: { type: "string", default: "100" },
    pipelined: { type: "string", default: "3000" },
    mixed: { type: "string", default: "1000" },
    binary: { type: "string", default: "dist/agent-linux-x64" },
    "agent-log-level": { type: "string" },
    pin: { type: "string" },
  },
});
const calls = Number(values.calls);
const warmup = Number(values.warmup);
const pipelined = Number(values.pipelined);
const mixed = Number(values.mixed);
if (!(calls >= 1 && warmup >= 0 && pipelined >= 1 && mixed >= 1)) throw new Error("--calls, --pipelined and --mixed must be ≥ 1, --warmup ≥ 0");
const agentLogLevel = values["agent-log-level"];

/**
 * --pin same: this process (the client) and both daemons on CPU 0, as on a 1-vCPU guest; --pin
 * split: the client on CPU 0, the daemons on CPU 1 (through taskset, which execs: the pid stays the
 * daemon's). Unpinned on a 2-CPU machine the round trip is two-humped, ~0.03 ms when the scheduler
 * keeps client and daemon on one CPU, ~0.07 ms when each wake-up crosses CPUs, and which hump a
 * run lands on differs per daemon and per run.
 */
let pinning = "not pinned (--pin same|split to pin)";
let daemonPrefix: string[] = [];
if (values.pin !== undefined) {
  if (values.pin !== "same" && values.pin !== "split") throw new Error(`--pin ${values.pin}: expected same or split`);
  const taskset = Bun.which("taskset", { PATH: `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin` });
  const cpus = navigator.hardwareConcurrency;
  if (!taskset || (values.pin === "split" && cpus < 2)) throw new Error(`--pin ${values.pin} needs taskset${values.pin === "split" ? " and 2 CPUs" : ""} (taskset: ${taskset ?? "not found"}, CPUs: ${cpus})`);
  // -a: every thread of this process; the daemons spawned later inherit CPU 0 unless taskset moves them.
  const self = Bun.spawnSync([taskset, "-a", "-p", "-c", "0", String(process.pid)], { stdout: "ignore", stderr: "pipe" });
  if (self.exitCode !== 0) throw new Error(`taskset -a -p -c 0 ${process.pid}: ${self.stderr.toString().trim()}`);
  if (values.pin === "split") daemonPrefix = [taskset, "-c", "1"];
  pinning = values.pin === "split" ? "client pinned to CPU 0, daemons to CPU 1" : "client and daemons pinned to CPU 0";
}
const REPO = resolve(import.meta.dir, "..");
const binary = resolve(values.binary as string);
const agent = existsSync(binary) ? [binary] : [process.execPath, join(REPO, "src/main.ts")];
const shown = (path: string) => (path.startsWith(`${REPO}/`) ? relative(REPO, path) : path);

/** The newest mtime under src/, to say when the binary is older than the source it is measured for. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}
const measured = existsSync(binary)
  ? `${shown(binary)}${statSync(binary).mtimeMs < newestSource(join(REPO, "src")) ? " (older than some files in src/: npm run build to measure them)" : ""}`
  : `bun src/main.ts (no ${shown(binary)}: run npm run build for the binary)`;

const DEADLINE_MS = 180_000;
const CALL_TIMEOUT_MS = 10_000;
const IDLE_MS = 5_000;
const IDLE_WINDOWS = 2;
const PIPELINE_ROUNDS = 3;
/** Sequential pings go in turns of this many per daemon. */
const BLOCK = 250;
const PATH = `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`;
const MIXED = ["guest-ping", "guest-info", "guest-get-osinfo", "guest-get-host-name", "guest-get-time", "guest-network-get-interfaces", "guest-get-timezone"];
const PING = `${JSON.stringify({ execute: "guest-ping" })}\n`;
const TARGET_RSS_BYTES = 35e6;

// ---- Cleanup, whatever happens: normal end, an error, a signal, or the 180 s deadline. ----
const work = mkdtempSync(join(tmpdir(), "tether-bench-qga-"));
const daemons = new Set<Subprocess>();
const clients = new Set<QgaLines>();

/** Synchronous, idempotent: safe from a timer, a signal handler or `finally`. */
function cleanUp(): void {
  for (const client of clients) client.close();
  for (const child of daemons) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
}
const { deadline, watchdog } = guardBench("bench/qga.ts", DEADLINE_MS, cleanUp);

// ---- Figures ----
const round2 = (n: number) => Math.round(n * 100) / 100;
const latency = (samples: number[], wallMs: number) => latencyOf(samples, wallMs, 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;

// ---- One client connection: writes raw, hands back reply lines with the time they arrived. ----
interface Line {
  text: string;
  at: number;
}
interface QgaLines {
  /** Writes all of `text`, waiting for drain when the kernel's buffer is full. */
  write(text: string): Promise<void>;
  /** The next reply line (without "\n") and performance.now() when its last byte was read. */
  next(): Promise<Line>;
  /** Resolves when `n` more reply lines have arrived, with the time of the last; lines are counted, not kept. */
  count(n: number): Promise<{ at: number; lines: number; errors: number }>;
  close(): void;
}

const decoder = new TextDecoder("latin1");

async function connectLines(path: string, name: string): Promise<QgaLines> {
  let partial: Uint8Array | null = null;
  const lines: Line[] = [];
  let waiter: ((line: Line) => void) | null = null;
  let counting: { left: number; errors: number; lines: number; resolve: (r: { at: number; lines: number; errors: number }) => void } | null = null;
  let drained: (() => void) | null = null;
  let closed: Error | null = null;
  let failWaiter: ((error: Error) => void) | null = null;

  const onLine = (bytes: Uint8Array, at: number) => {
    if (counting) {
      counting.lines++;
      // Replies are `{"return": {}}` (qemu-ga) or `{"return":{}}` (ours); anything else is an error reply.
      if (!decoder.decode(bytes).startsWith('{"return"')) counting.errors++;
      if (--counting.left === 0) {
        const done = counting;
        counting = null;
        done.resolve({ at, lines: done.lines, errors: done.errors });
      }
      return;
    }
    const line = { text: decoder.decode(bytes), at };
    if (waiter) {
      const wake = waiter;
      waiter = null;
      failWaiter = null;
      wake(line);
    } else lines.push(line);
  };
  const fail = (error: Error) => {
    closed ??= error;
    failWaiter?.(closed);
    failWaiter = null;
    waiter = null;
    drained?.();
  };

  const socket: Socket<undefined> = await Bun.connect({
    unix: path,
    socket: {
      data(_s, chunk) {
        const at = performance.now();
        let data: Uint8Array = chunk;
        if (partial) {
          const joined = new Uint8Array(partial.length + data.length);
          joined.set(partial);
          joined.set(data, partial.length);
          data = joined;
          partial = null;
        }
        let start = 0;
        for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, start)) {
          onLine(data.subarray(start, i), at);
          start = i + 1;
        }
        if (start < data.length) partial = data.slice(start);
      },
      drain() {
        const wake = drained;
        drained = null;
        wake?.();
      },
      end: () => fail(new Error(`${name}: the daemon closed the connection`)),
      close: () => fail(new Error(`${name}: the connection closed`)),
      error: (_s, error) => fail(error),
    },
  });

  const timeout = <T>(what: string, body: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no ${what} within ${CALL_TIMEOUT_MS / 1000} s`)), CALL_TIMEOUT_MS);
      const onAbort = () => reject(deadline.signal.reason as Error);
      deadline.signal.addEventListener("abort", onAbort, { once: true });
      body(
        (v) => {
          clearTimeout(timer);
          deadline.signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          deadline.signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });

  const client: QgaLines = {
    async write(text) {
      let rest = new TextEncoder().encode(text);
      while (rest.length > 0) {
        if (closed) throw closed;
        const n = socket.write(rest);
        if (n < 0) throw new Error(`${name}: write on a closed connection`);
        rest = rest.subarray(n);
        if (rest.length > 0) await timeout<void>("drain", (resolve) => (drained = resolve));
      }
    },
    next() {
      const ready = lines.shift();
      if (ready) return Promise.resolve(ready);
      if (closed) return Promise.reject(closed);
      return timeout<Line>("reply", (resolve, reject) => {
        waiter = resolve;
        failWaiter = reject;
      });
    },
    count(n) {
      if (lines.length) throw new Error(`${name}: ${lines.length} reply lines unread before a pipelined round`);
      if (closed) return Promise.reject(closed);
      return new Promise((resolve, reject) => {
        counting = { left: n, errors: 0, lines: 0, resolve };
        failWaiter = reject;
        deadline.signal.addEventListener("abort", () => reject(deadline.signal.reason as Error), { once: true });
      });
    },
    close() {
      clients.delete(client);
      socket.end();
    },
  };
  clients.add(client);
  return client;
}

// ---- The two daemons ----
interface Daemon {
  name: string;
  child: Subprocess<"ignore", "ignore", "pipe">;
  socket: string;
  stderr(): string;
}

function spawnDaemon(name: string, argv: string[], socket: string, env: Record<string, string>): Daemon {
  const child = Bun.spawn([...daemonPrefix, ...argv], { cwd: REPO, env: { PATH, ...env }, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  daemons.add(child);
  // Drained all along: a log line per request must never fill the pipe and stall the daemon.
  let text = "";
  const dec = new TextDecoder();
  void (async () => {
    for await (const chunk of child.stderr) text = (text + dec.decode(chunk)).slice(-64_000);
  })();
  return { name, child, socket, stderr: () => text };
}

/** Connects once the daemon listens: after `readyLine` on stderr when given, else by retrying refused connects. */
async function connectWhenReady(d: Daemon, readyLine?: string): Promise<QgaLines> {
  const until = Date.now() + 15_000;
  for (;;) {
    if (d.child.exitCode !== null) throw new Error(`${d.name} exited ${d.child.exitCode}:\n${d.stderr().slice(-2000)}`);
    if (Date.now() > until || deadline.signal.aborted) throw new Error(`${d.name} was not serving after 15 s:\n${d.stderr().slice(-2000)}`);
    if (readyLine ? d.stderr().includes(readyLine) : existsSync(d.socket)) {
      // The socket file appears at bind(), a moment before listen(): a refused connect is tried again.
      const client = await connectLines(d.socket, d.name).catch(() => null);
      if (client) return client;
    }
    await Bun.sleep(10);
  }
}

/**
 * Ours serves this machine, as qemu-ga does, so both read the same os-release, interfaces and
 * clock, through the same (unrooted) paths; only the read-only commands the bench sends are
 * enabled, so nothing it could be asked changes the machine.
 */
async function startOurs(): Promise<{ daemon: Daemon; client: QgaLines }> {
  const socket = join(work, "ours.sock");
  const argv = [...agent, "daemon", "--listen", `unix:${socket}`, "--root", "/", "--allow-rpcs", MIXED.join(","), "--metadata-url", "http://127.0.0.1:9"];
  if (agentLogLevel !== undefined) argv.push("--log-level", agentLogLevel);
  const daemon = spawnDaemon("ours", argv, socket, {});
  const client = await connectWhenReady(daemon, agentLogLevel === undefined ? "serving the QEMU guest agent protocol" : undefined);
  return { daemon, client };
}

/** qemu-ga, or why it is not measured. */
async function startQemuGa(): Promise<{ daemon: Daemon; client: QgaLines; version: string } | { skipped: string }> {
  const exe = Bun.which("qemu-ga", { PATH });
  if (!exe) return { skipped: "qemu-ga is not installed (not on PATH, /usr/sbin or /sbin; apt-get install qemu-guest-agent)" };
  const version = Bun.spawnSync([exe, "--version"], { stdout: "pipe", stderr: "pipe" }).stdout.toString().match(/Guest Agent ([\d.]+)/)?.[1] ?? "?";
  const help = Bun.spawnSync([exe, "--help"], { stdout: "pipe", stderr: "pipe" });
  let rpcArgs: string[];
  if (`${help.stdout}${help.stderr}`.includes("--allow-rpcs")) {
    rpcArgs = ["--allow-rpcs", MIXED.join(",")];
  } else {
    // qemu-ga 7.2 (Debian 12) has only --block-rpcs: everything the bench does not call is blocked.
    const all = Bun.spawnSync([exe, "-b", "help"], { stdout: "pipe" }).stdout.toString().split("\n").map((s) => s.trim()).filter(Boolean);
    const missing = MIXED.filter((r) => !all.includes(r));
    if (missing.length) return { skipped: `qemu-ga ${version} -b help does not list ${missing.join(", ")}` };
    rpcArgs = ["-b", all.filter((r) => !MIXED.includes(r)).join(",")];
  }
  const dir = join(work, "qemu-ga");
  mkdirSync(join(dir, "state"), { recursive: true });
  const socket = join(dir, "qga.sock");
  const daemon = spawnDaemon("qemu-ga", [exe, "-m", "unix-listen", "-p", socket, "-t", join(dir, "state"), "-f", join(dir, "qemu-ga.pid"), ...rpcArgs], socket, {});
  try {
    return { daemon, client: await connectWhenReady(daemon), version };
  } catch (error) {
    daemon.child.kill("SIGKILL");
    return { skipped: `qemu-ga ${version} did not start: ${(error as Error).message}` };
  }
}

// ---- The measurements, per daemon ----
const isReturn = (text: string) => text.startsWith('{"return"');

async function call(client: QgaLines, request: string): Promise<{ ms: number; text: string }> {
  const started = performance.now();
  await client.write(request);
  const line = await client.next();
  return { ms: line.at - started, text: line.text };
}

interface Side {
  name: string;
  daemon: Daemon;
  client: QgaLines;
  freshRssKb: number;
  sequential?: Latency;
  pipelinedMs: number[];
  pipelinedErrors: number;
  failures: number;
  firstFailure: string;
  mixed: Map<string, { ms: number[]; bytes: number }>;
  rssKb: number;
  hwmKb: number;
  /** CPU ms in each idle window: the first may still hold a GC settling after the run. */
  idleCpuMs: number[];
  /** The same windows from schedstat, all threads: on-CPU ms and timeslices (≈ wake-ups). */
  idleSched: { ms: number; slices: number }[];
  idleRssKb: number;
  rssAnonKb: number;
  rssFileKb: number;
  idleRssAnonKb: number;
  idleRssFileKb: number;
}

function check(side: Side, text: string, what: string): void {
  if (isReturn(text)) return;
  side.failures++;
  side.firstFailure ||= `${what}: ${text.slice(0, 300)}`;
}

async function warmUp(side: Side): Promise<void> {
  for (let i = 0; i < warmup; i++) check(side, (await call(side.client, PING)).text, "guest-ping (warm-up)");
}

/**
 * The sequential pings in blocks of BLOCK, ours and qemu-ga taking turns: a load change on the
 * machine (other work, frequency) falls on both alike. calls/s is over each side's own blocks.
 */
async function sequential(all: Side[]): Promise<void> {
  const samples = all.map((): number[] => []);
  const wall = all.map(() => 0);
  for (let done = 0; done < calls; done += BLOCK) {
    for (const [k, side] of all.entries()) {
      const started = performance.now();
      for (let i = done; i < Math.min(calls, done + BLOCK); i++) {
        const { ms, text } = await call(side.client, PING);
        (samples[k] as number[]).push(ms);
        check(side, text, "guest-ping");
      }
      wall[k] = (wall[k] as number) + performance.now() - started;
    }
  }
  all.forEach((side, k) => (side.sequential = latency(samples[k] as number[], wall[k] as number)));
}

/** PIPELINE_ROUNDS rounds each, taking turns. */
async function pipeline(all: Side[]): Promise<void> {
  const batch = PING.repeat(pipelined);
  for (let round = 0; round < PIPELINE_ROUNDS; round++) {
    for (const side of all) {
      const done = side.client.count(pipelined);
      const started = performance.now();
      await side.client.write(batch);
      const { at, errors } = await done;
      side.pipelinedMs.push(at - started);
      side.pipelinedErrors += errors;
    }
  }
}

/** The mixed requests, one round-robin cycle of the seven commands each in turn; then each daemon's memory. */
async function mixedRun(all: Side[]): Promise<void> {
  for (let done = 0; done < mixed; done += MIXED.length) {
    for (const side of all) {
      for (let i = done; i < Math.min(mixed, done + MIXED.length); i++) {
        const execute = MIXED[i % MIXED.length] as string;
        const { ms, text } = await call(side.client, `${JSON.stringify({ execute })}\n`);
        check(side, text, execute);
        const entry = side.mixed.get(execute) ?? { ms: [], bytes: text.length + 1 };
        entry.ms.push(ms);
        side.mixed.set(execute, entry);
      }
    }
  }
  for (const side of all) {
    side.rssKb = statusKb(side.daemon.child.pid, "VmRSS");
    side.hwmKb = statusKb(side.daemon.child.pid, "VmHWM");
    side.rssAnonKb = statusKb(side.daemon.child.pid, "RssAnon");
    side.rssFileKb = statusKb(side.daemon.child.pid, "RssFile");
  }
}

const newSide = (name: string, daemon: Daemon, client: QgaLines): Side => ({
  name,
  daemon,
  client,
  freshRssKb: statusKb(daemon.child.pid, "VmRSS"),
  pipelinedMs: [],
  pipelinedErrors: 0,
  failures: 0,
  firstFailure: "",
  mixed: new Map(),
  rssKb: NaN,
  hwmKb: NaN,
  idleCpuMs: [],
  idleSched: [],
  idleRssKb: NaN,
  rssAnonKb: NaN,
  rssFileKb: NaN,
  idleRssAnonKb: NaN,
  idleRssFileKb: NaN,
});

let exitCode = 0;
const sides: Side[] = [];
try {
  const ours = await startOurs();
  sides.push(newSide(`ours (${existsSync(binary) ? shown(binary) : "bun src/main.ts"})`, ours.daemon, ours.client));
  const peer = await startQemuGa();
  let skipped = "";
  if ("skipped" in peer) skipped = peer.skipped;
  else sides.push(newSide(`qemu-ga ${peer.version}`, peer.daemon, peer.client));

  // Both daemons live the whole time; within each phase they take turns (see sequential()).
  for (const side of sides) await warmUp(side);
  await sequential(sides);
  await pipeline(sides);
  await mixedRun(sides);

  // Both idle together: no requests, the connections left open (as a host would leave them).
  for (let window = 0; window < IDLE_WINDOWS; window++) {
    const before = sides.map((s) => ({ ticks: cpuMs(s.daemon.child.pid), sched: schedstat(s.daemon.child.pid) }));
    await Bun.sleep(IDLE_MS);
    sides.forEach((s, i) => {
      const b = before[i] as { ticks: number; sched: Map<string, [number, number]> };
      s.idleSched.push(schedDelta(b.sched, schedstat(s.daemon.child.pid)));
      s.idleCpuMs.push(cpuMs(s.daemon.child.pid) - b.ticks);
    });
    if (window === 0) {
      for (const s of sides) {
        s.idleRssKb = statusKb(s.daemon.child.pid, "VmRSS");
        s.idleRssAnonKb = statusKb(s.daemon.child.pid, "RssAnon");
        s.idleRssFileKb = statusKb(s.daemon.child.pid, "RssFile");
      }
    }
  }
  for (const side of sides) if (side.daemon.child.exitCode !== null) throw new Error(`${side.name} exited ${side.daemon.child.exitCode} during the run`);

  console.log(`measured: ${measured}${agentLogLevel !== undefined ? ` with --log-level ${agentLogLevel}` : ""}; ${skipped ? `qemu-ga skipped: ${skipped}` : `against qemu-ga ${(sides[1] as Side).name.split(" ")[1]} (-m unix-listen, all but ${MIXED.length} read-only RPCs blocked)`}; one unix-socket connection each; ${pinning}; ${clockTicks} ticks/s`);
  console.log(HEADER);
  for (const side of sides) {
    console.log(row(`guest-ping sequential, ${side.name}`, side.sequential as Latency, `after ${warmup} warm-up calls; write → reply line read; calls/s back to back${side.failures ? `; ${side.failures} replies not "return", first: ${side.firstFailure}` : ""}`));
  }
  const [mine, theirs] = sides as [Side, Side | undefined];
  if (theirs) {
    const ratio = (theirs.sequential as Latency).exactP50 / (mine.sequential as Latency).exactP50;
    console.log(`\np50 ratio qemu-ga / ours: ${ratio.toFixed(2)} (target ≥ 1, our p50 ≤ qemu-ga's: ${ratio >= 1 ? "met" : "missed"})`);
  }

  console.log(`\n| pipelined: ${pipelined} guest-pings in one write | last reply after ms (median of ${PIPELINE_ROUNDS}) | requests/s | rounds ms | note |\n|---|---|---|---|---|`);
  for (const side of sides) {
    const ms = median(side.pipelinedMs);
    console.log(`| ${side.name} | ${round2(ms)} | ${Math.round((pipelined * 1000) / ms)} | ${side.pipelinedMs.map((m) => Math.round(m)).join(", ")} | ${side.pipelinedErrors ? `${side.pipelinedErrors} replies not "return"` : ""} |`);
  }

  console.log(`\n| ${mixed} mixed requests round-robin: p50 ms (reply bytes) | ${sides.map((s) => s.name).join(" | ")} |\n|---|${sides.map(() => "---|").join("")}`);
  const cell = (s: Side, execute: string) => {
    const e = s.mixed.get(execute);
    return e ? `${latency(e.ms, 1).p50} (${e.bytes} B)` : "–";
  };
  for (const execute of MIXED) console.log(`| ${execute} | ${sides.map((s) => cell(s, execute)).join(" | ")} |`);

  console.log(`\n| memory and idle CPU | ${sides.map((s) => s.name).join(" | ")} |\n|---|${sides.map(() => "---|").join("")}`);
  const line = (what: string, f: (s: Side) => string) => console.log(`| ${what} | ${sides.map(f).join(" | ")} |`);
  line("VmRSS when first serving", (s) => mib(s.freshRssKb));
  line(`VmRSS after the ${mixed} mixed requests`, (s) => mib(s.rssKb));
  line("VmHWM (peak) after them, pipelined rounds included", (s) => mib(s.hwmKb));
  line("… of which RssAnon (heap) / RssFile (the executable's mapped pages)", (s) => `${mib(s.rssAnonKb)} / ${mib(s.rssFileKb)}`);
  line(`VmRSS after ${IDLE_MS / 1000} s idle`, (s) => mib(s.idleRssKb));
  line("… of which RssAnon / RssFile", (s) => `${mib(s.idleRssAnonKb)} / ${mib(s.idleRssFileKb)}`);
  line(`CPU while idle for ${IDLE_MS / 1000} s (utime+stime)`, (s) => `${(s.idleCpuMs[0] as number).toFixed(0)} ms`);
  line(`… and over the next ${IDLE_MS / 1000} s`, (s) => `${(s.idleCpuMs[1] as number).toFixed(0)} ms`);
  const sched = (w: { ms: number; slices: number }) => `${w.ms.toFixed(1)} ms, ${w.slices} slices (${(w.slices / (IDLE_MS / 1000)).toFixed(0)}/s)`;
  line("the same two windows from each thread's schedstat (on-CPU, timeslices)", (s) => s.idleSched.map(sched).join("; "));
  const idleBytes = mine.idleRssKb * 1024;
  console.log(`\nours idle RSS ${mib(mine.idleRssKb)} = ${(idleBytes / 1e6).toFixed(1)} MB against the target ≤ 35 MB: ${idleBytes <= TARGET_RSS_BYTES ? "met" : "missed"}`);
  const figures = sides.flatMap((side) => {
    const l = side.sequential as Latency;
    return [
      { case: `guest-ping sequential, ${side.name}`, unit: "ms" as const, median: l.p50, p90: l.p90, max: l.max, runs: l.calls, note: `p99 ${l.p99} ms; ${l.perSecond} calls/s` },
      { case: `${pipelined} pipelined guest-pings, ${side.name}`, unit: "ms" as const, median: round2(median(side.pipelinedMs)), runs: side.pipelinedMs.length },
      {
        case: `VmRSS after ${mixed} mixed requests and ${IDLE_MS / 1000} s idle, ${side.name}`,
        unit: "MiB" as const,
        median: Math.round(side.idleRssKb / 102.4) / 10,
        ...(side === mine ? { note: `target ≤ 35 MB: ${idleBytes <= TARGET_RSS_BYTES ? "met" : "missed"}` } : {}),
      },
      { case: `CPU over ${IDLE_MS / 1000} s idle, ${side.name}`, unit: "ms" as const, median: Math.round(side.idleCpuMs[0] as number) },
    ];
  });
  const ratios = theirs
    ? [
        ratioOf("guest-ping p50, qemu-ga / ours", (theirs.sequential as Latency).exactP50 / (mine.sequential as Latency).exactP50, { atLeast: 1 }),
        ratioOf("pipelined, qemu-ga / ours", median(theirs.pipelinedMs) / median(mine.pipelinedMs)),
      ]
    : [];
  record({ id: "qga", title: "QEMU guest agent protocol", context: [`${measured}; ${skipped ? `qemu-ga skipped: ${skipped}` : `against ${(sides[1] as Side).name}`}; one unix-socket connection each; ${pinning}`], figures, ratios });
  for (const side of sides) if (side.failures || side.pipelinedErrors) console.error(`${side.name} stderr (tail):\n${side.daemon.stderr().slice(-2000)}`);
} catch (error) {
  console.error(`bench/qga.ts (ours: ${measured}): ${error instanceof Error ? error.message : String(error)}`);
  if (!deadline.signal.aborted) for (const side of sides) if (side.daemon.stderr()) console.error(`${side.name} stderr (tail):\n${side.daemon.stderr().slice(-2000)}`);
  exitCode = 1;
} finally {
  clearTimeout(watchdog);
  for (const client of clients) client.close();
  // SIGTERM first (ours finishes the request in hand and exits 0), 3 s each at most; cleanUp() SIGKILLs whatever is left.
  for (const child of daemons) {
    if (child.exitCode !== null) continue;
    child.kill("SIGTERM");
    const stopped = await Promise.race([child.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
    if (!stopped) console.error(`pid ${child.pid} ignored SIGTERM for 3 s: killed`);
  }
  cleanUp();
}
process.exit(exitCode);
