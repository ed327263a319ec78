/**
 * Looks for secrets in bytes, in the forms a leak takes: as they are, base64 (at each of the three
 * alignments inside a longer encoded run, and base64url), hex, JSON-escaped, URL-encoded.
 */

export interface SecretForm {
  /** The secret's name and the form, e.g. "adminPass (base64)". */
  label: string;
  bytes: Uint8Array;
}

export interface Finding {
  label: string;
  offset: number;
}

const encoder = new TextEncoder();

/** The base64 characters that depend only on the secret's bytes when it sits `shift` bytes into a run. */
function base64Cores(secret: Uint8Array): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = new Uint8Array(shift + secret.length);
    padded.set(secret, shift);
    const text = Buffer.from(padded).toString("base64");
    const start = Math.ceil((shift * 4) / 3);
    const end = Math.floor(padded.length / 3) * 4;
    if (end - start >= 8) out.push(text.slice(start, end));
  }
  return out;
}

/** Every form of every named secret; forms shorter than 6 bytes are dropped (they would match by chance). */
export function secretForms(secrets: Record<string, string>): SecretForm[] {
  const forms: SecretForm[] = [];
  const seen = new Set<string>();
  const add = (name: string, form: string, text: string) => {
    if (text.length < 6 || seen.has(text)) return;
    seen.add(text);
    forms.push({ label: `${name} (${form})`, bytes: encoder.encode(text) });
  };
  for (const [name, secret] of Object.entries(secrets)) {
    const bytes = encoder.encode(secret);
    add(name, "as is", secret);
    add(name, "JSON-escaped", JSON.stringify(secret).slice(1, -1));
    add(name, "URL-encoded", encodeURIComponent(secret));
    add(name, "hex", Buffer.from(bytes).toString("hex"));
    add(name, "HEX", Buffer.from(bytes).toString("hex").toUpperCase());
    for (const core of base64Cores(bytes)) {
      add(name, "base64", core);
      add(name, "base64url", core.replaceAll("+", "-").replaceAll("/", "_"));
    }
  }
  return forms;
}

/** Every place a form occurs in `haystack`, in offset order. */
export function findSecrets(haystack: Uint8Array, forms: SecretForm[]): Finding[] {
  const buffer = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength);
  const out: Finding[] = [];
  for (const form of forms) {
    for (let at = buffer.indexOf(form.bytes); at >= 0; at = buffer.indexOf(form.bytes, at + 1)) out.push({ label: form.label, offset: at });
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** Findings as lines for an assertion message: "label at offset N: …context…". */
export function describeFindings(name: string, haystack: Uint8Array, findings: Finding[]): string[] {
  const text = Buffer.from(haystack);
  return findings.map((f) => `${name}: ${f.label} at offset ${f.offset}: ${JSON.stringify(text.subarray(Math.max(0, f.offset - 40), f.offset + 60).toString("latin1"))}`);
}
