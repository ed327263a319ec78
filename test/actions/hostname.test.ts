import { describe, expect, test } from "bun:test";
import { hostnameAction } from "../../src/actions/hostname.ts";
import { factsFor, inputsFrom, plan, refusal, text } from "./identity-helpers.ts";

const DEBIAN_HOSTS = "127.0.0.1\tlocalhost\n# comment kept\n10.0.0.5 db\n127.0.1.1 old.example old\n::1 localhost ip6-localhost ip6-loopback\n";
const offline = factsFor({ root: "/mnt/image" });

function summary(changes: ReturnType<typeof plan>) {
  return changes.map((c) => (c.kind === "write" ? { write: c.path, content: text(c.content), mode: c.mode } : c.kind === "run" ? { run: c.argv } : { [c.kind]: c.path }));
}

describe("hostname action", () => {
  test("is per-instance and reads /etc/hosts only when it manages it", async () => {
    expect(hostnameAction.frequency).toBe("per-instance");
    expect(hostnameAction.reads?.(await inputsFrom("hostname: a\n"), offline)).toEqual([]);
    expect(hostnameAction.reads?.(await inputsFrom("manage_etc_hosts: true\n"), offline)).toEqual(["/etc/hosts"]);
  });

  test("the cloud's name, offline: /etc/hostname only", async () => {
    const changes = plan(hostnameAction, await inputsFrom(null, { hostname: "vm-1" }), offline);
    expect(summary(changes)).toEqual([{ write: "/etc/hostname", content: "vm-1\n", mode: 0o644 }]);
  });

  test("running system: the name is set now too, by hostname(1) or on Arch hostnamectl", async () => {
    const inputs = await inputsFrom(null, { hostname: "vm-1.example.org" });
    expect(summary(plan(hostnameAction, inputs, factsFor())).at(-1)).toEqual({ run: ["hostname", "vm-1"] });
    expect(summary(plan(hostnameAction, inputs, factsFor({ os: "arch" }))).at(-1)).toEqual({ run: ["hostnamectl", "set-hostname", "vm-1"] });
  });

  test("cloud-config fqdn wins over the cloud; prefer_fqdn_over_hostname names the machine by it", async () => {
    const inputs = await inputsFrom("fqdn: web.example.test\nprefer_fqdn_over_hostname: true\n", { hostname: "cloudname" });
    expect(summary(plan(hostnameAction, inputs, offline))).toEqual([{ write: "/etc/hostname", content: "web.example.test\n", mode: 0o644 }]);
  });

  test("a dotted cloud-config hostname is the FQDN, its first label the host name", async () => {
    const inputs = await inputsFrom("hostname: app.example.test\nmanage_etc_hosts: true\n");
    expect(summary(plan(hostnameAction, inputs, offline, { "/etc/hosts": DEBIAN_HOSTS }))).toEqual([
      { write: "/etc/hostname", content: "app\n", mode: 0o644 },
      { write: "/etc/hosts", content: "127.0.0.1\tlocalhost\n# comment kept\n10.0.0.5 db\n127.0.1.1 app.example.test app\n::1 localhost ip6-localhost ip6-loopback\n", mode: 0o644 },
    ]);
  });

  test("a short cloud-config hostname keeps the cloud's domain", async () => {
    const inputs = await inputsFrom("hostname: app\nmanage_etc_hosts: true\n", { hostname: "cloudname", fqdn: "cloudname.region.cloud" });
    const hosts = plan(hostnameAction, inputs, offline, {})[1];
    expect(hosts && text(hosts.kind === "write" ? hosts.content : "")).toBe("127.0.0.1 localhost\n127.0.1.1 cloudname.region.cloud app\n::1 localhost ip6-localhost ip6-loopback\n");
  });

  test("manage_etc_hosts: localhost adds the distro's local line after the others, once", async () => {
    const inputs = await inputsFrom("fqdn: n1.example.test\nmanage_etc_hosts: localhost\n");
    const changes = summary(plan(hostnameAction, inputs, offline, { "/etc/hosts": DEBIAN_HOSTS }));
    expect(changes[1]).toEqual({ write: "/etc/hosts", content: "127.0.0.1\tlocalhost\n# comment kept\n10.0.0.5 db\n::1 localhost ip6-localhost ip6-loopback\n127.0.1.1 old.example old\n127.0.1.1 n1.example.test n1\n", mode: 0o644 });
    const already = "127.0.0.1 localhost\n127.0.1.1 n1.example.test n1 extra\n";
    expect(summary(plan(hostnameAction, inputs, offline, { "/etc/hosts": already }))).toHaveLength(1);
    const fedora = summary(plan(hostnameAction, inputs, factsFor({ os: "fedora", root: "/r" }), { "/etc/hosts": "127.0.0.1 localhost\n" }));
    expect(fedora[1]).toMatchObject({ content: "127.0.0.1 localhost\n127.0.0.1 n1.example.test n1\n" });
  });

  test("preserve_hostname: nothing at all; no name anywhere: nothing", async () => {
    expect(plan(hostnameAction, await inputsFrom("preserve_hostname: true\nhostname: x\nmanage_etc_hosts: true\n"), factsFor())).toEqual([]);
    expect(plan(hostnameAction, await inputsFrom(null), factsFor())).toEqual([]);
  });

  test("a cloud name with shell metacharacters is refused, naming the field", async () => {
    const inputs = await inputsFrom(null, { hostname: "vm;reboot" });
    expect(refusal(() => plan(hostnameAction, inputs, factsFor()))).toBe('seed: hostname: expected a host name (letters, digits, inner hyphens; dot-separated labels of 1-63), got "vm;reboot"');
    const fqdn = await inputsFrom(null, { hostname: "ok", fqdn: "ok.$(id)" });
    expect(refusal(() => plan(hostnameAction, fqdn, factsFor()))).toContain("seed: fqdn: expected a host name");
  });

  test("an FQDN longer than the kernel keeps is refused when it would be the machine's name", async () => {
    const long = `${"a".repeat(40)}.${"b".repeat(40)}.test`;
    const inputs = await inputsFrom(`fqdn: ${long}\nprefer_fqdn_over_hostname: true\n`);
    expect(refusal(() => plan(hostnameAction, inputs, factsFor()))).toContain("fqdn: the machine's name can be at most 64 characters");
  });
});
