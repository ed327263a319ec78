import { afterEach, describe, expect, test } from "bun:test";
import { connectUnix } from "../../../src/host/real-stream.ts";
import { ChunkQueue, type ByteStream } from "../../../src/host/byte-stream.ts";
import { XenstoreClient, XenstoreError } from "../../../src/transports/xenstore/client.ts";
import { encodeFrame, FrameReader, WireError, XS_TYPE } from "../../../src/transports/xenstore/wire.ts";
import { startTestXenstored, type TestXenstored } from "../../helpers/dev-xenstored.ts";

const open: { xs: TestXenstored[]; clients: XenstoreClient[] } = { xs: [], clients: [] };
afterEach(async () => {
  open.clients.splice(0).forEach((c) => c.close());
  for (const xs of open.xs.splice(0)) await xs.stop();
});

async function setup(options: { quirkReqId?: boolean } = {}) {
  const xs = await startTestXenstored(options);
  open.xs.push(xs);
  const connect = async (as: "guest" | "dom0") => {
    const client = new XenstoreClient(await connectUnix(as === "guest" ? xs.guestSocket : xs.socket, as));
    open.clients.push(client);
    return client;
  };
  return { xs, guest: await connect("guest"), dom0: await connect("dom0"), connect };
}

describe("XenstoreClient against the dev xenstored", () => {
  test("write, read, mkdir, directory, rm, with relative paths under the guest's home", async () => {
    const { guest, xs } = await setup();
    await guest.write("data/guest/a", "hello");
    await guest.mkdir("data/guest/empty");
    expect(xs.store.read("/local/domain/7/data/guest/a")).toBe("hello");
    expect(await guest.read("data/guest/a")).toBe("hello");
    expect((await guest.directory("data/guest")).sort()).toEqual(["a", "empty"]);
    await guest.rm("data/guest");
    expect(await guest.readIfExists("data/guest/a")).toBeUndefined();
    await expect(guest.read("/local/domain/0/name")).rejects.toMatchObject({ errno: "EACCES" });
  });

  test("a transaction commits both writes at once; EAGAIN runs the body again", async () => {
    const { guest, dom0 } = await setup();
    await guest.write("data/counter", "0");
    let runs = 0;
    await guest.transaction(async (txId) => {
      runs++;
      const n = Number(await guest.read("data/counter", { txId }));
      // Someone else writes the node this transaction read, once: the commit must fail and retry.
      if (runs === 1) await dom0.write("/local/domain/7/data/counter", "10");
      await guest.write("data/counter", String(n + 1), { txId });
      await guest.write("data/other", "x", { txId });
    });
    expect(runs).toBe(2);
    expect(await guest.read("data/counter")).toBe("11");
    expect(await guest.read("data/other")).toBe("x");
  });

  test("a body that throws ends the transaction without a commit", async () => {
    const { guest } = await setup();
    await expect(
      guest.transaction(async (txId) => {
        await guest.write("data/half", "1", { txId });
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await guest.readIfExists("data/half")).toBeUndefined();
  });

  test("watch: the first event at once, then one per change, relative as registered", async () => {
    const { guest, dom0 } = await setup();
    await guest.watch("data/host", "tok");
    expect(await guest.nextEvent(AbortSignal.timeout(2000))).toEqual({ path: "data/host", token: "tok" });
    await dom0.write("/local/domain/7/data/host/req1", "{}");
    expect(await guest.nextEvent(AbortSignal.timeout(2000))).toEqual({ path: "data/host/req1", token: "tok" });
    // A request made while events wait in the queue is still answered: events never take a reply's place.
    await dom0.write("/local/domain/7/data/host/req2", "{}");
    expect(await guest.read("data/host/req1")).toBe("{}");
    expect(await guest.nextEvent(AbortSignal.timeout(2000))).toEqual({ path: "data/host/req2", token: "tok" });
    await guest.unwatch("data/host", "tok");
    await expect(guest.unwatch("data/host", "tok")).rejects.toMatchObject({ errno: "ENOENT" });
  });

  test("old kernels' xenbus: replies with a wrong req_id are matched in order, events are never replies", async () => {
    const { guest, dom0 } = await setup({ quirkReqId: true });
    await guest.watch("data/host", "tok");
    await dom0.write("/local/domain/7/data/host/x", "1");
    const reads = await Promise.all([guest.read("data/host/x"), guest.directory("data/host"), guest.readIfExists("data/nothing")]);
    expect(reads).toEqual(["1", ["x"], undefined]);
    expect((await guest.nextEvent(AbortSignal.timeout(2000)))?.token).toBe("tok");
  });

  test("payloads over 4096 bytes are refused before sending, and the connection stays usable", async () => {
    const { guest } = await setup();
    await expect(guest.write("data/big", "x".repeat(4096))).rejects.toBeInstanceOf(WireError);
    await guest.write("data/ok", "y".repeat(4000));
    expect((await guest.read("data/ok")).length).toBe(4000);
  });

  test("xenstored going away fails what is pending and ends the events", async () => {
    const { guest, xs } = await setup();
    await guest.watch("data/host", "tok");
    await guest.nextEvent();
    const waiting = guest.nextEvent();
    await xs.restart();
    expect(await waiting).toBeNull();
    expect(guest.closed).toBeInstanceOf(WireError);
    await expect(guest.read("data")).rejects.toBeInstanceOf(WireError);
  });

  test("an abandoned request keeps its place: the next one gets its own reply", async () => {
    // A peer that answers the first request late and the second at once, both with req_id 0.
    const queue = new ChunkQueue();
    const frames = new FrameReader();
    const sent: number[] = [];
    const reply = (type: number, text: string) => queue.push(encodeFrame({ type, reqId: 0, txId: 0, payload: new TextEncoder().encode(text) }));
    const stream: ByteStream = {
      async write(data) {
        frames.push(data);
        for (let f = frames.next(); f; f = frames.next()) sent.push(f.type);
        if (sent.length === 2) {
          reply(XS_TYPE.READ, "first");
          reply(XS_TYPE.READ, "second");
        }
      },
      read: (signal) => queue.read(signal),
      close: () => queue.end(),
    };
    const client = new XenstoreClient(stream);
    open.clients.push(client);
    const controller = new AbortController();
    const first = client.read("a", controller.signal);
    controller.abort(new Error("gave up"));
    await expect(first).rejects.toThrow("gave up");
    expect(await client.read("b")).toBe("second");
  });

  test("a reply announcing more than 4096 bytes breaks the connection: the request fails, nothing more is read", async () => {
    const queue = new ChunkQueue();
    const header = new Uint8Array(16);
    new DataView(header.buffer).setUint32(0, XS_TYPE.READ, true);
    new DataView(header.buffer).setUint32(12, 5000, true);
    const stream: ByteStream = { write: async () => queue.push(header), read: (signal) => queue.read(signal), close: () => queue.end() };
    const client = new XenstoreClient(stream);
    await expect(client.read("data/x")).rejects.toThrow("frame announces 5000 bytes, over the 4096-byte limit");
    expect(client.closed).toBeInstanceOf(WireError);
  });

  test("an error reply is a XenstoreError naming the path and errno", async () => {
    const { guest } = await setup();
    const error = await guest.read("data/missing").catch((e) => e);
    expect(error).toBeInstanceOf(XenstoreError);
    expect(error.message).toBe("xenstore data/missing: ENOENT");
  });
});
