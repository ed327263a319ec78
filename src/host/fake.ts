import { createConsola, type ConsolaInstance } from "consola/core";
import { createFetch } from "ofetch";
import { checkArgv } from "./real-run.ts";
import { createFakeFs, type FakeFs, type FakeTree } from "./fake-fs.ts";
import { sleep } from "./sleep.ts";
import { HostError } from "../errors.ts";
import { LockHeldError } from "./lock-held.ts";
import { outputLimit, startEnv } from "./real-start.ts";
import { openFakeFile } from "./fake-open-file.ts";
import { createFakeSockets } from "./fake-socket.ts";
import type { ByteStream, Host, NetworkInterfaceInfo, Platform, RunOptions, RunResult, StartedProgram, StartOptions, SystemInfo } from "./types.ts";

/**
 * A fake program: its result, for host.run and host.start alike. `signal` says a signal of that
 * number killed it: host.start reports it with code null, host.run as code 128 + signal (as the real
 * runProgram does). A program that throws makes host.start's `done` reject: a bug in the test.
 */
export type FakeProgram = (
  argv: readonly string[],
  options: RunOptions,
) => (Partial<RunResult> & { signal?: number }) | Promise<Partial<RunResult> & { signal?: number }>;

/** What host.system reports; each part has a default (see FAKE_SYSTEM). */
export interface FakeSystem {
  hostname?: string;
  uname?: { release: string; version: string; machine: string };
  networkInterfaces?: NetworkInterfaceInfo[];
}

export const FAKE_SYSTEM: Required<FakeSystem> = {
  hostname: "fake-host",
  uname: { release: "6.1.0-fake", version: "#1 SMP fake", machine: "x86_64" },
  networkInterfaces: [
    {
      name: "lo",
      mac: "00:00:00:00:00:00",
      addresses: [
        { address: "127.0.0.1", family: "ipv4", prefix: 8 },
        { address: "::1", family: "ipv6", prefix: 128 },
      ],
    },
  ],
};

export interface FakeHostOptions {
  tree?: FakeTree;
  /** Programs by argv[0] (a full path or a bare name). Anything else exits 127. */
  programs?: Record<string, FakeProgram>;
  /** Answers HTTP; the default refuses every request, as a machine with no network would. */
  fetch?: (request: Request) => Response | Promise<Response>;
  /** Byte streams by path, for the protocol layers' tests. */
  streams?: Record<string, () => ByteStream | Promise<ByteStream>>;
  platform?: Platform;
  env?: Record<string, string>;
  now?: number;
  system?: FakeSystem;
  /** Windows volumes by drive letter ("D:"), each its own tree; given, the host has openDrive. */
  drives?: Record<string, FakeTree>;
}

export interface FakeHost extends Host {
  readonly fs: FakeFs;
  /** Every program run, in order. */
  readonly calls: { argv: string[]; options: RunOptions }[];
  /** Every log line, as `level [tag] message`. */
  readonly logs: string[];
  /**
   * Connects to what host.listen registered at `path` (no file is made in the fake fs): returns the
   * client's end; the listener's onConnection has the other end before this returns. Nothing
   * listening there is a HostError ("connection refused").
   */
  connect(path: string): ByteStream;
}

function fakeFetch(handler: (request: Request) => Response | Promise<Response>): typeof fetch {
  const f = (input: string | URL | Request, init?: RequestInit) => Promise.resolve(handler(new Request(input as string, init)));
  return Object.assign(f, { preconnect: () => {} }) as typeof fetch;
}

function fakeDrives(drives: Record<string, FakeTree>, now: () => number): (letter: string) => Promise<FakeFs> {
  const opened = new Map<string, FakeFs>();
  return async (letter) => {
    const key = letter.toUpperCase();
    const tree = drives[key];
    if (!tree) throw new HostError(`${letter} is not a mounted volume`);
    if (!opened.has(key)) opened.set(key, createFakeFs(tree, now));
    return opened.get(key) as FakeFs;
  };
}

/** An in-memory Host for unit tests of the layers above src/host/. */
export function createFakeHost(options: FakeHostOptions = {}): FakeHost {
  const clock = { now: options.now ?? Date.UTC(2026, 0, 1) };
  const calls: FakeHost["calls"] = [];
  const logs: string[] = [];
  const log: ConsolaInstance = createConsola({
    level: 5,
    reporters: [{ log: (e) => logs.push(`${e.type}${e.tag ? ` [${e.tag}]` : ""} ${e.args.map(String).join(" ")}`) }],
  });
  const held = new Map<string, string | null>();
  const tokens = new Map<string, { holder: string | null }>();
  const refuse = () => Promise.reject(new TypeError("fake host: no network"));
  const handler = options.fetch ?? refuse;
  const fs = createFakeFs(options.tree, () => clock.now);
  const sockets = createFakeSockets();
  const system = { ...FAKE_SYSTEM, ...options.system };
  const encoder = new TextEncoder();
  const asBytes = (value: string | undefined, limit: number) => encoder.encode(value ?? "").slice(0, limit);
  let nextPid = 4000;
  const programFor = (name: string) => options.programs?.[name] ?? options.programs?.[name.slice(name.lastIndexOf("/") + 1)];

  function start(argv: readonly string[], startOptions: StartOptions = {}): StartedProgram {
    checkArgv(argv);
    const name = argv[0] as string;
    const env = startEnv(name, startOptions.env);
    const limit = outputLimit(name, startOptions.maxOutputBytes);
    const runOptions: RunOptions = { env, ...(startOptions.input === undefined ? {} : { input: startOptions.input }) };
    calls.push({ argv: [...argv], options: runOptions });
    const program = programFor(name);
    // As on the real host: a program that cannot be started is an error from start() itself.
    if (!program) throw new HostError(`start ${name}: no such program`);
    const capture = startOptions.captureOutput === true;
    const done = Promise.resolve()
      .then(() => program(argv, runOptions))
      .then((result) => ({
        code: result.signal === undefined ? (result.code ?? 0) : null,
        signal: result.signal ?? null,
        stdout: capture ? asBytes(result.stdout, limit) : new Uint8Array(0),
        stderr: capture ? asBytes(result.stderr, limit) : new Uint8Array(0),
      }));
    return { pid: nextPid++, done };
  }

  return {
    root: "/",
    fs,
    calls,
    logs,
    async run(argv, runOptions = {}) {
      checkArgv(argv);
      calls.push({ argv: [...argv], options: runOptions });
      const name = argv[0] as string;
      const program = programFor(name);
      if (!program) return { code: 127, stdout: "", stderr: `${name}: not found\n`, timedOut: false };
      const { signal, ...result } = await program(argv, runOptions);
      return { code: signal === undefined ? 0 : 128 + signal, stdout: "", stderr: "", timedOut: false, ...result };
    },
    http: createFetch({ fetch: fakeFetch(handler) }),
    async openStream(path) {
      const open = options.streams?.[path];
      if (!open) throw new HostError(`open ${path}: no such file or directory`);
      return open();
    },
    platform: options.platform ?? "linux",
    env: options.env ?? {},
    now: () => clock.now,
    sleep,
    log,
    async lock(path, lockOptions = {}) {
      if (held.has(path)) throw new LockHeldError(path, held.get(path) ?? null);
      // Each lock is its own token: a release after the path was taken again frees nothing.
      const token = { holder: lockOptions.holder ?? null };
      held.set(path, token.holder);
      tokens.set(path, token);
      return {
        release: () => {
          if (tokens.get(path) !== token) return;
          tokens.delete(path);
          held.delete(path);
        },
      };
    },
    start,
    openFile: (path, mode) => openFakeFile(fs, path, mode),
    listen: sockets.listen,
    connect: sockets.connect,
    system: {
      hostname: () => system.hostname,
      uname: () => ({ ...system.uname }),
      networkInterfaces: () => structuredClone(system.networkInterfaces),
    } satisfies SystemInfo,
    ...(options.drives ? { openDrive: fakeDrives(options.drives, () => clock.now) } : {}),
  };
}
