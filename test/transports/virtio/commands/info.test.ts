import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { createFakeHost } from "../../../../src/host/fake.ts";
import { guestInfo, guestPing, guestSync, guestSyncDelimited, INFO_COMMANDS } from "../../../../src/transports/virtio/commands/info.ts";
import { newQgaState, type QgaContext } from "../../../../src/transports/virtio/qga-types.ts";
import { VERSION } from "../../../../src/version.ts";

function context(supported: ReturnType<QgaContext["supported"]> = []): QgaContext {
  const host = createFakeHost();
  return {
    host,
    log: host.log,
    state: newQgaState(),
    version: VERSION,
    execute: () => Promise.reject(new Error("read-only commands execute nothing")),
    supported: () => supported,
  };
}

/** The arguments as the dispatcher hands them over: parsed by the command's schema. */
function parse(schema: v.GenericSchema | undefined, args: unknown) {
  if (!schema) throw new Error("no schema");
  return v.safeParse(schema, args);
}

describe("guest-ping, guest-sync, guest-sync-delimited, guest-info", () => {
  test("every command is a read command with its qemu-ga name", () => {
    expect(INFO_COMMANDS.map((c) => [c.name, c.kind])).toEqual([
      ["guest-ping", "read"],
      ["guest-sync", "read"],
      ["guest-sync-delimited", "read"],
      ["guest-info", "read"],
    ]);
    expect(guestPing.args).toBeUndefined();
    expect(guestInfo.args).toBeUndefined();
  });

  test("guest-ping returns {}", async () => {
    expect(await guestPing.run(context(), {})).toEqual({});
  });

  for (const command of [guestSync, guestSyncDelimited]) {
    test(`${command.name} echoes the id, negatives and zero included`, async () => {
      for (const id of [0, 1, -5, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
        const parsed = parse(command.args, { id });
        expect(parsed.success).toBe(true);
        expect(await command.run(context(), parsed.output)).toBe(id);
      }
    });

    test(`${command.name} refuses what qemu-ga refuses: no id, a string, a fraction, a boolean, null, an extra member`, () => {
      for (const args of [{}, { id: "1" }, { id: 1.5 }, { id: true }, { id: null }, { id: 1, extra: 2 }]) {
        expect(parse(command.args, args).success).toBe(false);
      }
    });

    test(`${command.name} refuses an id a JSON number cannot echo exactly (qemu-ga takes any int64)`, () => {
      expect(parse(command.args, { id: 2 ** 53 }).success).toBe(false);
      expect(parse(command.args, { id: 9223372036854775807 }).success).toBe(false);
    });
  }

  test("guest-info: version and supported_commands with qemu-ga's member names", async () => {
    const ctx = context([
      { name: "guest-ping", enabled: true, successResponse: true },
      { name: "guest-exec", enabled: false, successResponse: true },
      { name: "guest-shutdown", enabled: true, successResponse: false },
    ]);
    expect(await guestInfo.run(ctx, {})).toEqual({
      version: VERSION,
      supported_commands: [
        { name: "guest-ping", enabled: true, "success-response": true },
        { name: "guest-exec", enabled: false, "success-response": true },
        { name: "guest-shutdown", enabled: true, "success-response": false },
      ],
    });
  });

  test("guest-info with nothing supported still has both members", async () => {
    expect(await guestInfo.run(context(), {})).toEqual({ version: VERSION, supported_commands: [] });
  });
});
