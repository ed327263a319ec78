import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChunkQueue, type ByteStream } from "../../../src/host/byte-stream.ts";
import { createLogger } from "../../../src/host/logger.ts";
import { QgaError } from "../../../src/transports/virtio/qga-types.ts";
import { checkRequest, encodeReply, qdictOrder, serveQgaSession, type QgaDispatch, type QgaOutcome } from "../../../src/transports/virtio/qga-session.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const silent = createLogger({ level: "silent", json: true });

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Reads a byte queue line by line ("\n" included), as a host reads the port. */
class LineReader {
  #pending: Uint8Array = new Uint8Array(0);
  constructor(readonly queue: ChunkQueue) {}
  async line(): Promise<Uint8Array | null> {
    for (;;) {
      const nl = this.#pending.indexOf(0x0a);
      if (nl >= 0) {
        const line = this.#pending.slice(0, nl + 1);
        this.#pending = this.#pending.slice(nl + 1);
        return line;
      }
      const chunk = await this.queue.read();
      if (chunk === null) return this.#pending.length ? this.#pending : null;
      this.#pending = concat(this.#pending, chunk);
    }
  }
  /** Everything until the stream ends. */
  async rest(): Promise<Uint8Array> {
    for (;;) {
      const chunk = await this.queue.read();
      if (chunk === null) return this.#pending;
      this.#pending = concat(this.#pending, chunk);
    }
  }
}

/** An in-memory connection: the host side writes requests and reads replies, the session serves it. */
function connect(dispatch: QgaDispatch, options: { maxRequestBytes?: number; signal?: AbortSignal; log?: ReturnType<typeof createLogger>; stream?: Partial<ByteStream> } = {}) {
  const toGuest = new ChunkQueue();
  const toHost = new ChunkQueue();
  const stream: ByteStream = {
    write: async (data) => toHost.push(data.slice()),
    read: (signal) => toGuest.read(signal),
    close: () => undefined,
    ...options.stream,
  };
  const done = serveQgaSession(stream, dispatch, { maxRequestBytes: options.maxRequestBytes ?? 1 << 20, signal: options.signal, log: options.log ?? silent }).finally(() => toHost.end());
  const reader = new LineReader(toHost);
  return {
    send: (data: string | Uint8Array) => toGuest.push(typeof data === "string" ? encoder.encode(data) : data),
    end: () => toGuest.end(),
    line: async () => {
      const line = await reader.line();
      return line === null ? null : decoder.decode(line);
    },
    json: async () => JSON.parse(decoder.decode((await reader.line()) ?? encoder.encode("null"))),
    rest: () => reader.rest(),
    done,
  };
}

const missing = (member: string): QgaOutcome => ({ error: { class: "GenericError", desc: `Parameter '${member}' is missing` } });

/** Answers like qemu-ga for the few commands these tests use. */
const qemuLike: QgaDispatch = async (execute, args) => {
  const a = args as Record<string, unknown>;
  switch (execute) {
    case "guest-ping":
      return { return: {} };
    case "guest-sync":
    case "guest-sync-delimited":
      if (!("id" in a)) return missing("id");
      if (typeof a.id !== "number" || !Number.isInteger(a.id)) return { error: { class: "GenericError", desc: "Invalid parameter type for 'id', expected: integer" } };
      return { return: a.id };
    case "guest-info":
      return { return: { version: "test", supported_commands: [] } };
    case "guest-shutdown":
      return { noReply: true };
    case "guest-get-time":
      return { error: { class: "CommandNotFound", desc: "Command guest-get-time has been disabled" } };
    default:
      return { error: { class: "CommandNotFound", desc: `The command ${execute} has not been found` } };
  }
};

describe("serveQgaSession: how hosts talk", () => {
  test("libvirt: guest-sync with an id, then the command once the id came back", async () => {
    const c = connect(qemuLike);
    c.send('{"execute":"guest-sync", "arguments":{"id":1700000000123}}\n');
    expect(await c.line()).toBe('{"return":1700000000123}\n');
    c.send('{"execute":"guest-info"}\n');
    expect(await c.json()).toEqual({ return: { version: "test", supported_commands: [] } });
    c.end();
    await c.done;
  });

  test("Proxmox: guest-sync-delimited and the command in ONE write, read with Proxmox's own regex", async () => {
    const c = connect(qemuLike);
    // PVE::QMPClient writes both with to_json . "\n" and matches the input with this expression.
    c.send('{"arguments":{"id":123450},"execute":"guest-sync-delimited"}\n{"arguments":{},"execute":"guest-ping"}\n');
    c.end();
    await c.done;
    const input = Buffer.from(await c.rest()).toString("latin1");
    const match = /^.*\xff([^\n]+}\r?\n[^\n]+})\r?\n(.*)$/s.exec(input);
    expect(match).not.toBeNull();
    const [sync, reply] = (match?.[1] as string).split("\n");
    expect(JSON.parse(sync as string)).toEqual({ return: 123450 });
    expect(JSON.parse(reply as string)).toEqual({ return: {} });
    expect(match?.[2]).toBe("");
    expect(input.charCodeAt(0)).toBe(0xff);
  });

  test("qemu-ga-client (qemu's python qmp): guest-ping, then guest-sync with a random id", async () => {
    const c = connect(qemuLike);
    c.send('{"execute": "guest-ping"}');
    expect(await c.line()).toBe('{"return":{}}\n');
    const id = Math.floor(Math.random() * 2 ** 32);
    c.send(`{"execute": "guest-sync", "arguments": {"id": ${id}}}`);
    expect(await c.json()).toEqual({ return: id });
    c.end();
    await c.done;
  });

  test("a host that flushes with 0xFF first: the reset is not answered, the delimited reply starts with 0xFF", async () => {
    const c = connect(qemuLike);
    c.send(concat(encoder.encode('{"execute":"guest-inf'), concat(Uint8Array.of(0xff), encoder.encode('{"execute":"guest-sync-delimited","arguments":{"id":42}}'))));
    c.end();
    await c.done;
    expect(Array.from(await c.rest())).toEqual([0xff, ...encoder.encode('{"return":42}\n')]);
  });
});

describe("serveQgaSession: requests checked as qemu-ga's qmp_dispatch does", () => {
  const cases: [string, string][] = [
    ["123 ", '{"error":{"class":"GenericError","desc":"QMP input must be a JSON object"}}'],
    ['"guest-ping"', '{"error":{"class":"GenericError","desc":"QMP input must be a JSON object"}}'],
    ['[{"execute":"guest-ping","id":1}]', '{"error":{"class":"GenericError","desc":"QMP input must be a JSON object"}}'],
    ["{}", '{"error":{"class":"GenericError","desc":"QMP input lacks member \'execute\'"}}'],
    ['{"id":9,"arguments":{}}', '{"id":9,"error":{"class":"GenericError","desc":"QMP input lacks member \'execute\'"}}'],
    ['{"execute":1,"id":9}', '{"id":9,"error":{"class":"GenericError","desc":"QMP input member \'execute\' must be a string"}}'],
    ['{"execute":"guest-ping","arguments":[]}', '{"error":{"class":"GenericError","desc":"QMP input member \'arguments\' must be an object"}}'],
    ['{"execute":"guest-ping","arguments":"x","id":"a"}', '{"id":"a","error":{"class":"GenericError","desc":"QMP input member \'arguments\' must be an object"}}'],
    ['{"execute":"guest-ping","arguments":null}', '{"error":{"class":"GenericError","desc":"QMP input member \'arguments\' must be an object"}}'],
    ['{"execute":"guest-ping","foo":1,"id":9}', '{"id":9,"error":{"class":"GenericError","desc":"QMP input member \'foo\' is unexpected"}}'],
    ['{"exec-oob":"guest-ping"}', '{"error":{"class":"GenericError","desc":"QMP input member \'exec-oob\' is unexpected"}}'],
    ['{"execute":"guest-ping","exec-oob":"guest-ping"}', '{"error":{"class":"GenericError","desc":"QMP input member \'exec-oob\' is unexpected"}}'],
    // Several faults: qemu names the first in its QDict's hash order, not in the order sent.
    ['{"foo":2,"arguments":1}', '{"error":{"class":"GenericError","desc":"QMP input member \'arguments\' must be an object"}}'],
    ['{"bar":1,"arguments":2}', '{"error":{"class":"GenericError","desc":"QMP input member \'bar\' is unexpected"}}'],
    ['{"zzz":1,"execute":1}', '{"error":{"class":"GenericError","desc":"QMP input member \'execute\' must be a string"}}'],
    ['{"b":1,"a":2,"execute":3}', '{"error":{"class":"GenericError","desc":"QMP input member \'a\' is unexpected"}}'],
  ];
  for (const [request, reply] of cases) {
    test(`${request} → ${reply}`, async () => {
      const c = connect(qemuLike);
      c.send(`${request}{"execute":"guest-ping","id":"next"}`);
      expect(await c.line()).toBe(`${reply}\n`);
      expect(await c.line()).toBe('{"return":{},"id":"next"}\n');
      c.end();
      await c.done;
    });
  }

  test("a rejected request never reaches dispatch", async () => {
    const seen: string[] = [];
    const c = connect(async (execute, args) => {
      seen.push(execute);
      return qemuLike(execute, args);
    });
    c.send('{"execute":"guest-ping","foo":1} {"execute":"guest-info","arguments":[]} {"execute":"guest-ping"}');
    for (let i = 0; i < 3; i++) await c.line();
    c.end();
    await c.done;
    expect(seen).toEqual(["guest-ping"]);
  });

  test("dispatch gets the arguments object, {} when none was sent", async () => {
    const got: unknown[] = [];
    const c = connect(async (execute, args) => {
      got.push([execute, args]);
      return { return: {} };
    });
    c.send('{"execute":"a"}{"execute":"b","arguments":{"x":[1,{"y":null}]}}');
    await c.line();
    await c.line();
    c.end();
    await c.done;
    expect(got).toEqual([
      ["a", {}],
      ["b", { x: [1, { y: null }] }],
    ]);
  });

  test("the id, of every JSON type, is copied into the reply after return and before error", async () => {
    const c = connect(qemuLike);
    const ids = ["1", "-7", "1.5", '"abc"', "null", "true", "false", "[1,2]", '{"a":{"b":[]}}', '"é😀"'];
    for (const id of ids) {
      c.send(`{"execute":"guest-ping","id":${id}}{"id":${id},"execute":"nope"}`);
      expect(await c.line()).toBe(`{"return":{},"id":${id}}\n`);
      expect(await c.line()).toBe(`{"id":${id},"error":{"class":"CommandNotFound","desc":"The command nope has not been found"}}\n`);
    }
    c.end();
    await c.done;
  });

  test("qdictOrder reproduces qemu's member order (checked against qemu-ga 7.2's replies)", () => {
    expect(qdictOrder(["id", "return"])).toEqual(["return", "id"]);
    expect(qdictOrder(["error", "id"])).toEqual(["id", "error"]);
    expect(qdictOrder(["class", "desc"])).toEqual(["class", "desc"]);
    expect(qdictOrder(["zzz", "execute"])).toEqual(["execute", "zzz"]);
    expect(qdictOrder(["b", "a", "execute"])).toEqual(["a", "execute", "b"]);
  });

  test("checkRequest alone", () => {
    expect(checkRequest({ execute: "guest-ping", id: 1 })).toEqual({ ok: true, execute: "guest-ping", args: {} });
    expect(checkRequest({ arguments: { a: 1 }, execute: "x" })).toEqual({ ok: true, execute: "x", args: { a: 1 } });
    expect(checkRequest({ id: 1 })).toEqual({ ok: false, desc: "QMP input lacks member 'execute'" });
  });
});

describe("serveQgaSession: replies", () => {
  test("parse errors are GenericError replies without an id; the next request is still served", async () => {
    const c = connect(qemuLike);
    c.send('{"execute":"guest-ping" 1}{"execute":@}\n{"execute":"guest-ping","id":2}');
    expect(await c.line()).toBe('{"error":{"class":"GenericError","desc":"JSON parse error, expected separator in dict"}}\n');
    expect(await c.line()).toBe('{"error":{"class":"GenericError","desc":"JSON parse error, stray \'@\'"}}\n');
    expect(await c.line()).toBe('{"error":{"class":"GenericError","desc":"JSON parse error, expecting value"}}\n');
    expect(await c.line()).toBe('{"return":{},"id":2}\n');
    c.end();
    await c.done;
  });

  test("an oversized request is answered with an error, and the next one is served", async () => {
    const c = connect(qemuLike, { maxRequestBytes: 1024 });
    c.send(`{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"${"QUJD".repeat(5000)}"},"id":5}`);
    c.send('{"execute":"guest-sync","arguments":{"id":6}}');
    expect(await c.line()).toBe('{"error":{"class":"GenericError","desc":"request too large: over the 1024-byte limit"}}\n');
    expect(await c.line()).toBe('{"return":6}\n');
    c.end();
    await c.done;
  });

  test("guest-sync-delimited: 0xFF before its return only, not before its error", async () => {
    const c = connect(qemuLike);
    c.send('{"execute":"guest-sync-delimited","arguments":{"id":7},"id":"x"}{"execute":"guest-sync-delimited","id":4}{"execute":"guest-sync","arguments":{"id":8}}');
    c.end();
    await c.done;
    const text = Buffer.from(await c.rest()).toString("latin1");
    expect(text).toBe('\xff{"return":7,"id":"x"}\n{"id":4,"error":{"class":"GenericError","desc":"Parameter \'id\' is missing"}}\n{"return":8}\n');
  });

  test("noReply (guest-shutdown) writes nothing; the next request's reply comes next", async () => {
    const c = connect(qemuLike);
    c.send('{"execute":"guest-shutdown","id":1}{"execute":"guest-ping","id":2}');
    c.end();
    await c.done;
    expect(decoder.decode(await c.rest())).toBe('{"return":{},"id":2}\n');
  });

  test("a dispatch that throws is a GenericError with its message; a thrown QgaError keeps its class", async () => {
    const c = connect(async (execute) => {
      if (execute === "boom") throw new Error("disk on fire");
      if (execute === "typed") throw new QgaError("DeviceNotFound", "no such device");
      throw "a string";
    });
    c.send('{"execute":"boom","id":1}{"execute":"typed"}{"execute":"other"}');
    expect(await c.line()).toBe('{"id":1,"error":{"class":"GenericError","desc":"disk on fire"}}\n');
    expect(await c.line()).toBe('{"error":{"class":"DeviceNotFound","desc":"no such device"}}\n');
    expect(await c.line()).toBe('{"error":{"class":"GenericError","desc":"a string"}}\n');
    c.end();
    await c.done;
  });

  test("one request at a time, in order: a slow command delays the next reply", async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const c = connect(async (execute) => {
      running++;
      most = Math.max(most, running);
      order.push(`start ${execute}`);
      await Bun.sleep(execute === "slow" ? 50 : 1);
      order.push(`end ${execute}`);
      running--;
      return { return: execute };
    });
    c.send('{"execute":"slow"}{"execute":"fast"}{"execute":"slow"}');
    expect(await c.line()).toBe('{"return":"slow"}\n');
    expect(await c.line()).toBe('{"return":"fast"}\n');
    expect(await c.line()).toBe('{"return":"slow"}\n');
    c.end();
    await c.done;
    expect(most).toBe(1);
    expect(order).toEqual(["start slow", "end slow", "start fast", "end fast", "start slow", "end slow"]);
  });

  test("encodeReply: undefined return is {}, a value JSON cannot carry is a GenericError (no 0xFF)", () => {
    expect(decoder.decode(encodeReply({}, { return: undefined }) as Uint8Array)).toBe('{"return":{}}\n');
    expect(decoder.decode(encodeReply({ id: 3 }, { return: 10n }, "guest-sync-delimited") as Uint8Array)).toMatch(/^\{"id":3,"error":\{"class":"GenericError","desc":"the reply cannot be written as JSON: .+"\}\}\n$/);
    expect(encodeReply({ id: 1 }, { noReply: true })).toBeNull();
    expect(Array.from(encodeReply({}, { return: 5 }, "guest-sync-delimited") as Uint8Array)).toEqual([0xff, ...encoder.encode('{"return":5}\n')]);
  });
});

describe("serveQgaSession: the connection's life", () => {
  test("ends when the stream ends, with a partial request pending", async () => {
    const c = connect(qemuLike);
    c.send('{"execute":"guest-pi');
    c.end();
    await c.done;
    expect((await c.rest()).length).toBe(0);
  });

  test("each connection starts with a fresh parser", async () => {
    const first = connect(qemuLike);
    first.send('{"execute":"guest-ping","arguments":{"a":"');
    first.end();
    await first.done;
    const second = connect(qemuLike);
    second.send('{"execute":"guest-ping","id":2}');
    expect(await second.line()).toBe('{"return":{},"id":2}\n');
    second.end();
    await second.done;
  });

  test("a write failure (the peer is gone) ends the session quietly", async () => {
    let writes = 0;
    const seen: string[] = [];
    const c = connect(
      async (execute) => {
        seen.push(execute);
        return { return: {} };
      },
      {
        stream: {
          write: async () => {
            writes++;
            throw new Error("EPIPE");
          },
        },
      },
    );
    c.send('{"execute":"first"}{"execute":"second"}');
    await c.done; // resolves, though the stream never ended
    expect(writes).toBe(1);
    expect(seen).toEqual(["first"]);
  });

  test("a failing read rejects (the caller decides what to do with the port)", async () => {
    const queue = new ChunkQueue();
    queue.end(new Error("EIO"));
    const stream: ByteStream = { write: async () => undefined, read: (s) => queue.read(s), close: () => undefined };
    await expect(serveQgaSession(stream, qemuLike, { maxRequestBytes: 1000, log: silent })).rejects.toThrow("EIO");
  });

  test("the signal stops it while waiting, and after the request in hand", async () => {
    const idle = new AbortController();
    const c = connect(qemuLike, { signal: idle.signal });
    c.send('{"execute":"guest-ping"}');
    expect(await c.line()).toBe('{"return":{}}\n');
    idle.abort();
    await c.done;

    const busy = new AbortController();
    let release = () => {};
    const d = connect(
      async (execute) => {
        if (execute === "slow") await new Promise<void>((r) => (release = r));
        return { return: execute };
      },
      { signal: busy.signal },
    );
    d.send('{"execute":"slow"}{"execute":"after"}');
    await Bun.sleep(10);
    busy.abort();
    release();
    await d.done;
    expect(decoder.decode(await d.rest())).toBe('{"return":"slow"}\n');
  });

  test("logs each request's name and outcome at debug under [qga], never its arguments", async () => {
    const lines: string[] = [];
    const log = createLogger({ level: "debug", json: true, write: (l) => void lines.push(l) });
    const c = connect(
      async (execute) => (execute === "guest-set-user-password" ? { return: {} } : { error: { class: "CommandNotFound", desc: "x" } }),
      { log: log.withTag("qga") },
    );
    c.send('{"execute":"guest-set-user-password","arguments":{"username":"root","password":"aHVudGVyMg=="}}');
    c.send('{"execute":"nope","arguments":{"password":"aHVudGVyMg=="}}');
    c.send('{"execute":"x","arguments":{"password":"hunter2\u0001"}}');
    c.send('{"execute":"x","arguments":{"password":hunter}}');
    for (let i = 0; i < 6; i++) await c.line();
    c.end();
    await c.done;
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries.map((e) => e.tag)).toEqual(entries.map(() => "qga"));
    expect(entries.map((e) => e.msg)).toContain("guest-set-user-password: return");
    expect(entries.map((e) => e.msg)).toContain("nope: CommandNotFound");
    expect(lines.join("")).not.toContain("aHVudGVyMg");
    expect(lines.join("")).not.toContain("hunter");
  });
});

// ---------------------------------------------------------------------------------------------
// Lane 2: the same bytes sent to Debian's real qemu-ga and to our session, replies compared.
// ---------------------------------------------------------------------------------------------

const PATH = `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`;
const ALLOWED = ["guest-ping", "guest-sync", "guest-sync-delimited", "guest-info"];
const SENTINEL = 987654321;

interface Shape {
  delimited: boolean;
  keys: string[];
  class?: string;
  id?: unknown;
  return?: unknown;
}

function shapes(lines: Uint8Array[]): { shapes: Shape[]; descs: string[] } {
  const out: Shape[] = [];
  const descs: string[] = [];
  for (const line of lines) {
    const delimited = line[0] === 0xff;
    const reply = JSON.parse(decoder.decode(line.subarray(delimited ? 1 : 0)));
    const shape: Shape = { delimited, keys: Object.keys(reply) };
    if ("id" in reply) shape.id = reply.id;
    if (reply.error) {
      shape.class = reply.error.class;
      descs.push(reply.error.desc);
    } else shape.return = reply.return;
    out.push(shape);
  }
  return { shapes: out, descs };
}

/** Sends `input`, then a newline and a guest-sync; returns the reply lines before the sync's. */
async function exchange(connection: { send(data: Uint8Array): void; line(): Promise<Uint8Array | null> }, input: Uint8Array): Promise<Uint8Array[]> {
  connection.send(concat(input, encoder.encode(`\n{"execute":"guest-sync","arguments":{"id":${SENTINEL}}}`)));
  const lines: Uint8Array[] = [];
  for (;;) {
    const line = await connection.line();
    if (line === null) throw new Error(`the connection ended after ${lines.length} lines`);
    if (decoder.decode(line).replace(/\s/g, "") === `{"return":${SENTINEL}}`) return lines;
    lines.push(line);
  }
}

async function ours(input: Uint8Array): Promise<Uint8Array[]> {
  const toGuest = new ChunkQueue();
  const toHost = new ChunkQueue();
  const stream: ByteStream = { write: async (d) => toHost.push(d.slice()), read: (s) => toGuest.read(s), close: () => undefined };
  const done = serveQgaSession(stream, qemuLike, { maxRequestBytes: 1 << 20, log: silent });
  const reader = new LineReader(toHost);
  const lines = await exchange({ send: (d) => toGuest.push(d), line: () => reader.line() }, input);
  toGuest.end();
  await done;
  return lines;
}

let qga: { process: ReturnType<typeof Bun.spawn>; dir: string; socket: string; version: string } | undefined;

async function theirs(input: Uint8Array): Promise<Uint8Array[]> {
  const queue = new ChunkQueue();
  const socket = await Bun.connect({
    unix: (qga as NonNullable<typeof qga>).socket,
    socket: { data: (_s, d) => queue.push(new Uint8Array(d)), close: () => queue.end(), end: () => queue.end(), error: (_s, e) => queue.end(e) },
  });
  const reader = new LineReader(queue);
  try {
    return await exchange({ send: (d) => void socket.write(d), line: () => reader.line() }, input);
  } finally {
    socket.end();
  }
}

const raw = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Inputs where our replies must have qemu-ga's shapes: same count, order, classes, ids, returns, members. */
const SAME: string[] = [
  '{"execute":"guest-ping"}',
  '{"execute":"guest-ping","id":1}',
  '{"id":"a","execute":"guest-ping"}',
  ...["null", "true", "[1,2]", '{"a":[true,false,null]}', "1.5", "-3", '"é"'].map((id) => `{"execute":"guest-ping","id":${id}}`),
  '{"execute":"guest-sync","arguments":{"id":12345}}',
  '{"execute":"guest-sync-delimited","arguments":{"id":7},"id":"x"}{"execute":"guest-ping","id":6}',
  '{"execute":"guest-sync-delimited","id":4}',
  '{"execute":"guest-sync","id":null}',
  '{"execute":"nope","id":"a"}',
  '{"execute":"guest-get-time","id":[1]}',
  "{'execute':'guest-ping','id':'q'}",
  // qemu_dispatch's checks
  "123 ",
  '"x"',
  "[1,2]",
  "{}",
  '{"arguments":{}}',
  '{"id":9}',
  '{"execute":1}',
  '{"id":9,"execute":1}',
  '{"execute":"guest-ping","arguments":[]}',
  '{"id":9,"arguments":[]}',
  '{"execute":"guest-ping","foo":1}',
  '{"execute":"guest-ping","foo":1,"id":9}',
  '{"exec-oob":"guest-ping"}',
  '{"execute":"guest-ping","exec-oob":"guest-ping"}',
  '{"execute":"guest-ping","execute-oob":1}',
  '{"arguments":1,"foo":2}',
  '{"foo":2,"arguments":1}',
  '{"zzz":1,"execute":1}',
  '{"b":1,"a":2,"execute":3}',
  '{"x":1,"y":1,"z":1}',
  // the parser
  "}",
  "]",
  ",",
  '{"execute":"guest-ping"}}{"execute":"guest-ping","id":2}',
  '@ {"execute":"guest-ping","id":1}',
  'abc{"execute":"guest-ping","id":1}',
  '{"execute":@}{"execute":"guest-ping","id":1}',
  '{"execute":"guest-ping" 1}{"execute":"guest-ping","id":2}',
  '{"execute":"guest-ping","execute":"guest-info"}',
  '{"execute":"guest-ping",}',
  '{"execute" "guest-ping"}',
  "{1:2}",
  "[1 2]",
  "[1,]",
  '{"execute":tru}',
  '{"execute":"a\\x"}',
  '{"execute":"\\u00"}',
  '{"execute":"guest-ping","id":"\\ud83d\\ude00"}',
  '{"execute":"guest-ping","id":"\\ud83d"}',
  '{"execute":"guest-ping","id":"\\ufdd0"}',
  '{"execute":"guest-ping","id":"\\u0000"}',
  '{"execute":"guest-ping","id":"\xc3\xa9"}',
  '{"execute":"guest-ping","id":"\xc3"}',
  '{"execute":"guest-ping","id":"\xc0\x80"}',
  '{"execute":"guest-ping","id":"\xef\xbb\xbfx"}',
  '{"execute":"guest-ping","id":"\\"\\\\\\/\\b\\f\\n\\r\\t\\\'"}',
  '{"execute":"guest-ping","id":"\xef\xbf\xbf"}',
  '{"execute":"guest-ping","id":"\xed\xa0\x80"}',
  '{"execute":"guest-ping","id":"\xfe"}',
  '{"execute":"guest-ping","id":"a\tb"}',
  '{"execute":"guest-ping","id":"a\nb"}{"execute":"guest-ping","id":2}',
  '{"execute":"guest-ping","id":01}',
  '{"execute":"guest-ping","id":-}',
  '{"execute":"guest-ping","id":1.}',
  '{"execute":"guest-ping","id":.5}',
  '{"execute":"guest-ping","id":1e}',
  '{"execute":"guest-ping","id":TRUE}',
  '{"execute":"guest-ping","id":1E2}',
  "{]",
  "[}",
  '{"a":1]',
  "[{]}",
  '{"a"}',
  '{"a":}',
  "{,}",
  '{"a":1,}',
  `{"execute":"guest-ping","id":"${"x".repeat(300)}\u0001"}`,
  ' {"execute":"guest-ping"}\r\n{"execute":"guest-ping","id":2}\n',
  '{"execute":"guest-ping"}123 {"execute":"guest-ping","id":1}',
  '@@@garbage{"execute":"guest-ping","id":3}',
  '{"execute":"guest-ping","arguments":{"x":@ oops\n{"execute":"guest-ping","id":4}',
  // how hosts talk
  '{"execute":"guest-sync", "arguments":{"id":1700000000123}}\n{"execute":"guest-ping"}\n',
  '{"arguments":{"id":123450},"execute":"guest-sync-delimited"}\n{"arguments":{},"execute":"guest-ping"}\n',
];

describe("against Debian's qemu-ga (unix-listen, only ping/sync/info allowed)", () => {
  beforeAll(async () => {
    let program = Bun.which("qemu-ga", { PATH });
    if (!program) {
      const install = Bun.spawnSync(["apt-get", "install", "-y", "--no-install-recommends", "qemu-guest-agent"], { env: { PATH, DEBIAN_FRONTEND: "noninteractive" } });
      program = Bun.which("qemu-ga", { PATH });
      if (!program) throw new Error(`qemu-ga is missing and apt-get install qemu-guest-agent failed (exit ${install.exitCode}): ${install.stderr.toString().slice(-500)}`);
    }
    const help = Bun.spawnSync([program, "--help"]).stdout.toString();
    const version = /QEMU Guest Agent (\S+)/.exec(help)?.[1] ?? "?";
    // --allow-rpcs came in qemu 8.0; before it, block everything else.
    let policy: string[];
    if (help.includes("--allow-rpcs")) policy = ["--allow-rpcs", ALLOWED.join(",")];
    else {
      const all = Bun.spawnSync([program, "-b", "help"]).stdout.toString().split(/\s+/).filter(Boolean);
      expect(all).toContain("guest-exec");
      policy = ["-b", all.filter((c) => !ALLOWED.includes(c)).join(",")];
    }
    const dir = mkdtempSync(join(tmpdir(), "tether-qga-"));
    const socket = join(dir, "qga.sock");
    const proc = Bun.spawn([program, "-m", "unix-listen", "-p", socket, "-t", dir, "-f", join(dir, "qga.pid"), ...policy], { stdout: "ignore", stderr: "pipe" });
    qga = { process: proc, dir, socket, version };
    const deadline = Date.now() + 10_000;
    while (!existsSync(socket)) {
      if (proc.exitCode !== null) throw new Error(`qemu-ga exited ${proc.exitCode}: ${await new Response(proc.stderr as ReadableStream).text()}`);
      if (Date.now() > deadline) throw new Error("qemu-ga did not create its socket");
      await Bun.sleep(20);
    }
  }, 300_000);

  afterAll(async () => {
    if (!qga) return;
    qga.process.kill();
    await qga.process.exited;
    rmSync(qga.dir, { recursive: true, force: true });
  });

  test("the blocked commands are really blocked (qemu-ga can change nothing)", async () => {
    const [line] = await theirs(encoder.encode('{"execute":"guest-shutdown"}'));
    expect(JSON.parse(decoder.decode(line as Uint8Array)).error.class).toBe("CommandNotFound");
  });

  test("same reply shapes (count, order, class, id, return, members, 0xFF) for every input", async () => {
    const mismatches: string[] = [];
    const descDiffs: string[] = [];
    for (const input of SAME) {
      const bytes = raw(input);
      const [a, b] = [shapes(await theirs(bytes)), shapes(await ours(bytes))];
      if (!Bun.deepEquals(a.shapes, b.shapes)) mismatches.push(`${JSON.stringify(input)}\n  qemu-ga: ${JSON.stringify(a.shapes)}\n  ours:    ${JSON.stringify(b.shapes)}`);
      a.descs.forEach((desc, i) => {
        if (desc !== b.descs[i]) descDiffs.push(`${JSON.stringify(input).slice(0, 60)}: qemu-ga ${JSON.stringify(desc).slice(0, 100)} / ours ${JSON.stringify(b.descs[i]).slice(0, 100)}`);
      });
    }
    if (descDiffs.length) console.log(`qemu-ga ${qga?.version}: desc differences (shapes equal):\n${descDiffs.join("\n")}`);
    expect(mismatches).toEqual([]);
    // Our words are qemu-ga's except where an echo is cut short: at most that one case differs.
    expect(descDiffs.length).toBeLessThanOrEqual(1);
  }, 60_000);

  test("where we differ on purpose", async () => {
    // 1. 0xFF: qemu-ga answers it with a "stray" error line; we answer nothing (a host sending it
    //    must skip everything before the 0xFF-delimited reply anyway).
    const flush = concat(Uint8Array.of(0xff), encoder.encode('{"execute":"guest-sync-delimited","arguments":{"id":5}}'));
    const [theirFlush, ourFlush] = [shapes(await theirs(flush)), shapes(await ours(flush))];
    expect(theirFlush.shapes).toEqual([
      { delimited: false, keys: ["error"], class: "GenericError" },
      { delimited: true, keys: ["return"], return: 5 },
    ]);
    expect(theirFlush.descs).toEqual(["JSON parse error, stray '\uFFFD'"]);
    expect(ourFlush.shapes).toEqual([{ delimited: true, keys: ["return"], return: 5 }]);

    // 2. Nesting: qemu-ga allows 1024 levels, we 64.
    const deep = encoder.encode(`{"execute":"guest-ping","id":${"[".repeat(100)}${"]".repeat(100)}}`);
    expect(shapes(await theirs(deep)).shapes.map((s) => s.keys)).toEqual([["return", "id"]]);
    expect(shapes(await ours(deep)).descs).toEqual(["JSON nesting depth limit exceeded"]);

    // 3. Over a limit qemu-ga resets its counts and reads the rest of the value as new values
    //    (an error each); we answer once and skip to the value's end.
    const deeper = encoder.encode(`${"[".repeat(1100)}${"]".repeat(1100)}{"execute":"guest-ping","id":1}`);
    const [theirDeep, ourDeep] = [shapes(await theirs(deeper)), shapes(await ours(deeper))];
    expect(theirDeep.descs[0]).toBe("JSON nesting depth limit exceeded");
    expect(theirDeep.shapes.length).toBeGreaterThan(2);
    expect(ourDeep.descs).toEqual(["JSON nesting depth limit exceeded"]);
    expect(ourDeep.shapes.at(-1)).toEqual(theirDeep.shapes.at(-1) as Shape);

    // 4. Integers past 2^53 are doubles here; qemu-ga echoes a u64 exactly.
    const big = encoder.encode('{"execute":"guest-ping","id":12345678901234567890}');
    expect(decoder.decode((await theirs(big))[0] as Uint8Array)).toBe('{"return": {}, "id": 12345678901234567890}\n');
    expect(decoder.decode((await ours(big))[0] as Uint8Array)).toBe('{"return":{},"id":12345678901234567000}\n');

    // 5. Spacing and escapes: qemu-ga writes ": " and ", " and \uXXXX for non-ASCII; we write
    //    JSON.stringify's compact form in UTF-8. Same JSON.
    const e = encoder.encode('{"execute":"guest-ping","id":"é"}');
    expect(decoder.decode((await theirs(e))[0] as Uint8Array)).toBe('{"return": {}, "id": "\\u00E9"}\n');
    expect(decoder.decode((await ours(e))[0] as Uint8Array)).toBe('{"return":{},"id":"é"}\n');
  }, 60_000);
});
