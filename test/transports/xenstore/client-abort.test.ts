/**
 * Regressions found by the fuzzer (test/fuzz/xenstore-wire.fuzz.test.ts):
 * - a transaction whose body failed waited, without any deadline, for xenstored's answer to the
 *   abort it then sent; a xenstored that had stopped answering held the caller forever;
 * - a request whose write failed (xenstored gone) left its reply promise to be rejected later with
 *   nobody waiting on it: an unhandled rejection, which ends a Bun process (the daemon with it).
 */
import { describe, expect, test } from "bun:test";
import type { ByteStream } from "../../../src/host/byte-stream.ts";
import { streamPair } from "../../../src/host/fake-socket.ts";
import { XenstoreClient } from "../../../src/transports/xenstore/client.ts";
import { encodeFrame, type Frame, FrameReader, XS_TYPE } from "../../../src/transports/xenstore/wire.ts";

/** Answers TRANSACTION_START at once, holds every other reply until `release()`. */
function stalledXenstored(server: ByteStream) {
  const seen: Frame[] = [];
  const held: Frame[] = [];
  const reader = new FrameReader();
  const reply = (f: Frame, text: string) => server.write(encodeFrame({ type: f.type, reqId: f.reqId, txId: f.txId, payload: new TextEncoder().encode(text) }));
  void (async () => {
    for (let chunk = await server.read(); chunk; chunk = await server.read().catch(() => null)) {
      reader.push(chunk);
      for (let f = reader.next(); f; f = reader.next()) {
        seen.push(f);
        if (f.type === XS_TYPE.TRANSACTION_START) await reply(f, "17\0");
        else held.push(f);
      }
    }
  })();
  return {
    seen,
    async release() {
      for (const f of held.splice(0)) await reply(f, f.type === XS_TYPE.READ ? `value of ${f.reqId}` : "OK\0");
    },
  };
}

describe("XenstoreClient.transaction when the body fails", () => {
  test("rejects as soon as the body does, the abort sent but not waited for", async () => {
    const [client, server] = streamPair("xs");
    const xs = new XenstoreClient(client);
    const xenstored = stalledXenstored(server);
    const signal = AbortSignal.timeout(30);
    const started = performance.now();
    const outcome = await xs.transaction(async (txId) => void (await xs.read("data/host/1", { txId, signal })), { signal }).then(
      () => "resolved",
      (e: unknown) => (e === signal.reason ? "aborted" : String(e)),
    );
    expect(outcome).toBe("aborted");
    expect(performance.now() - started).toBeLessThan(1000);
    // The abort did go out: TRANSACTION_END "F" on transaction 17.
    const end = xenstored.seen.find((f) => f.type === XS_TYPE.TRANSACTION_END);
    expect(end && { txId: end.txId, payload: new TextDecoder().decode(end.payload) }).toEqual({ txId: 17, payload: "F\0" });

    // Late answers to the abandoned requests are matched and dropped: the next read gets its own.
    await xenstored.release();
    const next = xs.read("vm-data/hostname");
    await new Promise((r) => setTimeout(r, 10));
    const asked = xenstored.seen[xenstored.seen.length - 1]!;
    expect(asked.type).toBe(XS_TYPE.READ);
    await xenstored.release();
    expect(await next).toBe(`value of ${asked.reqId}`);
    xs.close();
  });
});

describe("XenstoreClient when the connection is gone before the write", () => {
  test("the caller gets the write's error, and nothing is left to reject unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const [client, server] = streamPair("xs");
      const xs = new XenstoreClient(client);
      server.close();
      await expect(xs.read("vm-data/hostname")).rejects.toThrow("connection closed");
      // The pump sees the end and fails what is pending: that must reach no one unasked.
      await new Promise((r) => setTimeout(r, 20));
      expect(xs.closed?.message).toBe("xenstored closed the connection");
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
