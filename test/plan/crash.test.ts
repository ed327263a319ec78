import { describe, expect, test } from "bun:test";
import { createFakeHost } from "../../src/host/fake.ts";
import type { Host } from "../../src/host/types.ts";
import { Secret } from "../../src/model/secret.ts";
import { applyPlan } from "../../src/plan/apply.ts";
import { readJournal } from "../../src/plan/journal.ts";
import { dyingFs, Killed, plan, realHost, tempRoot, treeOf, withFs } from "./helpers.ts";

const JOURNAL = "/var/lib/tether/journal.json";

const TREE: Record<string, string> = {
  "/etc/passwd": "root:x:0:0::/root:/bin/sh\nalice:x:1001:1001::/home/alice:/bin/sh\n",
  "/etc/group": "root:x:0:\nalice:x:1001:\n",
  "/etc/hostname": "localhost\n",
  "/etc/shadow": "root:*:19000::::::\n",
  "/etc/motd": "same text\n",
  "/etc/old.conf": "to be removed\n",
  "/home/alice/.profile": "",
};

/** Every kind of step: new file in a new directory, changed file, secret, mode-only, removal, a run. */
const PLAN = plan([
  [
    "ssh-keys",
    [
      { kind: "mkdir", path: "/home/alice/.ssh", mode: 0o700, owner: { user: "alice", group: "alice" }, reason: "" },
      { kind: "write", path: "/home/alice/.ssh/authorized_keys", content: "ssh-ed25519 AAAA alice\n", mode: 0o600, owner: { user: "alice", group: "alice" }, reason: "" },
    ],
  ],
  ["hostname", [{ kind: "write", path: "/etc/hostname", content: "web-1\n", mode: 0o644, reason: "" }]],
  ["password", [{ kind: "write", path: "/etc/shadow", content: new Secret("root:$6$s$hash:19000::::::\n"), mode: 0o640, reason: "" }]],
  ["motd", [{ kind: "write", path: "/etc/motd", content: "same text\n", mode: 0o600, reason: "" }]],
  ["cleanup", [{ kind: "remove", path: "/etc/old.conf", reason: "" }]],
  ["scripts", [{ kind: "run", argv: ["true"], reason: "" }]],
]);

interface Subject {
  name: string;
  /** A fresh machine holding TREE. */
  make(): Promise<Host>;
}

const subjects: Subject[] = [
  { name: "fake host", make: async () => createFakeHost({ tree: TREE, programs: { true: () => ({ code: 0 }) } }) },
  {
    name: "real --root",
    make: async () => realHost(tempRoot(Object.fromEntries(Object.entries(TREE).map(([k, v]) => [k.slice(1), v])))),
  },
];

const noTemps = (tree: Record<string, string>) => Object.keys(tree).filter((p) => p.endsWith(".tether-tmp"));

for (const subject of subjects) {
  describe(`crash convergence (${subject.name})`, () => {
    test("killed at every file-system change in turn, the next apply ends with the clean run's tree", async () => {
      const clean = await subject.make();
      const counter = dyingFs(clean.fs, 0);
      const cleanResult = await applyPlan(withFs(clean, counter), PLAN);
      expect(cleanResult.steps.map((s) => s.status)).toEqual(["ok", "ok", "ok", "ok", "ok", "ok", "ok"]);
      const expected = await treeOf(clean.fs, "/", [JOURNAL]);
      expect(noTemps(expected)).toEqual([]);
      expect(expected["/etc/hostname.tether-bak"]).toEndWith(" localhost\n");
      expect(expected["/etc/shadow.tether-bak"]).toEndWith(" root:*:19000::::::\n");
      expect(expected["/etc/old.conf.tether-bak"]).toEndWith(" to be removed\n");
      expect(expected["/etc/motd.tether-bak"]).toBeUndefined();
      const changes = counter.count();
      expect(changes).toBeGreaterThan(20);

      let journaled = 0;
      for (let killAt = 1; killAt <= changes; killAt++) {
        const host = await subject.make();
        const error = await applyPlan(withFs(host, dyingFs(host.fs, killAt)), PLAN).then(
          () => null,
          (e) => e,
        );
        expect(error).toBeInstanceOf(Killed);
        const left = (await readJournal(host)).journal;
        if (left) {
          journaled++;
          expect(left.state).toBe("running");
        }
        // Re-planning may find less to do than the killed plan: the killed step's temp files go anyway.
        const nothing = await applyPlan(host, plan([]));
        expect(nothing.interrupted?.planId ?? null).toBe(left ? left.planId : null);
        expect({ killAt, temps: noTemps(await treeOf(host.fs)) }).toEqual({ killAt, temps: [] });

        const second = await applyPlan(host, PLAN);
        expect(second.ok).toBe(true);
        expect({ killAt, tree: await treeOf(host.fs, "/", [JOURNAL]) }).toEqual({ killAt, tree: expected });
        expect((await readJournal(host)).journal?.state).toBe("done");
      }
      // Most kills happen after the first journal write: the interrupted run is visible.
      expect(journaled).toBeGreaterThan(changes - 10);
    });

    test("a second apply of the same plan changes nothing", async () => {
      const host = await subject.make();
      await applyPlan(host, PLAN);
      const before = await treeOf(host.fs, "/", [JOURNAL]);
      const again = await applyPlan(host, PLAN);
      expect(again.steps.map((s) => s.status)).toEqual(["skipped-unchanged", "skipped-unchanged", "skipped-unchanged", "skipped-unchanged", "skipped-unchanged", "skipped-unchanged", "ok"]);
      expect(await treeOf(host.fs, "/", [JOURNAL])).toEqual(before);
    });
  });
}
