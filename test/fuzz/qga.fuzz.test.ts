/**
 * The QGA channel: the JSON stream parser (QgaParser) and a whole session (serveQgaSession with the
 * real dispatcher and every command, on a fake host: nothing on this machine is touched or run).
 * Streams are requests of every command, mutated as bytes and as documents, joined by whitespace,
 * 0xFF resets and garbage, cut into chunks at random.
 */
import { describe, test } from "bun:test";
import { createFakeHost } from "../../src/host/fake.ts";
import { streamPair } from "../../src/host/fake-socket.ts";
import { QGA_COMMANDS } from "../../src/transports/virtio/commands/index.ts";
import { createDispatch } from "../../src/transports/virtio/qga-dispatch.ts";
import { type QgaFrame, QgaParser } from "../../src/transports/virtio/qga-parser.ts";
import { OPEN_POLICY } from "../../src/transports/virtio/qga-policy.ts";
import { serveQgaSession } from "../../src/transports/virtio/qga-session.ts";
import { newQgaState, type QgaContext } from "../../src/transports/virtio/qga-types.ts";
import { nestingProblem } from "../../src/parse/nesting.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { chunks, mutateBytes, utf8Bytes } from "./lib/mutate.ts";
import type { Rng } from "./lib/prng.ts";
import { seedSet } from "./lib/seeds.ts";
import { docInput } from "./lib/structures.ts";

const REQUESTS = [
  { execute: "guest-ping" },
  { execute: "guest-sync", arguments: { id: 12345 } },
  { execute: "guest-sync-delimited", arguments: { id: 1 } },
  { execute: "guest-info", id: "req-1" },
  { execute: "guest-get-time" },
  { execute: "guest-set-time", arguments: { time: 1700000000000000000 } },
  { execute: "guest-get-osinfo" },
  { execute: "guest-get-host-name" },
  { execute: "guest-get-timezone" },
  { execute: "guest-get-users" },
  { execute: "guest-network-get-interfaces" },
  { execute: "guest-set-user-password", arguments: { username: "root", password: "aGVsbG8=", crypted: false } },
  { execute: "guest-ssh-add-authorized-keys", arguments: { username: "root", keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFuzz a@b"], reset: false } },
  { execute: "guest-ssh-get-authorized-keys", arguments: { username: "root" } },
  { execute: "guest-ssh-remove-authorized-keys", arguments: { username: "root", keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFuzz a@b"] } },
  { execute: "guest-file-open", arguments: { path: "/tmp/fuzz.txt", mode: "w+" } },
  { execute: "guest-file-write", arguments: { handle: 1000, "buf-b64": "aGVsbG8=", count: 5 } },
  { execute: "guest-file-seek", arguments: { handle: 1000, offset: 0, whence: "set" } },
  { execute: "guest-file-read", arguments: { handle: 1000, count: 4096 } },
  { execute: "guest-file-flush", arguments: { handle: 1000 } },
  { execute: "guest-file-close", arguments: { handle: 1000 } },
  { execute: "guest-exec", arguments: { path: "/bin/true", arg: ["x"], env: ["A=b"], "input-data": "aGk=", "capture-output": true } },
  { execute: "guest-exec-status", arguments: { pid: 1 } },
  { execute: "guest-fsfreeze-status" },
  { execute: "guest-fsfreeze-freeze-list", arguments: { mountpoints: ["/"] } },
  { execute: "guest-fsfreeze-thaw" },
  { execute: "guest-fstrim", arguments: { minimum: 0 } },
  { execute: "guest-shutdown", arguments: { mode: "reboot" } },
  { execute: "tether-status" },
  { execute: "tether-reset-network" },
  { execute: "tether-apply" },
];
const WORDS = ["execute", "arguments", "id", "guest-sync-delimited", "guest-file-open", "handle", "count", "buf-b64", "whence", "username", "keys", "reset", "path", "arg", "mode", ...QGA_COMMANDS.map((c) => c.name)];
const seeds = seedSet(REQUESTS.map((r) => JSON.stringify(r)), WORDS);
/** Beyond JSON: qemu's lexer takes single quotes and \' escapes. */
const QEMU_EXTRAS = ["{'execute': 'guest-ping'}", "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 'x\\'y'}}", "\u00ff", "\u00fe", "{\"a\":1}}", "]]]", "{\"execute\":\"guest-ping\",\"execute\":\"x\"}"];

/** A stream of requests as a host (or something hostile on the port) might write it. */
function streamOf(rng: Rng): Uint8Array {
  const parts: Uint8Array[] = [];
  const count = 1 + rng.small(10);
  for (let i = 0; i < count; i++) {
    parts.push(
      rng.weighted<() => Uint8Array>([
        [5, () => rng.pick(seeds.texts)],
        [5, () => docInput(rng, { format: "json", ...seeds, maxBytes: 1 << 20 })],
        [1, () => utf8Bytes(rng.pick(QEMU_EXTRAS))],
        [1, () => new Uint8Array([0xff])],
        [0.5, () => rng.bytes(rng.small(256))],
      ])(),
    );
    parts.push(utf8Bytes(rng.pick(["\n", "", " ", "\r\n", "\t"])));
  }
  const joined = Buffer.concat(parts);
  return rng.chance(0.2) ? mutateBytes(rng, new Uint8Array(joined), { others: seeds.texts, dictionary: WORDS, maxBytes: 2 << 20 }) : new Uint8Array(joined);
}

interface ParserCase {
  bytes: Uint8Array;
  parts: Uint8Array[];
  maxBytes: number;
}

/** Frames as text, and the largest buffer the parser held on the way. */
function parseAll(parts: Uint8Array[], maxBytes: number): { frames: string[]; held: number } {
  const parser = new QgaParser({ maxBytes });
  const frames: string[] = [];
  let held = 0;
  for (const part of parts) {
    for (const frame of parser.push(part)) frames.push(describeFrame(frame));
    held = Math.max(held, parser.bufferedBytes);
  }
  return { frames, held };
}

function describeFrame(frame: QgaFrame): string {
  if (frame.kind === "value") {
    const deep = nestingProblem(frame.value);
    if (deep) throw new Error(`a value came out ${deep}`);
    return `value ${JSON.stringify(frame.value)}`;
  }
  if (frame.kind === "error") {
    if (typeof frame.desc !== "string" || frame.desc === "") throw new Error("an error frame without words");
    return `error ${frame.desc}`;
  }
  if (frame.kind !== "reset") throw new Error(`a frame of kind ${JSON.stringify(frame)}`);
  return "reset";
}

const parserTarget: FuzzTarget<ParserCase> = {
  name: "QGA JSON stream parser",
  file: import.meta.path,
  count: 3500,
  generate(rng) {
    const bytes = streamOf(rng);
    return { bytes, parts: chunks(rng, bytes), maxBytes: rng.pick([64, 4096, 1 << 20]) };
  },
  run: ({ bytes, parts, maxBytes }) => ({ whole: parseAll([bytes], maxBytes), cut: parseAll(parts, maxBytes), maxBytes }),
  // The parser answers everything with frames: nothing it throws is expected.
  typed: () => false,
  check(result) {
    const { whole, cut, maxBytes } = result as { whole: ReturnType<typeof parseAll>; cut: ReturnType<typeof parseAll>; maxBytes: number };
    if (whole.held > maxBytes || cut.held > maxBytes) throw new Error(`the parser held ${Math.max(whole.held, cut.held)} bytes, over its ${maxBytes}-byte limit`);
    if (JSON.stringify(whole.frames) !== JSON.stringify(cut.frames)) {
      const at = whole.frames.findIndex((f, i) => f !== cut.frames[i]);
      throw new Error(`cut into chunks, the stream parses differently at frame ${at}: ${whole.frames[at]?.slice(0, 120)} vs ${cut.frames[at]?.slice(0, 120)}`);
    }
  },
  show: ({ bytes, maxBytes }) => `maxBytes ${maxBytes}: ${JSON.stringify(Buffer.from(bytes.subarray(0, 400)).toString("latin1"))}`,
  bytes: ({ bytes }) => bytes,
};

const UNTYPED = /^(?:TypeError|RangeError|SyntaxError|ReferenceError|Error): /;

/** A context on a fake host: files in memory, programs that exit 127, changes answered "done". */
function context(): QgaContext {
  const host = createFakeHost({
    tree: {
      "/etc/hostname": "fuzz\n",
      "/etc/os-release": 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n',
      "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n",
      "/etc/group": "root:x:0:\nalice:x:1000:\n",
      "/etc/shadow": "root:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n",
      "/proc/self/mounts": "/dev/vda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n",
      "/tmp/fuzz.txt": "x",
      "/root/.ssh/authorized_keys": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFuzz a@b\n",
    },
  });
  return { host, log: host.log.withTag("qga"), state: newQgaState(), version: "fuzz", execute: async () => "done", supported: () => [] };
}

async function session(parts: Uint8Array[]): Promise<string[]> {
  const [ours, theirs] = streamPair("fuzz-qga");
  const ctx = context();
  const served = serveQgaSession(theirs, createDispatch(QGA_COMMANDS, OPEN_POLICY, ctx), { maxRequestBytes: 64 << 10, log: ctx.log });
  for (const part of parts) await ours.write(part);
  // The host is done writing: the session answers what it has, then sees the end.
  const replies: Uint8Array[] = [];
  const reading = (async () => {
    for (let chunk = await ours.read(); chunk; chunk = await ours.read()) replies.push(chunk);
  })();
  await new Promise((r) => setTimeout(r, 0));
  ours.close();
  await served;
  await reading;
  return Buffer.concat(replies).toString("latin1").split("\n").filter(Boolean);
}

const sessionTarget: FuzzTarget<Uint8Array[]> = {
  name: "QGA session (every command, fake host)",
  file: import.meta.path,
  count: 1000,
  generate: (rng) => chunks(rng, streamOf(rng)),
  run: session,
  check(result) {
    for (const line of result as string[]) {
      const text = line.startsWith("\u00ff") ? line.slice(1) : line;
      let reply: { return?: unknown; error?: { class?: unknown; desc?: unknown } };
      try {
        reply = JSON.parse(Buffer.from(text, "latin1").toString("utf8"));
      } catch {
        throw new Error(`a reply that is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
      }
      if (!("return" in reply) && !(typeof reply.error?.class === "string" && typeof reply.error.desc === "string")) throw new Error(`a reply with neither return nor error: ${line.slice(0, 200)}`);
      if (process.env.FUZZ_TRACE) console.log("reply", "return" in reply ? "return" : `${reply.error?.class}: ${String(reply.error?.desc).slice(0, 70)}`);
      if (typeof reply.error?.desc === "string" && UNTYPED.test(reply.error.desc)) throw new Error(`an untyped exception reached the host: ${reply.error.desc.slice(0, 300)}`);
    }
  },
  show: (parts) => JSON.stringify(Buffer.concat(parts).subarray(0, 400).toString("latin1")),
  bytes: (parts) => Buffer.concat(parts),
  timeLimitMs: 3000,
};

describe("fuzz: QGA", () => {
  for (const t of [parserTarget, sessionTarget] as FuzzTarget<unknown>[]) test(t.name, async () => expectClean(await fuzz(t), t), timeoutFor(t.count, 40));
});
