import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_BUDGET_MS } from "../../src/probe/index.ts";
import { READ_BUDGET_MS } from "../../src/transports/read-instance-data.ts";
import { runAgent } from "../helpers/run-agent.ts";
import { cleanCases, CLEANUP_MS, newCase, snapshot } from "./rig.ts";

/**
 * A metadata service that drips one byte a second, or sends its headers and then nothing. The boot
 * gives up within its budget (the probe's 1.5 s when the probe's own questions drip, the read's
 * 20 s once the service is found), exits 1 with an error naming the URL, and changes nothing.
 */
const servers: { stop(force?: boolean): void }[] = [];
afterAll(() => {
  servers.splice(0).forEach((s) => s.stop(true));
  cleanCases();
}, CLEANUP_MS);

/** One byte of `text` a second, the way a broken proxy trickles. */
function drip(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      await Bun.sleep(1000);
      if (i >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(i, ++i));
    },
  });
}

/** Headers sent, then no byte ever: the body never starts, never ends. */
const stall = () => new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) });

type Behaviour = (path: string, method: string) => Response | undefined;

function metadataServer(behave: Behaviour): string {
  // idleTimeout 0: Bun would otherwise cut a silent connection after 10 s, and the agent would see a
  // broken answer, not a slow one.
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch: (req) => behave(new URL(req.url).pathname, req.method) ?? new Response("Not Found", { status: 404 }),
  });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

const OPENSTACK_META = JSON.stringify({ uuid: "slow-1", hostname: "slow" });

async function boot(url: string) {
  const c = newCase();
  const before = snapshot(c.root);
  const started = performance.now();
  const run = await runAgent(["boot", "--root", c.root, "--metadata-url", url, "--transport", "metadata-http"]);
  const ms = performance.now() - started;
  if (process.env.HOSTILE_FIGURES) console.log(`figure: boot from ${url} → exit ${run.code} in ${Math.round(ms)} ms: ${run.stderr.trim().split("\n").slice(-1)[0]}`);
  return { ...run, ms, unchanged: JSON.stringify(snapshot(c.root)) === JSON.stringify(before), state: existsSync(join(c.root, "var/lib/tether")) };
}

describe("while the probe asks whether a metadata service is there", () => {
  test("every answer dripping, or headers then a stall: 'no source found' within the probe's budget, exit 1, nothing changed", async () => {
    const dripping = metadataServer((path, method) => (path === "/openstack" ? new Response(drip("latest\n")) : method === "PUT" ? new Response(drip("token")) : undefined));
    const stalling = metadataServer((path, method) => (path === "/openstack" || method === "PUT" ? new Response(stall()) : undefined));
    const runs = await Promise.all([boot(dripping), boot(stalling)]);
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("agent: no source of instance data found");
      expect(run.stderr).toContain(`no answer within the ${DEFAULT_BUDGET_MS} ms budget`);
      // the probe's budget counts from the process's start; a few seconds cover starting bun itself
      expect(run.ms).toBeLessThan(DEFAULT_BUDGET_MS + 5000);
      expect(run.unchanged).toBe(true);
      expect(run.state).toBe(false);
    }
  }, 30_000);
});

describe("once the service is found, while its data is read", () => {
  test("OpenStack meta_data.json dripping, EC2 user-data stalled after its headers: given up at the read budget, exit 1 naming the URL, nothing changed", async () => {
    const openstack = metadataServer((path) => {
      if (path === "/openstack") return new Response("latest\n");
      if (path === "/openstack/latest/meta_data.json") return new Response(drip(OPENSTACK_META));
      return undefined;
    });
    const ec2 = metadataServer((path, method) => {
      if (method === "PUT" && path === "/latest/api/token") return new Response("token");
      if (path === "/latest/meta-data/instance-id") return new Response("i-slow");
      if (path === "/latest/user-data") return new Response(stall(), { headers: { "content-length": "4096" } });
      if (path === "/latest/meta-data/") return new Response("instance-id\n");
      return undefined;
    });
    const [os, aws] = await Promise.all([boot(openstack), boot(ec2)]);
    expect(os.stderr).toContain(`agent: GET ${openstack}/openstack/latest/meta_data.json (openstack/latest/meta_data.json): no answer within the budget of ${READ_BUDGET_MS} ms`);
    expect(aws.stderr).toContain(`agent: GET ${ec2}/latest/user-data (the user data): no answer within the budget of ${READ_BUDGET_MS} ms`);
    for (const run of [os, aws]) {
      expect(run.code).toBe(1);
      // the read's budget, plus the probe's and the start: never the drip's own 70 s, never for ever
      expect(run.ms).toBeLessThan(READ_BUDGET_MS + DEFAULT_BUDGET_MS + 5000);
      expect(run.unchanged).toBe(true);
      expect(run.state).toBe(false);
    }
  }, 60_000);
});
