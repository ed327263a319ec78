import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { prepareInputs } from "../../../src/actions/inputs.ts";
import { planBoot } from "../../../src/actions/plan-boot.ts";
import { createRealFs } from "../../../src/host/real-fs.ts";
import { WINDOWS_ACTIONS } from "../../../src/os/windows/actions/index.ts";
import { windowsFilesAction } from "./files-action.ts";
import { readNocloudSeed, treeSeed } from "../../../src/transports/nocloud/read-seed.ts";
import { REPO } from "../../helpers/run-agent.ts";
import { inputsFrom } from "../../actions/identity-helpers.ts";
import { thrown } from "../../helpers/failure.ts";
import { expectGolden, formatChanges, offlineWindowsFacts, planWindows, windowsFacts } from "./windows-fixtures.ts";

async function exampleInputs() {
  const dir = join(REPO, "examples/nocloud");
  const data = await readNocloudSeed(treeSeed(createRealFs(dir), "examples/nocloud"));
  return prepareInputs(data, []);
}

function planText(inputs: Awaited<ReturnType<typeof exampleInputs>>, facts: ReturnType<typeof windowsFacts>): string {
  const reads = [...new Set(WINDOWS_ACTIONS.flatMap((a) => a.reads?.(inputs, facts) ?? []))];
  const withFiles = { ...facts, files: Object.fromEntries(reads.map((p) => [p, p === "/" ? "" : undefined])) };
  const plan = planBoot(WINDOWS_ACTIONS, inputs, withFiles);
  const notes = WINDOWS_ACTIONS.flatMap((a) => a.notes?.(inputs, withFiles) ?? []);
  return [...plan.steps.flatMap((s) => (s.changes.length ? [`== ${s.action} ==`, formatChanges(s.changes).trimEnd()] : [])), "== notes ==", ...notes.map((n) => `- ${n.replace(/finished at .*GMT/, "finished at <now>")}`), ""].join("\n");
}

describe("the Windows plan of the bundled example", () => {
  test("a running Windows Server: every action's changes, in order, and what is not applied", async () => {
    expectGolden("boot/example-online.txt", planText(await exampleInputs(), windowsFacts()));
  });

  test("an image under --root: files only, the rest named for the first boot", async () => {
    expectGolden("boot/example-offline.txt", planText(await exampleInputs(), offlineWindowsFacts()));
  });
});

describe("Windows files from data", () => {
  test("write_files and injected files land on the system drive, with no Linux owners", async () => {
    const inputs = await inputsFrom(
      "write_files:\n  - path: C:\\Tether\\hello.txt\n    content: hi\n    owner: root:root\n  - path: /etc/example.conf\n    content: x=1\n",
      { files: [{ path: "c:/ProgramData/app/settings.json", content: new TextEncoder().encode("{}") }] },
    );
    const facts = windowsFacts({ files: {} });
    const changes = [...planWindows(windowsFilesAction("write-files"), inputs, facts), ...planWindows(windowsFilesAction("injected-files"), inputs, facts)];
    expect(changes.every((c) => !("owner" in c))).toBe(true);
    expectGolden("files/write-and-inject.txt", formatChanges(changes));
  });

  test("a path on another drive stops the boot, naming the field", async () => {
    const inputs = await inputsFrom("write_files:\n  - path: D:\\x.txt\n    content: hi\n");
    expect(thrown(() => planWindows(windowsFilesAction("write-files"), inputs, windowsFacts())).message).toContain("write_files[0].path: only the system drive C: is configured");
    const injected = await inputsFrom(null, { files: [{ path: "\\\\server\\share\\x", content: new Uint8Array() }] });
    expect(thrown(() => planWindows(windowsFilesAction("injected-files"), injected, windowsFacts())).message).toContain("files[0].path");
  });
});
