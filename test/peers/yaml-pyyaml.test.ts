import { describe, expect, test } from "bun:test";
import { parseYaml } from "../../src/parse/yaml.ts";

/** Every plain scalar where YAML 1.1 readers disagree, and the shapes cloud-config uses. */
const SCALARS = [
  "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "NO", "on", "On", "off", "OFF", "true", "False", "~", "null", "Null", "",
  "0", "00", "07", "08", "09", "0644", "644", "-0", "+12", "1_000", "0x1F", "0b101", "0o17", "1:20", "190:20:30",
  "1.5", "1e3", "1.0e+3", "1.0e3", "-.5", ".", ".5", "-1_0.5e-2", ".inf", "-.Inf", ".nan", "0.", "1_0.5", "'0644'", '"yes"', "0644 ", "ssh-rsa AAAA x@y",
];
const DOCUMENTS = [
  "users:\n  - name: ops\n    lock_passwd: no\n    sudo: ALL=(ALL) NOPASSWD:ALL\n    groups: [adm, sudo]\n",
  "write_files:\n  - path: /etc/x\n    permissions: 0600\n    content: |\n      a: b\n      yes\n",
  "runcmd:\n  - [ls, -l, /]\n  - echo 'on' > /tmp/x\n  - - sh\n    - -c\n    - exit 0\n",
  "ntp: {servers: [a.example, b.example], enabled: y}\nmanage_etc_hosts: localhost\n",
  "a: &x {k: v}\nb: *x\nc: >\n  folded\n  text\n",
];

/** The first Python with PyYAML: the image's own, or Debian's /usr/bin/python3 with python3-yaml. */
const hasYaml = (python: string) => {
  try {
    return Bun.spawnSync([python, "-c", "import yaml"], { stderr: "ignore" }).exitCode === 0;
  } catch {
    return false; // no such interpreter
  }
};
const PYTHON = ["python3", "/usr/bin/python3"].find(hasYaml) ?? "python3";

/** PyYAML's safe_load, as cloud-init reads user-data, with its answer as JSON. */
async function pyyaml(text: string): Promise<unknown> {
  const child = Bun.spawn([PYTHON, "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read()), allow_nan=True))"], {
    stdin: new Blob([text]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`python3 yaml.safe_load failed (apt-get install python3-yaml): ${err}`);
  return JSON.parse(out.replace(/\bNaN\b/g, '"NaN"').replace(/-?Infinity\b/g, (m) => `"${m}"`));
}

/** Our value in the same JSON terms (NaN and infinities as strings, as above). */
function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)));
}

describe("peers: our YAML reads as PyYAML's safe_load (what cloud-init uses)", () => {
  test("plain and quoted scalars, one document", async () => {
    const text = SCALARS.map((s, i) => `k${i}: ${s}`).join("\n");
    expect(asJson(parseYaml(text, "scalars"))).toEqual(await pyyaml(text));
  });
  for (const [i, text] of DOCUMENTS.entries()) {
    test(`cloud-config shapes #${i}`, async () => {
      expect(asJson(parseYaml(text, `doc${i}`))).toEqual(await pyyaml(text));
    });
  }
});
