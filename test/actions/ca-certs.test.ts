import { describe, expect, test } from "bun:test";
import { caCertsAction, pemProblem } from "../../src/actions/ca-certs.ts";
import { CERT, factsFor, inputsWith, refusal } from "./system-fixtures.ts";

const ROOT = { user: "root", group: "root" };

describe("ca-certs", () => {
  test("Debian: tether-N.crt under /usr/local/share/ca-certificates, then update-ca-certificates", () => {
    const inputs = inputsWith({ ca_certs: { trusted: [CERT, `subject=CN=two\n${CERT}\n${CERT}\n`] } });
    expect(caCertsAction.plan(inputs, factsFor("debian"))).toEqual([
      { kind: "mkdir", path: "/usr/local/share/ca-certificates", mode: 0o755, owner: ROOT, reason: "local trust anchors" },
      { kind: "write", path: "/usr/local/share/ca-certificates/tether-1.crt", content: `${CERT}\n`, mode: 0o644, owner: ROOT, reason: "ca_certs.trusted[0] from user-data" },
      { kind: "write", path: "/usr/local/share/ca-certificates/tether-2.crt", content: `subject=CN=two\n${CERT}\n${CERT}\n`, mode: 0o644, owner: ROOT, reason: "ca_certs.trusted[1] from user-data" },
      { kind: "run", argv: ["update-ca-certificates"], timeoutMs: 120_000, reason: "rebuild the system's CA bundle" },
    ]);
  });

  test("RHEL: the ca-trust anchors and update-ca-trust extract; offline: no run, a note", () => {
    const inputs = inputsWith({ ca_certs: { trusted: [CERT] } });
    expect(caCertsAction.plan(inputs, factsFor("rhel")).map((c) => (c.kind === "run" ? c.argv.join(" ") : c.path))).toEqual(["/etc/pki/ca-trust/source/anchors", "/etc/pki/ca-trust/source/anchors/tether-1.crt", "update-ca-trust extract"]);
    expect(caCertsAction.plan(inputs, factsFor("rhel", { offline: true })).map((c) => c.kind)).toEqual(["mkdir", "write"]);
    expect(caCertsAction.notes?.(inputs, factsFor("rhel", { offline: true }))).toEqual(["ca-certs: 1 certificate(s) placed; the CA bundle is rebuilt on the target (update-ca-trust extract), not under --root"]);
  });

  test("what is not a PEM certificate is refused by index, nothing planned", () => {
    const r = refusal(() => caCertsAction.plan(inputsWith({ ca_certs: { trusted: [CERT, "MIIB not pem"] } }), factsFor("debian")));
    expect(r).toMatchObject({ source: "seed user-data", paths: ["ca_certs.trusted[1]"] });
    expect(pemProblem("-----BEGIN CERTIFICATE-----\nbm90IGRlcg==\n-----END CERTIFICATE-----")).toBe("certificate 1 is not base64 DER between its BEGIN and END lines");
    expect(pemProblem(`${CERT}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`)).toBe("holds a private key: only certificates belong in the trust store");
    expect(pemProblem(`${CERT}\n-----BEGIN CERTIFICATE-----\nAAAA`)).toBe('unexpected PEM line "-----BEGIN CERTIFICATE-----"');
    expect(pemProblem(CERT)).toBeNull();
  });
});
