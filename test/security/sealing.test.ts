import { describe, expect, test } from "bun:test";
import { injectedFilesAction } from "../../src/actions/injected-files.ts";
import { contentOf, looksLikePrivateKey } from "../../src/actions/target-files.ts";
import { writeFilesAction } from "../../src/actions/write-files.ts";
import { InputError } from "../../src/errors.ts";
import { parseCloudConfig } from "../../src/model/cloud-config/index.ts";
import { Secret } from "../../src/model/secret.ts";
import { parseYaml, withoutEcho } from "../../src/parse/yaml.ts";
import { viewInstanceData } from "../../src/report/instance-data-view.ts";
import { factsFor, inputsWith } from "../actions/system-fixtures.ts";
import { SSH_PRIVATE_KEY, TEST_SECRETS } from "../helpers/test-secrets.ts";

/** The fixes the secrets scan led to, one unit at a time (test/security/secrets-*.test.ts drive the agent). */
describe("sealing what the scan found leaking", () => {
  test("a private key is sealed in the plan whatever its mode, and gets 0600 when write_files gives no permissions", () => {
    const inputs = inputsWith({
      write_files: [
        { path: "/root/.ssh/id_ed25519", content: SSH_PRIVATE_KEY },
        { path: "/root/.ssh/shared_key", content: SSH_PRIVATE_KEY, permissions: "0644" },
        { path: "/etc/motd", content: "hello\n" },
      ],
    });
    const writes = writeFilesAction.plan(inputs, factsFor("debian", { files: { "/root/.ssh/": "", "/etc/": "" } })).filter((c) => c.kind === "write");
    expect(writes.map((c) => [c.path, c.kind === "write" && c.mode, c.kind === "write" && c.content instanceof Secret])).toEqual([
      ["/root/.ssh/id_ed25519", 0o600, true],
      // Permissions given are the user's: kept, but the key is still never shown.
      ["/root/.ssh/shared_key", 0o644, true],
      ["/etc/motd", 0o644, false],
    ]);
    expect(JSON.stringify(writes)).not.toContain(TEST_SECRETS.sshPrivateKeyBody);
  });

  test("the kinds of private key recognised, and what is not one", () => {
    for (const key of ["-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----", "-----BEGIN ENCRYPTED PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN PGP PRIVATE KEY BLOCK-----", "PuTTY-User-Key-File-3: ssh-ed25519"]) {
      expect([key, looksLikePrivateKey(`x\n${key}\nAAAA\n`)]).toEqual([key, true]);
    }
    for (const other of ["-----BEGIN CERTIFICATE-----", "-----BEGIN PUBLIC KEY-----", "ssh-ed25519 AAAA user@host", "private key rotation notes"]) expect([other, looksLikePrivateKey(other)]).toEqual([other, false]);
    expect(contentOf(new TextEncoder().encode("-----BEGIN CERTIFICATE-----\n"), 0o644)).toBe("-----BEGIN CERTIFICATE-----\n");
  });

  test("an injected file (config drive, Nova injectfile) holding a private key is sealed too", () => {
    const inputs = inputsWith({}, { data: { files: [{ path: "/root/.ssh/id_rsa", content: new TextEncoder().encode(SSH_PRIVATE_KEY) }] } });
    const write = injectedFilesAction.plan(inputs, factsFor("debian", { files: { "/root/.ssh/": "" } })).find((c) => c.kind === "write");
    expect(write?.kind === "write" && write.content instanceof Secret).toBe(true);
  });

  test("other meta-data: values under secret-looking keys are redacted at any depth; the rest shown", () => {
    const view = viewInstanceData({
      source: { transport: "config-drive", location: "/dev/sr0" },
      instanceId: "i",
      publicKeys: [],
      files: [],
      metadata: { meta: { admin_pass: TEST_SECRETS.metaAdminPass, role: "web", db: [{ password: "x1234567", host: "db1" }] }, api_token: "t0k3n-value", availability_zone: "nova" },
    });
    expect(view.metadata).toEqual({ meta: { admin_pass: "[redacted]", role: "web", db: [{ password: "[redacted]", host: "db1" }] }, api_token: "[redacted]", availability_zone: "nova" });
  });

  test("wrongly typed passwords are named by their kind; other fields still quote the value", () => {
    const problems = (raw: Record<string, unknown>) => {
      try {
        parseCloudConfig(raw, "ud");
        return [];
      } catch (error) {
        return (error as InputError).problems.map((p) => `${p.path}: ${p.message}`);
      }
    };
    expect(problems({ password: 12345678 })).toEqual(["password: expected a string, got a number (not shown: it may be a password)"]);
    expect(problems({ users: [{ name: "a", hashed_passwd: true }] })).toEqual(["users[0].hashed_passwd: expected a string, got true or false"]);
    expect(problems({ chpasswd: { users: ["a:pw-in-old-form"] } })).toEqual(["chpasswd.users[0]: expected a mapping, got a string (not shown: it may be a password)"]);
    expect(problems({ hostname: 42 })).toEqual(["hostname: expected a string, got 42"]);
  });

  test("YAML errors that would quote the document lose the quote, keep the line and column", () => {
    const message = (text: string) => {
      try {
        parseYaml(text, "ud");
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(message(`password: *${TEST_SECRETS.validateAlias}\n`)).toBe("ud: invalid YAML: Unresolved alias (the anchor must be set before the alias)");
    expect(message(`password: |${TEST_SECRETS.validateBlock}\n`)).toBe("ud: line 1, column 12: invalid YAML: Block scalar header includes extra characters");
    expect(withoutEcho("Unresolved tag: !secret")).toBe("Unresolved tag");
    expect(withoutEcho("The !x! tag has no suffix")).toBe("A tag has no suffix");
    expect(withoutEcho("Map keys must be unique")).toBe("Map keys must be unique");
  });
});
