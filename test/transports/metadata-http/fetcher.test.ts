import { failure } from "../../helpers/failure.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { HostError, InputError } from "../../../src/errors.ts";
import { createFakeHost } from "../../../src/host/fake.ts";
import { createFetcher, type RetryPolicy } from "../../../src/transports/metadata-http/fetcher.ts";
import { rawServer, realHost, recordingSleeps, resetting, serve, stopServers } from "./fake-imds.ts";

afterAll(stopServers);

/** Quick and deterministic: every backoff is half its cap. */
const QUICK: Partial<RetryPolicy> = { timeoutMs: 1000, retries: 3, baseDelayMs: 20, maxDelayMs: 100, random: () => 0.5 };
const OPTS = { maxBytes: 1024, expect: "the instance id" };


describe("metadata fetcher", () => {
  test("200 gives the body; 404 is absent, not an error", async () => {
    const host = createFakeHost({
      fetch: (req) => (new URL(req.url).pathname === "/a" ? new Response("i-1\n") : new Response("nope", { status: 404 })),
    });
    const fetcher = createFetcher(host, "http://127.0.0.1:9/", { budgetMs: 1000 }, QUICK);
    expect(fetcher.baseUrl).toBe("http://127.0.0.1:9");
    expect(new TextDecoder().decode(await fetcher.get("/a", OPTS))).toBe("i-1\n");
    expect(await fetcher.get("/b", OPTS)).toBeUndefined();
  });

  test("500 then success: one retry, after a jittered backoff", async () => {
    let calls = 0;
    const { host, sleeps } = recordingSleeps(await realHost());
    const url = serve(() => (++calls === 1 ? new Response("oops", { status: 500 }) : new Response("i-1")));
    const fetcher = createFetcher(host, url, { budgetMs: 2000 }, QUICK);
    expect(new TextDecoder().decode(await fetcher.get("/latest/meta-data/instance-id", OPTS))).toBe("i-1");
    expect(calls).toBe(2);
    expect(sleeps).toEqual([10]);
  });

  test("500 always: fails after the retries, backoff doubling, within the budget", async () => {
    let calls = 0;
    const { host, sleeps } = recordingSleeps(await realHost());
    const url = serve(() => {
      calls++;
      return new Response("oops", { status: 503 });
    });
    const started = performance.now();
    const error = await failure(createFetcher(host, url, { budgetMs: 2000 }, QUICK).get("/latest/meta-data/instance-id", OPTS));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toBe(`GET ${url}/latest/meta-data/instance-id (the instance id): server error 503, after 4 tries`);
    expect(calls).toBe(4);
    expect(sleeps).toEqual([10, 20, 40]);
  });

  test("full jitter is capped at maxDelayMs", async () => {
    const { host, sleeps } = recordingSleeps(await realHost());
    const url = serve(() => new Response("", { status: 502 }));
    const policy = { ...QUICK, retries: 4, baseDelayMs: 10, maxDelayMs: 25, random: () => 0.999 };
    await failure(createFetcher(host, url, { budgetMs: 2000 }, policy).get("/x", OPTS));
    expect(sleeps).toEqual([9, 19, 24, 24]);
  });

  test("4xx is not retried", async () => {
    let calls = 0;
    const url = serve(() => {
      calls++;
      return new Response("forbidden", { status: 403 });
    });
    const fetcher = createFetcher(await realHost(), url, { budgetMs: 2000 }, QUICK);
    const error = await failure(fetcher.get("/x", OPTS));
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toBe(`GET ${url}/x (the instance id): answered 403, expected 200 or 404`);
    expect(calls).toBe(1);
    expect(await fetcher.request("/x", OPTS)).toEqual({ status: 403, body: new TextEncoder().encode("forbidden") });
  });

  test("a backoff that would end past the budget is not slept: it fails at once", async () => {
    let calls = 0;
    const { host, sleeps } = recordingSleeps(await realHost());
    const url = serve(() => {
      calls++;
      return new Response("", { status: 500 });
    });
    const started = performance.now();
    const error = await failure(createFetcher(host, url, { budgetMs: 300 }, { ...QUICK, baseDelayMs: 1000, maxDelayMs: 1000 }).get("/x", OPTS));
    expect(performance.now() - started).toBeLessThan(200);
    expect(error.message).toBe(`GET ${url}/x (the instance id): no time left in the budget of 300 ms for another try, after 1 try (last: server error 500)`);
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  test("a server that hangs: the budget holds, and the timeout is cut to it", async () => {
    let calls = 0;
    const url = serve(async () => {
      calls++;
      await Bun.sleep(5000);
      return new Response("late");
    });
    const started = performance.now();
    const error = await failure(createFetcher(await realHost(), url, { budgetMs: 400 }, { ...QUICK, timeoutMs: 5000 }).get("/x", OPTS));
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(390);
    expect(ms).toBeLessThan(400 + 200);
    expect(error).toBeInstanceOf(HostError);
    // The try's own timeout (5000 ms) was cut to what remained of the budget.
    expect(error.message).toStartWith(`GET ${url}/x (the instance id): no answer within the budget of 400 ms, after 1 try (last: no answer within `);
    expect(error.message).toMatch(/within (39\d|400) ms\)$/);
    expect(calls).toBe(1);
  });

  test("a per-request timeout is retried within the budget", async () => {
    let calls = 0;
    const url = serve(async () => {
      if (++calls < 3) await Bun.sleep(2000);
      return new Response("i-1");
    });
    const fetcher = createFetcher(await realHost(), url, { budgetMs: 1500 }, { ...QUICK, timeoutMs: 150 });
    expect(new TextDecoder().decode(await fetcher.get("/x", OPTS))).toBe("i-1");
    expect(calls).toBe(3);
  });

  test("the caller's signal cancels", async () => {
    const url = serve(async () => {
      await Bun.sleep(2000);
      return new Response("late");
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const error = await failure(createFetcher(await realHost(), url, { budgetMs: 5000, signal: controller.signal }, QUICK).get("/x", OPTS));
    expect(performance.now() - started).toBeLessThan(300);
    expect(error.message).toBe(`GET ${url}/x (the instance id): cancelled, after 1 try (last: cut short)`);
  });

  test("a connection reset is retried, then a HostError", async () => {
    const server = resetting();
    const { host, sleeps } = recordingSleeps(await realHost());
    const error = await failure(createFetcher(host, server.url, { budgetMs: 2000 }, { ...QUICK, retries: 2 }).get("/latest/meta-data/instance-id", OPTS));
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toStartWith(`GET ${server.url}/latest/meta-data/instance-id (the instance id): `);
    expect(error.message).toEndWith(", after 3 tries");
    expect(server.connections()).toBe(3);
    expect(sleeps).toEqual([10, 20]);
  });

  test("nothing listening: retried, then a HostError, quickly", async () => {
    const gone = resetting();
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const url = `http://127.0.0.1:${listener.port}`;
    listener.stop(true);
    const started = performance.now();
    const error = await failure(createFetcher(await realHost(), url, { budgetMs: 2000 }, { ...QUICK, retries: 1 }).get("/x", OPTS));
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toEndWith(", after 2 tries");
    expect(performance.now() - started).toBeLessThan(1000);
    expect(gone.connections()).toBe(0);
  });

  test("an answer that breaks off mid-body is retried like a reset", async () => {
    const url = rawServer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"instanceId\": ");
    const error = await failure(createFetcher(await realHost(), url, { budgetMs: 2000 }, { ...QUICK, retries: 1 }).get("/doc", OPTS));
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toStartWith(`GET ${url}/doc (the instance id): `);
    expect(error.message).toEndWith(", after 2 tries");
  });

  test("an over-size body (declared length) is an InputError naming the URL, not retried", async () => {
    let calls = 0;
    const url = serve(() => {
      calls++;
      return new Response("x".repeat(5000));
    });
    const error = await failure(createFetcher(await realHost(), url, { budgetMs: 2000 }, QUICK).get("/latest/user-data", OPTS));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).source).toBe(`${url}/latest/user-data`);
    expect((error as InputError).problems).toEqual([{ path: "", message: "the answer is 5000 bytes, over the limit of 1024 bytes" }]);
    expect(calls).toBe(1);
  });

  test("an over-size body without a length is cut off while streaming", async () => {
    // Endless: reading it all would never finish.
    const url = serve(
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              controller.enqueue(new TextEncoder().encode("y".repeat(512)));
            },
          }),
        ),
    );
    const error = await failure(createFetcher(await realHost(), url, { budgetMs: 2000 }, QUICK).get("/big", OPTS));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`${url}/big: the answer is over the limit of 1024 bytes`);
  });

  test("a redirect is not followed", async () => {
    const url = serve((req) => (new URL(req.url).pathname === "/x" ? Response.redirect("http://127.0.0.1:9/elsewhere", 302) : new Response("moved")));
    const error = await failure(createFetcher(await realHost(), url, { budgetMs: 1000 }, QUICK).get("/x", OPTS));
    expect(error.message).toBe(`GET ${url}/x (the instance id): answered 302, expected 200 or 404`);
  });
});
