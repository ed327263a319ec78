import type { Action } from "./types.ts";
import { InputError, type Problem } from "../errors.ts";
import type { FamilyName } from "../os/linux/distro.ts";
import type { Change } from "../plan/change.ts";
import { cloudConfigOf } from "./cloud-config-of.ts";

const ROOT = { user: "root", group: "root" };

/** Where each family takes local trust anchors, and the program that rebuilds the bundle from them. */
const STORES: Record<FamilyName, { dir: string; update: string[] }> = {
  debian: { dir: "/usr/local/share/ca-certificates", update: ["update-ca-certificates"] },
  alpine: { dir: "/usr/local/share/ca-certificates", update: ["update-ca-certificates"] },
  unknown: { dir: "/usr/local/share/ca-certificates", update: ["update-ca-certificates"] },
  rhel: { dir: "/etc/pki/ca-trust/source/anchors", update: ["update-ca-trust", "extract"] },
  suse: { dir: "/etc/pki/trust/anchors", update: ["update-ca-certificates"] },
  arch: { dir: "/etc/ca-certificates/trust-source/anchors", update: ["update-ca-trust", "extract"] },
};

const BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g;

/**
 * One or more PEM certificates, each a DER SEQUENCE in base64. Text around the blocks is allowed
 * (openssl's own output has it) unless it holds another PEM armour line: a private key pasted into
 * a world-readable trust store, or a block left open, must stop the boot.
 */
export function pemProblem(text: string): string | null {
  let blocks = 0;
  let bad: string | null = null;
  const rest = text.replace(BLOCK, (_all, body: string) => {
    blocks++;
    const compact = body.replace(/\s/g, "");
    const der = /^[A-Za-z0-9+/]+={0,2}$/.test(compact) ? Buffer.from(compact, "base64") : null;
    if (!der || der.length < 64 || der[0] !== 0x30) bad ??= `certificate ${blocks} is not base64 DER between its BEGIN and END lines`;
    return "";
  });
  if (bad) return bad;
  const armour = /-----(BEGIN|END) ([A-Z0-9 ]+)-----/.exec(rest);
  if (armour) return armour[2]?.includes("PRIVATE KEY") ? "holds a private key: only certificates belong in the trust store" : `unexpected PEM line ${JSON.stringify(armour[0])}`;
  if (blocks === 0) return "expected a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)";
  return null;
}

/** cloud-config `ca_certs.trusted` (cc_ca_certs), per instance: files tether-N.crt in the family's anchors. */
export const caCertsAction: Action = {
  name: "ca-certs",
  frequency: "per-instance",
  deferredWhenOffline: true,
  plan(inputs, facts) {
    const view = cloudConfigOf(inputs);
    const trusted = view.config.ca_certs?.trusted ?? [];
    if (!trusted.length) return [];
    const problems: Problem[] = trusted.flatMap((cert, i) => {
      const problem = pemProblem(cert);
      return problem ? [{ path: `ca_certs.trusted[${i}]`, message: problem }] : [];
    });
    if (problems.length) throw new InputError(view.sourceOf("ca_certs"), problems);
    const store = STORES[facts.distro.means.family];
    const changes: Change[] = [{ kind: "mkdir", path: store.dir, mode: 0o755, owner: ROOT, reason: "local trust anchors" }];
    trusted.forEach((cert, i) => {
      changes.push({ kind: "write", path: `${store.dir}/tether-${i + 1}.crt`, content: cert.endsWith("\n") ? cert : `${cert}\n`, mode: 0o644, owner: ROOT, reason: `ca_certs.trusted[${i}] from user-data` });
    });
    if (!facts.offline) changes.push({ kind: "run", argv: store.update, timeoutMs: 120_000, reason: "rebuild the system's CA bundle" });
    return changes;
  },
  notes(inputs, facts) {
    const n = cloudConfigOf(inputs).config.ca_certs?.trusted.length ?? 0;
    return facts.offline && n ? [`ca-certs: ${n} certificate(s) placed; the CA bundle is rebuilt on the target (${STORES[facts.distro.means.family].update.join(" ")}), not under --root`] : [];
  },
};
