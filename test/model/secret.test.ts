import { expect, test } from "bun:test";
import { inspect } from "node:util";
import { Secret } from "../../src/model/secret.ts";

test("a Secret shows as [redacted] every way it can become text, and reveals on request", () => {
  const s = new Secret("hunter2");
  const views = [String(s), `${s}`, JSON.stringify({ s }), inspect(s), inspect({ nested: [s] }), Bun.inspect(s)];
  for (const view of views) expect(view).not.toContain("hunter2");
  expect(JSON.stringify({ s })).toBe('{"s":"[redacted]"}');
  expect(s.reveal()).toBe("hunter2");
});
