import { afterAll, describe, expect, test } from "bun:test";
import { InputError } from "../../../src/errors.ts";
import { createFakeHost } from "../../../src/host/fake.ts";
import { createLogger } from "../../../src/host/logger.ts";
import { createRealHost } from "../../../src/host/real.ts";
import { readNocloudSeed } from "../../../src/transports/nocloud/read-seed.ts";
import { seedFrom } from "../../../src/transports/nocloud/seed-from.ts";

const servers: { stop(force?: boolean): void }[] = [];
afterAll(() => servers.forEach((s) => s.stop(true)));

describe("NoCloud seedfrom", () => {
  test("http: the four files fetched from the seed URL, 404 meaning absent", async () => {
    const paths: string[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(req) {
        const path = new URL(req.url).pathname;
        paths.push(path);
        if (path === "/seed/meta-data") return new Response("instance-id: iid-http\nlocal-hostname: from-http\n");
        if (path === "/seed/user-data") return new Response("#cloud-config\n");
        return new Response("", { status: 404 });
      },
    });
    servers.push(server);
    const host = await createRealHost({ root: "/", log: createLogger({ level: "silent", json: true }) });
    const url = `http://127.0.0.1:${server.port}/seed/`;
    const data = await readNocloudSeed(seedFrom(host, url, { budgetMs: 3000 }), { "local-hostname": "from-cmdline" });
    expect(data).toMatchObject({ instanceId: "iid-http", hostname: "from-cmdline", source: { transport: "nocloud", location: url } });
    expect(new TextDecoder().decode(data.userData)).toBe("#cloud-config\n");
    expect(paths.sort()).toEqual(["/seed/meta-data", "/seed/network-config", "/seed/user-data", "/seed/vendor-data"]);
  });

  test("a path or file:// URL is read inside the host's root; a missing trailing slash is added", async () => {
    const host = createFakeHost({ tree: { "/var/seed/meta-data": "instance-id: iid-file\n" } });
    for (const spec of ["/var/seed/", "/var/seed", "file:///var/seed/"]) {
      const data = await readNocloudSeed(seedFrom(host, spec, { budgetMs: 1000 }));
      expect(data.instanceId).toBe("iid-file");
    }
  });

  test("anything else is refused, naming the field", () => {
    const host = createFakeHost();
    expect(() => seedFrom(host, "ftp://x/", { budgetMs: 1000 })).toThrow(InputError);
    expect(() => seedFrom(host, "relative/dir/", { budgetMs: 1000 })).toThrow("ds=nocloud: seedfrom: expected http://, https://, file:// or an absolute path");
  });
});
