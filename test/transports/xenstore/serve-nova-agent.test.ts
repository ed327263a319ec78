import { afterEach, describe, expect, test } from "bun:test";
import { createLogger } from "../../../src/host/logger.ts";
import { createRealHost } from "../../../src/host/real.ts";
import type { NovaReply } from "../../../src/transports/xenstore/nova/handle-request.ts";
import { serveNovaAgent } from "../../../src/transports/xenstore/serve-nova-agent.ts";
import { startTestXenstored, type TestXenstored } from "../../helpers/dev-xenstored.ts";

const started: TestXenstored[] = [];
afterEach(async () => {
  for (const xs of started.splice(0)) await xs.stop();
});

const HOME = "/local/domain/7";

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await Bun.sleep(5);
  }
}

/** serveNovaAgent on the guest socket, with an `answer` the test controls. */
async function serve(answer: (raw: string, id: string) => Promise<NovaReply>, options: { noWatch?: boolean } = {}) {
  const xs = await startTestXenstored(options);
  started.push(xs);
  const host = await createRealHost({ root: "/", log: createLogger({ level: "silent", json: true }) });
  const controller = new AbortController();
  const modes: string[] = [];
  const done = serveNovaAgent(host, { endpoint: xs.guestSocket, answer, signal: controller.signal, pollMs: 50, backoff: { minMs: 10, maxMs: 50 }, onReady: (m) => modes.push(m) });
  await until(() => modes.length > 0);
  return { xs, stop: () => controller.abort(), done, modes };
}

const reply = (message: string): NovaReply => ({ returncode: "0", message });

describe("serveNovaAgent", () => {
  test("answers data/host/<id> in data/guest/<id> and removes the request", async () => {
    const { xs, stop, done } = await serve(async (raw, id) => reply(`${id}:${raw}`));
    xs.store.write(`${HOME}/data/host/r1`, "ping");
    await until(() => xs.store.read(`${HOME}/data/guest/r1`) !== undefined);
    expect(JSON.parse(xs.store.read(`${HOME}/data/guest/r1`) as string)).toEqual({ returncode: "0", message: "r1:ping" });
    expect(xs.store.read(`${HOME}/data/host/r1`)).toBeUndefined();
    stop();
    await done;
  });

  test("requests written before it started are answered too (the watch fires at once)", async () => {
    const xs = await startTestXenstored();
    started.push(xs);
    xs.store.write(`${HOME}/data/host/early`, "x");
    const host = await createRealHost({ root: "/", log: createLogger({ level: "silent", json: true }) });
    const controller = new AbortController();
    const done = serveNovaAgent(host, { endpoint: xs.guestSocket, answer: async () => reply("ok"), signal: controller.signal });
    await until(() => xs.store.read(`${HOME}/data/guest/early`) !== undefined);
    controller.abort();
    await done;
  });

  test("stopping during a request: the request in hand is finished and answered, then it returns", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let began = false;
    const { xs, stop, done } = await serve(async () => {
      began = true;
      await gate;
      return reply("finished");
    });
    xs.store.write(`${HOME}/data/host/slow`, "x");
    xs.store.write(`${HOME}/data/host/zlater`, "y");
    await until(() => began);
    stop();
    release();
    await done;
    expect(JSON.parse(xs.store.read(`${HOME}/data/guest/slow`) as string).message).toBe("finished");
    // The next request is left for the next daemon, not half-done.
    expect(xs.store.read(`${HOME}/data/host/zlater`)).toBe("y");
  });

  test("xenstored restarts: it reconnects, and a request answered before is not run again", async () => {
    const runs: string[] = [];
    const { xs, stop, done } = await serve(async (_raw, id) => {
      runs.push(id);
      return reply("once");
    });
    xs.store.write(`${HOME}/data/host/a`, "x");
    await until(() => xs.store.read(`${HOME}/data/guest/a`) !== undefined);
    await xs.restart();
    // The host writes the same request again (as if our reply had been lost with the connection).
    xs.store.write(`${HOME}/data/host/a`, "x");
    xs.store.write(`${HOME}/data/host/b`, "x");
    await until(() => xs.store.read(`${HOME}/data/guest/b`) !== undefined && xs.store.read(`${HOME}/data/host/a`) === undefined);
    expect(runs).toEqual(["a", "b"]);
    stop();
    await done;
  });

  test("where watches are refused it polls", async () => {
    const { xs, stop, done, modes } = await serve(async () => reply("polled"), { noWatch: true });
    expect(modes).toEqual(["poll"]);
    xs.store.write(`${HOME}/data/host/p`, "x");
    await until(() => xs.store.read(`${HOME}/data/guest/p`) !== undefined);
    stop();
    await done;
  });
});
