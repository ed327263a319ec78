import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../src/host/fake.ts";

describe("fake host", () => {
  test("records programs, answers from its table, 127 for the rest", async () => {
    const host = createFakeHost({ programs: { useradd: () => ({ stdout: "ok" }) } });
    expect(await host.run(["/usr/sbin/useradd", "-m", "ops"])).toEqual({ code: 0, stdout: "ok", stderr: "", timedOut: false });
    expect((await host.run(["hostnamectl"])).code).toBe(127);
    expect(host.calls.map((c) => c.argv)).toEqual([["/usr/sbin/useradd", "-m", "ops"], ["hostnamectl"]]);
  });

  test("http answers from the handler; without one, every request fails", async () => {
    const served = createFakeHost({ fetch: (req) => Response.json({ path: new URL(req.url).pathname }) });
    expect(await served.http("http://169.254.169.254/openstack")).toEqual({ path: "/openstack" });
    const offline = createFakeHost();
    await expect(offline.http("http://169.254.169.254/")).rejects.toThrow();
  });

  test("logs are kept for assertions", () => {
    const host = createFakeHost();
    host.log.withTag("boot").info("hello");
    expect(host.logs).toEqual(["info [boot] hello"]);
  });
});
