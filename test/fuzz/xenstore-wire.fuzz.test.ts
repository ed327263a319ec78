/**
 * XenStore's wire: the frame decoder (FrameReader) on mutated frame streams cut at random, and the
 * client (XenstoreClient) against a scripted xenstored on an in-memory socket pair that answers
 * right, wrongly (wrong type, wrong req_id, error payloads, garbage, oversized headers, unasked
 * replies and events), slowly, or not at all. Every call must settle, with a value or one of the
 * client's own errors (XenstoreError, WireError, HostError), or with the caller's abort.
 */
import { describe, test } from "bun:test";
import type { ByteStream } from "../../src/host/byte-stream.ts";
import { streamPair } from "../../src/host/fake-socket.ts";
import { XenstoreClient, XenstoreError } from "../../src/transports/xenstore/client.ts";
import { encodeFrame, type Frame, FrameReader, HEADER_SIZE, MAX_PAYLOAD, WireError, XS_TYPE } from "../../src/transports/xenstore/wire.ts";
import { timeoutFor } from "./lib/config.ts";
import { expectClean, fuzz, type FuzzTarget } from "./lib/harness.ts";
import { chunks, mutateBytes, utf8Bytes } from "./lib/mutate.ts";
import { Rng } from "./lib/prng.ts";

const TYPES = Object.values(XS_TYPE);
const WORDS = ["vm-data", "data/host", "data/guest", "/local/domain/7", "ENOENT", "EAGAIN", "EACCES", "OK", "\0", "\0\0", "tether-agent"];

function payloadOf(rng: Rng): Uint8Array {
  return rng.weighted<() => Uint8Array>([
    [4, () => utf8Bytes(`${rng.pick(WORDS)}\0${rng.chance(0.5) ? `${rng.pick(WORDS)}\0` : ""}`)],
    [2, () => rng.bytes(rng.small(MAX_PAYLOAD))],
    [1, () => new Uint8Array(MAX_PAYLOAD).fill(0x61)],
    [1, () => new Uint8Array(0)],
  ])();
}

function frameOf(rng: Rng): Frame {
  return { type: rng.chance(0.9) ? rng.pick(TYPES) : rng.u32(), reqId: rng.chance(0.5) ? rng.int(8) : rng.u32(), txId: rng.chance(0.8) ? 0 : rng.u32(), payload: payloadOf(rng) };
}

/** A stream of frames, then mutated: lengths rewritten, headers cut, bytes flipped. */
function streamOf(rng: Rng): Uint8Array {
  const frames = Array.from({ length: 1 + rng.small(12) }, () => encodeFrame(frameOf(rng)));
  const joined = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    joined.set(f, at);
    at += f.length;
  }
  if (rng.chance(0.3)) return joined;
  const out = mutateBytes(rng, joined, { others: frames, dictionary: WORDS, maxBytes: 1 << 20 });
  // A length field set to the edge now and then: 4096, 4097, 2^32-1.
  if (rng.chance(0.3) && out.length >= HEADER_SIZE) new DataView(out.buffer, out.byteOffset).setUint32(12, rng.pick([MAX_PAYLOAD, MAX_PAYLOAD + 1, 0xffffffff, 0]), true);
  return out;
}

/** Pushes the chunks and takes every frame; WireError ends it (the client then drops the connection). */
function decodeAll(parts: Uint8Array[]): { frames: string[]; error?: string } {
  const reader = new FrameReader();
  const frames: string[] = [];
  try {
    for (const part of parts) {
      reader.push(part);
      for (let f = reader.next(); f; f = reader.next()) {
        if (f.payload.length > MAX_PAYLOAD) throw new Error(`a frame of ${f.payload.length} bytes came out`);
        frames.push(`${f.type}/${f.reqId}/${f.txId}/${Buffer.from(f.payload).toString("hex")}`);
      }
    }
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    return { frames, error: error.message };
  }
  return { frames };
}

const frameTarget: FuzzTarget<{ bytes: Uint8Array; parts: Uint8Array[] }> = {
  name: "xenstore frame decoder",
  file: import.meta.path,
  count: 4000,
  generate(rng) {
    const bytes = streamOf(rng);
    return { bytes, parts: chunks(rng, bytes) };
  },
  run: ({ bytes, parts }) => ({ whole: decodeAll([bytes]), cut: decodeAll(parts) }),
  typed: (e) => e instanceof WireError,
  check(result) {
    // Where the cuts fall must not change what is read.
    const { whole, cut } = result as { whole: ReturnType<typeof decodeAll>; cut: ReturnType<typeof decodeAll> };
    if (JSON.stringify(whole) !== JSON.stringify(cut)) throw new Error(`cut into chunks, the stream reads differently: ${JSON.stringify(whole).slice(0, 200)} vs ${JSON.stringify(cut).slice(0, 200)}`);
  },
  bytes: ({ bytes }) => bytes,
};

/** A xenstored that answers each request as the script says: right, wrong, late or never. */
async function scriptedXenstored(server: ByteStream, rng: Rng): Promise<void> {
  const reader = new FrameReader();
  const send = async (bytes: Uint8Array) => {
    for (const part of rng.chance(0.2) ? chunks(rng, bytes) : [bytes]) await server.write(part);
  };
  const reply = (f: Frame, payload: Uint8Array, type = f.type) => encodeFrame({ type, reqId: f.reqId, txId: f.txId, payload });
  const right = (f: Frame): Uint8Array => {
    switch (f.type) {
      case XS_TYPE.READ:
        return reply(f, utf8Bytes(rng.pick(["value", "", "a\0b", "x".repeat(MAX_PAYLOAD)])));
      case XS_TYPE.DIRECTORY:
        return reply(f, utf8Bytes(rng.pick(["a\0b\0", "", "\0", "only"])));
      case XS_TYPE.TRANSACTION_START:
        return reply(f, utf8Bytes(rng.pick(["17\0", "0\0", "-1\0", "x\0", "99999999999999999999\0"])));
      default:
        return reply(f, utf8Bytes("OK\0"));
    }
  };
  try {
    for (;;) {
      const chunk = await server.read();
      if (chunk === null) return;
      reader.push(chunk);
      for (let f = reader.next(); f; f = reader.next()) {
        const answer = rng.weighted<() => Uint8Array | "close" | null>([
          [10, () => right(f)],
          [2, () => reply(f, utf8Bytes(`${rng.pick(["ENOENT", "EAGAIN", "EACCES", "EINVAL", "", "\0\0", "E".repeat(4000)])}\0`), XS_TYPE.ERROR)],
          [1, () => reply(f, utf8Bytes("OK\0"), rng.pick(TYPES))],
          [1, () => encodeFrame({ type: f.type, reqId: rng.u32(), txId: 0, payload: utf8Bytes("OK\0") })],
          [1, () => encodeFrame({ type: XS_TYPE.WATCH_EVENT, reqId: 0, txId: 0, payload: rng.chance(0.5) ? utf8Bytes("data/host\0tether-agent\0") : payloadOf(rng) })],
          [1, () => streamOf(rng)],
          [0.5, () => "close"],
          [0.3, () => null],
        ])();
        if (answer === "close") return server.close();
        if (answer) await send(answer);
        // Events after a watch, as xenstored fires one at once.
        if (f.type === XS_TYPE.WATCH && rng.chance(0.7)) await send(encodeFrame({ type: XS_TYPE.WATCH_EVENT, reqId: 0, txId: 0, payload: utf8Bytes("data/host\0tether-agent\0") }));
      }
    }
  } catch {
    // The client closed the pair: the script is over.
  }
}

const OPS = ["read", "readIfExists", "directory", "write", "mkdir", "rm", "transaction", "watch", "unwatch", "nextEvent"] as const;

class OpTimeout extends Error {}

/** A session of calls; each must settle within its own deadline (a missing reply is the caller's abort). */
async function session(seed: number): Promise<string[]> {
  const rng = new Rng(seed);
  const [client, server] = streamPair("fuzz-xenstored");
  const xs = new XenstoreClient(client);
  const served = scriptedXenstored(server, new Rng(rng.u32()));
  const outcomes: string[] = [];
  try {
    for (let i = 0; i < 1 + rng.small(8); i++) {
      const op = rng.pick(OPS);
      if (process.env.FUZZ_TRACE) console.log("call", op);
      const signal = AbortSignal.timeout(25);
      const call = (async () => {
        switch (op) {
          case "read":
            return xs.read("vm-data/hostname", signal);
          case "readIfExists":
            return xs.readIfExists("vm-data/x", { signal });
          case "directory":
            return xs.directory("data/host", signal);
          case "write":
            return xs.write("data/guest/1", rng.chance(0.9) ? "reply" : "x".repeat(MAX_PAYLOAD), { signal });
          case "mkdir":
            return xs.mkdir("data/guest", signal);
          case "rm":
            return xs.rm("data/host/1", signal);
          case "transaction":
            return xs.transaction(async (txId) => {
              await xs.read("data/host/1", { txId, signal });
              await xs.write("data/guest/1", "r", { txId, signal });
            }, { signal });
          case "watch":
            return xs.watch("data/host", "tether-agent", signal);
          case "unwatch":
            return xs.unwatch("data/host", "tether-agent", signal);
          case "nextEvent":
            return xs.nextEvent(signal);
        }
      })();
      // A call that ignores its abort would hang here: the harness's bound catches that.
      const settled = await call.then(
        (v) => `${op}: ${JSON.stringify(v ?? null)?.slice(0, 40)}`,
        (e: unknown) => {
          if (e instanceof XenstoreError || e instanceof WireError) return `${op}: ${e.constructor.name}`;
          if (signal.aborted && e === signal.reason) return `${op}: aborted`;
          throw e;
        },
      );
      outcomes.push(settled);
      if (process.env.FUZZ_TRACE) console.log(settled);
    }
  } finally {
    xs.close();
    await Promise.race([served, new Promise((r) => setTimeout(r, 100))]);
  }
  return outcomes;
}

const clientTarget: FuzzTarget<number> = {
  name: "xenstore client against a scripted xenstored",
  file: import.meta.path,
  count: 400,
  generate: (rng) => rng.u32(),
  run: session,
  typed: (e) => e instanceof WireError || e instanceof XenstoreError || e instanceof OpTimeout,
  show: (seed) => `session seed ${seed}`,
  timeLimitMs: 3000,
};

describe("fuzz: xenstore wire", () => {
  for (const t of [frameTarget, clientTarget] as FuzzTarget<unknown>[]) test(t.name, async () => expectClean(await fuzz(t), t), timeoutFor(t.count, 40));
});
