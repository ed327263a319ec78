import { afterAll, describe, expect, test } from "bun:test";
import { createLogger } from "../../src/host/logger.ts";
import { createRealHost } from "../../src/host/real.ts";
import { metadataDetector } from "../../src/probe/metadata.ts";

type Handler = (req: Request) => Response | Promise<Response>;
const servers: { stop(force?: boolean): void }[] = [];
afterAll(() => servers.forEach((s) => s.stop(true)));

/** A metadata server on loopback; the agent is pointed at it with --metadata-url, never at 169.254.169.254. */
function serve(handler: Handler): string {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

/** A TCP listener that accepts and never says a word. */
function silent(): string {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  servers.push(listener);
  return `http://127.0.0.1:${listener.port}`;
}

async function detect(metadataUrl: string, budgetMs = 1500) {
  const host = await createRealHost({ root: "/", log: createLogger({ level: "silent", json: true }) });
  const started = performance.now();
  const [finding] = await metadataDetector.detect({ host, signal: AbortSignal.timeout(budgetMs), metadataUrl });
  return { finding, ms: performance.now() - started };
}

const openstackServer: Handler = (req) => (new URL(req.url).pathname === "/openstack" ? new Response("2012-08-10\n2013-04-04\nlatest") : new Response("", { status: 404 }));

describe("metadata service detector", () => {
  test("an answer past 64 KiB is no version list: said so, and the rest of it never read", async () => {
    let sent = 0;
    const chunk = new Uint8Array(1 << 20).fill(0x61);
    const url = serve((req) =>
      new URL(req.url).pathname === "/openstack"
        ? new Response(new ReadableStream({ pull: (c) => void (sent < 1 << 30 ? (c.enqueue(chunk), (sent += chunk.length)) : c.close()) }))
        : new Response("", { status: 404 }),
    );
    const { finding } = await detect(url);
    expect(finding?.evidence[0]).toBe("GET /openstack → 200, but over 65536 bytes: not a list of versions");
    // read as text, the probe took in ~800 MB of it within its 1.5 s
    expect(sent).toBeLessThan(64 << 20);
  });

  test("OpenStack: /openstack lists versions", async () => {
    const { finding } = await detect(serve(openstackServer));
    expect(finding?.verdict).toBe("found");
    expect(finding?.evidence[0]).toBe("GET /openstack → 200: OpenStack metadata, versions 2012-08-10, 2013-04-04, latest");
  });

  test("EC2 IMDSv2: the token is asked for, then sent", async () => {
    const seen: string[] = [];
    const url = serve((req) => {
      const path = new URL(req.url).pathname;
      seen.push(`${req.method} ${path} ${req.headers.get("x-aws-ec2-metadata-token") ?? ""}`.trim());
      if (req.method === "PUT" && path === "/latest/api/token") return new Response("tok-123");
      if (path === "/latest/meta-data/instance-id" && req.headers.get("x-aws-ec2-metadata-token") === "tok-123") return new Response("i-0abc");
      return new Response("", { status: 404 });
    });
    const { finding } = await detect(url);
    expect(finding?.verdict).toBe("found");
    expect(finding?.evidence[1]).toBe("GET /latest/meta-data/instance-id → 200: EC2 metadata, IMDSv2");
    expect(seen).toContain("GET /latest/meta-data/instance-id tok-123");
  });

  test("EC2 IMDSv1 where the token PUT is refused", async () => {
    const url = serve((req) => {
      const path = new URL(req.url).pathname;
      if (req.method === "PUT") return new Response("", { status: 405 });
      return path === "/latest/meta-data/instance-id" ? new Response("i-0abc") : new Response("", { status: 404 });
    });
    const { finding } = await detect(url);
    expect(finding?.evidence[1]).toBe("GET /latest/meta-data/instance-id → 200: EC2 metadata, IMDSv1 (token PUT → 405)");
  });

  test("EC2 with the endpoint disabled (403) and a 500 elsewhere: absent, with reasons", async () => {
    const url = serve((req) => new Response("", { status: req.method === "PUT" ? 403 : 500 }));
    const { finding } = await detect(url);
    expect(finding).toMatchObject({
      verdict: "absent",
      evidence: ["GET /openstack → 500", "PUT /latest/api/token → 403: the instance metadata endpoint is disabled"],
    });
  });

  test("a server answering /openstack with HTML is not OpenStack", async () => {
    const { finding } = await detect(serve(() => new Response("<html>hello</html>")));
    expect(finding?.evidence[0]).toBe("GET /openstack → 200, but not a list of versions");
  });

  test("a server that answers slowly: the budget holds", async () => {
    const url = serve(async () => {
      await Bun.sleep(3000);
      return new Response("latest");
    });
    const { finding, ms } = await detect(url, 300);
    expect(ms).toBeLessThan(300 + 200);
    expect(finding?.verdict).toBe("absent");
    expect(finding?.evidence).toEqual(["GET /openstack: no answer within the budget", "PUT /latest/api/token: no answer within the budget"]);
  });

  test("a server that never answers: the budget holds", async () => {
    const { finding, ms } = await detect(silent(), 400);
    expect(ms).toBeLessThan(400 + 200);
    expect(finding?.verdict).toBe("absent");
  });

  test("nothing listening: absent at once", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const url = `http://127.0.0.1:${listener.port}`;
    listener.stop(true);
    const { finding, ms } = await detect(url);
    expect(finding?.verdict).toBe("absent");
    expect(ms).toBeLessThan(1000);
  });
});
