import { createConsola, type ConsolaInstance } from "consola/core";
import { createFetch } from "ofetch";
import { checkArgv } from "./real-run.ts";
import { createFakeFs, type FakeFs, type FakeTree } from "./fake-fs.ts";
import { sleep } from "./sleep.ts";
import { HostError } from "../errors.ts";
import type { ByteStream, Host, Platform, RunOptions, RunResult } from "./types.ts";

export type FakeProgram = (argv: readonly string[], options: RunOptions) => Partial<RunResult> | Promise<Partial<RunResult>>;

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
}

export interface FakeHost extends Host {
  readonly fs: FakeFs;
  /** Every program run, in order. */
  readonly calls: { argv: string[]; options: RunOptions }[];
  /** Every log line, as `level [tag] message`. */
  readonly logs: string[];
}

function fakeFetch(handler: (request: Request) => Response | Promise<Response>): typeof fetch {
  const f = (input: string | URL | Request, init?: RequestInit) => Promise.resolve(handler(new Request(input as string, init)));
  return Object.assign(f, { preconnect: () => {} }) as typeof fetch;
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
  const held = new Set<string>();
  const refuse = () => Promise.reject(new TypeError("fake host: no network"));
  const handler = options.fetch ?? refuse;
  return {
    root: "/",
    fs: createFakeFs(options.tree, () => clock.now),
    calls,
    logs,
    async run(argv, runOptions = {}) {
      checkArgv(argv);
      calls.push({ argv: [...argv], options: runOptions });
      const name = argv[0] as string;
      const program = options.programs?.[name] ?? options.programs?.[name.slice(name.lastIndexOf("/") + 1)];
      if (!program) return { code: 127, stdout: "", stderr: `${name}: not found\n`, timedOut: false };
      return { code: 0, stdout: "", stderr: "", timedOut: false, ...(await program(argv, runOptions)) };
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
    async lock(path) {
      if (held.has(path)) throw new HostError(`${path} is held by another running process: one agent daemon per machine`);
      held.add(path);
      return { release: () => void held.delete(path) };
    },
  };
}
