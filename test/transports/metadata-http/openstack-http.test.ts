import { failure } from "../../helpers/failure.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { HostError, InputError } from "../../../src/errors.ts";
import { createFakeHost } from "../../../src/host/fake.ts";
import { Secret } from "../../../src/model/secret.ts";
import { createFetcher, type RetryPolicy } from "../../../src/transports/metadata-http/fetcher.ts";
import { openstackHttpSource, openstackVersions } from "../../../src/transports/metadata-http/openstack-http.ts";
import { readMetadataService } from "../../../src/transports/metadata-http/read-metadata-service.ts";
import { not404, realHost, serve, stopServers } from "./fake-imds.ts";

afterAll(stopServers);

const QUICK: Partial<RetryPolicy> = { timeoutMs: 1000, retries: 2, baseDelayMs: 10, maxDelayMs: 50, random: () => 0.5 };


const META_DATA = {
  uuid: "83679162-1378-4288-a2d4-70e13ec132aa",
  hostname: "vm1.example.org",
  name: "vm1",
  availability_zone: "nova",
  public_keys: { mykey: "ssh-ed25519 AAAA me@desk\n" },
  admin_pass: "s3cret-pass",
  files: [{ path: "/etc/motd", content_path: "/content/0000" }],
  meta: { role: "web" },
};

/** An OpenStack metadata service: path → body under /openstack; anything else 404. */
function openstackServer(files: Record<string, string>): { url: string; seen: string[] } {
  const seen: string[] = [];
  const url = serve((req) => {
    const path = new URL(req.url).pathname;
    seen.push(`${req.method} ${path}`);
    const body = files[path];
    return body === undefined ? not404() : new Response(body);
  });
  return { url, seen };
}

const FULL: Record<string, string> = {
  "/openstack": "2012-08-10\n2013-04-04\n2018-08-27\nlatest",
  "/openstack/2018-08-27/meta_data.json": JSON.stringify(META_DATA),
  "/openstack/2018-08-27/network_data.json": JSON.stringify({ links: [{ id: "tap1", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:01" }], networks: [], services: [] }),
  "/openstack/2018-08-27/user_data": "#!/bin/sh\necho hi\n",
  "/openstack/2018-08-27/vendor_data.json": JSON.stringify({ "cloud-init": "#cloud-config\n{}\n" }),
  "/openstack/content/0000": "welcome\n",
};

describe("OpenStack over the metadata service", () => {
  test("GET /openstack lists versions: read as OpenStack, the newest known version", async () => {
    const server = openstackServer(FULL);
    const data = await readMetadataService(await realHost(), server.url, { budgetMs: 3000, policy: QUICK });
    expect(data).toEqual({
      source: { transport: "metadata-http", location: server.url },
      instanceId: "83679162-1378-4288-a2d4-70e13ec132aa",
      hostname: "vm1",
      fqdn: "vm1.example.org",
      publicKeys: ["ssh-ed25519 AAAA me@desk"],
      adminPassword: expect.any(Secret),
      userData: new TextEncoder().encode("#!/bin/sh\necho hi\n"),
      vendorData: new TextEncoder().encode("#cloud-config\n{}\n"),
      network: {
        format: "openstack",
        source: `${server.url}/openstack/2018-08-27/network_data.json`,
        config: { links: [{ id: "tap1", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:01" }], networks: [], services: [] },
      },
      files: [{ path: "/etc/motd", content: new TextEncoder().encode("welcome\n") }],
      metadata: { name: "vm1", availability_zone: "nova", meta: { role: "web" }, version: "2018-08-27" },
    });
    expect(data.adminPassword?.reveal()).toBe("s3cret-pass");
    // The version list is read once: detection's answer is reused.
    expect(server.seen.filter((l) => l === "GET /openstack")).toEqual(["GET /openstack"]);
    expect(server.seen.some((l) => l.includes("/latest/"))).toBe(false);
  });

  test("truncated meta_data.json: an InputError naming the file", async () => {
    const server = openstackServer({ ...FULL, "/openstack/2018-08-27/meta_data.json": '{"uuid": "83679162-1378' });
    const error = await failure(readMetadataService(await realHost(), server.url, { budgetMs: 3000, policy: QUICK }));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).source).toBe(`${server.url}/openstack/2018-08-27/meta_data.json`);
    expect((error as InputError).problems[0]?.message).toStartWith("invalid JSON: ");
  });

  test("wrong types in meta_data.json: the field is named", async () => {
    const server = openstackServer({ ...FULL, "/openstack/2018-08-27/meta_data.json": JSON.stringify({ ...META_DATA, public_keys: { mykey: 42 } }) });
    const error = await failure(readMetadataService(await realHost(), server.url, { budgetMs: 3000, policy: QUICK }));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems.map((p) => p.path)).toEqual(["public_keys.mykey"]);
  });

  test("an /openstack answer that is not a version list means EC2", async () => {
    const seen: string[] = [];
    const url = serve((req) => {
      const path = new URL(req.url).pathname;
      seen.push(`${req.method} ${path}`);
      if (path === "/openstack") return new Response("<html>hello</html>");
      if (req.method === "PUT") return new Response("", { status: 405 });
      return path === "/latest/meta-data/instance-id" ? new Response("i-42") : not404();
    });
    const data = await readMetadataService(await realHost(), url, { budgetMs: 3000, policy: QUICK });
    expect(data.instanceId).toBe("i-42");
    expect(data.metadata).toEqual({ service: "ec2", imds: "v1" });
    expect(seen.slice(0, 3)).toEqual(["GET /openstack", "PUT /latest/api/token", "GET /latest/meta-data/instance-id"]);
  });
});

describe("openstackHttpSource", () => {
  const host = createFakeHost({
    fetch: (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/openstack") return new Response("2013-04-04\nlatest\n");
      if (path === "/openstack/latest/meta_data.json") return new Response('{"uuid": "x"}');
      if (path === "/openstack/latest/broken") return new Response("", { status: 403 });
      return not404();
    },
  });
  const fetcher = () => createFetcher(host, "http://127.0.0.1:9", { budgetMs: 1000 }, QUICK);

  test("versions() are the lines of GET /openstack; name is the base URL", async () => {
    const src = openstackHttpSource(fetcher());
    expect(src.name).toBe("http://127.0.0.1:9");
    expect(await src.versions()).toEqual(["2013-04-04", "latest"]);
    expect(await openstackVersions(fetcher())).toEqual(["2013-04-04", "latest"]);
    expect(await openstackHttpSource(fetcher(), ["latest"]).versions()).toEqual(["latest"]);
  });

  test("get() gives the bytes; 404 is undefined; another status is a HostError", async () => {
    const src = openstackHttpSource(fetcher());
    expect(new TextDecoder().decode(await src.get("latest/meta_data.json", 100))).toBe('{"uuid": "x"}');
    expect(await src.get("latest/user_data", 100)).toBeUndefined();
    const error = await failure(src.get("latest/broken", 100));
    expect(error).toBeInstanceOf(HostError);
    expect(error.message).toBe("GET http://127.0.0.1:9/openstack/latest/broken (openstack/latest/broken): answered 403, expected 200 or 404");
  });

  test("get() over the limit, or outside openstack/: an InputError naming the URL", async () => {
    const src = openstackHttpSource(fetcher());
    const big = await failure(src.get("latest/meta_data.json", 5));
    expect(big).toBeInstanceOf(InputError);
    expect(big.message).toBe("http://127.0.0.1:9/openstack/latest/meta_data.json: the answer is over the limit of 5 bytes");
    const escape = await failure(src.get("../latest/user-data", 100));
    expect(escape.message).toBe("http://127.0.0.1:9/openstack/../latest/user-data: expected a path under openstack/, without ..");
  });

  test("no /openstack (404): not OpenStack, and no versions", async () => {
    const none = createFetcher(createFakeHost({ fetch: () => not404() }), "http://127.0.0.1:9", { budgetMs: 1000 }, QUICK);
    expect(await openstackVersions(none)).toBeUndefined();
    expect(await openstackHttpSource(none).versions()).toEqual([]);
  });
});
