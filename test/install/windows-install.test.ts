import { describe, expect, test } from "bun:test";
import { planInstall } from "../../src/install/plan-install.ts";
import { BOOT_TASK, bootTaskXml, DAEMON_TASK, daemonTaskXml, mergeSetupComplete, SETUP_COMPLETE, setupCompleteLine, WINDOWS_BIN } from "../../src/install/windows-tasks.ts";
import { Secret } from "../../src/model/secret.ts";
import type { Change } from "../../src/plan/change.ts";
import { expectGolden, formatChanges } from "../os/windows/windows-fixtures.ts";

const EXE = new TextEncoder().encode("MZ stand-in agent");
const LINE = '"C:\\Program Files\\Tether\\agent.exe" install --init windows --start';

function changesOf(facts: Parameters<typeof planInstall>[0]): Change[] {
  const plan = planInstall(facts);
  expect(plan.steps.map((s) => s.action)).toEqual(["install"]);
  return plan.steps[0]?.changes ?? [];
}

/** A plan for a golden file, with its CRs shown (SetupComplete.cmd is CRLF) rather than left for an editor to strip. */
const shown = (changes: Change[]) => formatChanges(changes).replaceAll("\r", "\\r");

const textOf = (c: Change | undefined) => {
  if (c?.kind !== "write") throw new Error(`expected a write, got ${c?.kind}`);
  return c.content instanceof Secret ? c.content.reveal() : typeof c.content === "string" ? c.content : new TextDecoder("latin1").decode(c.content);
};

/** The stdin of the register-tasks run, parsed. */
function registered(changes: Change[]): { tasks: { name: string; xml: string }[]; start: boolean } {
  const run = changes.find((c) => c.kind === "run" && c.show === "powershell register-tasks");
  if (run?.kind !== "run" || typeof run.input !== "string") throw new Error("no register-tasks run");
  return JSON.parse(run.input);
}

/** Well-formed XML, enough to catch a broken template: every tag closed, in order, and no bare `&` or `<` in text. */
function checkXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:-]+="[^"<&]*")*)\s*(\/?)>|<|&(?!(amp|lt|gt|quot|apos);)/g)) {
    if (m[2] === undefined) throw new Error(`bare ${m[0]} at ${m.index}`);
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]);
  }
  expect(stack).toEqual([]);
}

describe("agent install --init windows: the plan", () => {
  test("on the running system: stop the tasks, copy the binary, register both tasks as SYSTEM", () => {
    const changes = changesOf({ init: "windows", root: "/", binary: EXE });
    expect(changes.map((c) => (c.kind === "run" ? c.show : `${c.kind} ${c.path}`))).toEqual([
      "powershell stop-tasks",
      "mkdir /Program Files/Tether",
      `write ${WINDOWS_BIN}`,
      "powershell register-tasks",
    ]);
    const { tasks, start } = registered(changes);
    expect(tasks.map((t) => t.name)).toEqual([BOOT_TASK, DAEMON_TASK]);
    expect(tasks.map((t) => t.xml)).toEqual([bootTaskXml(), daemonTaskXml()]);
    expect(start).toBe(false);
    expectGolden("install/online.txt", shown(changes));
  });

  test("the binary already in place (SetupComplete.cmd runs it), --start: register and start, nothing copied or stopped", () => {
    const changes = changesOf({ init: "windows", root: "/", start: true });
    expect(changes.map((c) => c.kind === "run" && c.show)).toEqual(["powershell register-tasks"]);
    expect(registered(changes).start).toBe(true);
    expect(changes[0]?.reason).toContain("both started now");
    expectGolden("install/online-in-place-start.txt", shown(changes));
  });

  test("the task definitions: SYSTEM by SID, one instance, the daemon without a time limit and started again", () => {
    const boot = bootTaskXml();
    const daemon = daemonTaskXml();
    for (const xml of [boot, daemon]) {
      checkXml(xml);
      expect(xml).toContain("<UserId>S-1-5-18</UserId>");
      expect(xml).toContain("<BootTrigger>");
      expect(xml).toContain("<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>");
      expect(xml).toContain("<DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>");
      expect(xml).toContain('<Command>"C:\\Program Files\\Tether\\agent.exe"</Command>');
      // The schema's trigger children are a sequence: Enabled first.
      expect(xml.indexOf("<Enabled>true</Enabled>")).toBeLessThan(xml.indexOf("</BootTrigger>"));
      if (xml.includes("<Repetition>")) expect(xml.indexOf("<Enabled>")).toBeLessThan(xml.indexOf("<Repetition>"));
    }
    expect(boot).toContain("<Arguments>boot</Arguments>");
    expect(boot).not.toContain("<Repetition>");
    expect(boot).toContain("<ExecutionTimeLimit>PT72H</ExecutionTimeLimit>");
    expect(daemon).toContain("<Arguments>daemon</Arguments>");
    expect(daemon).toContain("<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
    expect(daemon).toContain("<Interval>PT1M</Interval>");
    expect(bootTaskXml("C:\\A&B\\<x>.exe")).toContain("<Command>\"C:\\A&amp;B\\&lt;x&gt;.exe\"</Command>");
    expectGolden("install/boot-task.xml", boot);
    expectGolden("install/daemon-task.xml", daemon);
  });

  test("an image (--root): the binary, and a SetupComplete.cmd that installs the tasks at the end of setup; nothing runs", () => {
    const changes = changesOf({ init: "windows", root: "/mnt/win", binary: EXE });
    expect(changes.some((c) => c.kind === "run")).toBe(false);
    expect(changes.map((c) => c.kind !== "run" && `${c.kind} ${c.path}`)).toEqual(["mkdir /Program Files/Tether", `write ${WINDOWS_BIN}`, "mkdir /Windows/Setup/Scripts", `write ${SETUP_COMPLETE}`]);
    expect(textOf(changes[3])).toBe(`${LINE}\r\n`);
    expectGolden("install/offline.txt", shown(changes));
  });

  test("an image's own SetupComplete.cmd: its lines kept, ours added once", () => {
    const current = "@echo off\r\nreg add HKLM\\Software\\Acme /v Ready /d 1 /f\r\n";
    const changes = changesOf({ init: "windows", root: "/mnt/win", binary: EXE, setupComplete: current });
    const merged = textOf(changes.at(-1));
    expect(merged).toBe(`${current}${LINE}\r\n`);
    expectGolden("install/offline-merge.txt", shown(changes));
    // Installing again into the same image: the same file, so the write is skipped as unchanged.
    const again = changesOf({ init: "windows", root: "/mnt/win", binary: EXE, setupComplete: merged });
    expect(textOf(again.at(-1))).toBe(merged);
  });
});

describe("mergeSetupComplete", () => {
  test("idempotent, and a line of an earlier version is replaced in place", () => {
    const once = mergeSetupComplete("echo one\r\n");
    expect(mergeSetupComplete(once)).toBe(once);
    const old = 'echo one\r\n"C:\\Program Files\\Tether\\agent.exe" install --init windows\r\necho two\r\n';
    expect(mergeSetupComplete(old)).toBe(`echo one\r\n${LINE}\r\necho two\r\n`);
  });

  test("before a final exit, which would end the script before our line", () => {
    expect(mergeSetupComplete("@echo off\r\ncall prep.cmd\r\nexit /b 0\r\n\r\n")).toBe(`@echo off\r\ncall prep.cmd\r\n${LINE}\r\nexit /b 0\r\n\r\n`);
    expect(mergeSetupComplete("EXIT")).toBe(`${LINE}\r\nEXIT\r\n`);
    // "exitcode.cmd" is not exit.
    expect(mergeSetupComplete("exitcode.cmd\r\n")).toBe(`exitcode.cmd\r\n${LINE}\r\n`);
  });

  test("the file's line ending and its bytes are kept; a last line without an ending gets one", () => {
    expect(mergeSetupComplete("echo lf\n")).toBe(`echo lf\n${LINE}\n`);
    expect(mergeSetupComplete("echo none")).toBe(`echo none\r\n${LINE}\r\n`);
    // As read: one char per byte (a cp1252 "é" is 0xE9).
    expect(mergeSetupComplete("echo caf\u00e9\r\n")).toBe(`echo caf\u00e9\r\n${LINE}\r\n`);
    expect(setupCompleteLine()).toBe(LINE);
  });

  test("the non-ASCII bytes of an image's file go back unchanged", () => {
    const bytes = Uint8Array.from([0x65, 0x63, 0x68, 0x6f, 0x20, 0xe9, 0x80, 0x0d, 0x0a]); // "echo é€" in cp1252
    const changes = changesOf({ init: "windows", root: "/mnt/win", setupComplete: new TextDecoder("latin1").decode(bytes) });
    const write = changes.at(-1);
    if (write?.kind !== "write" || !(write.content instanceof Uint8Array)) throw new Error("expected bytes");
    expect([...write.content.slice(0, bytes.length)]).toEqual([...bytes]);
  });
});
