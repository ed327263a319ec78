import { expect, test } from "bun:test";
import { createFakeHost } from "../../../../src/host/fake.ts";
import { guestFsfreezeStatus } from "../../../../src/transports/virtio/commands/fsfreeze-status.ts";
import type { QgaContext } from "../../../../src/transports/virtio/qga-types.ts";
import { readOnlyContext } from "./qga-test-context.ts";

test("guest-fsfreeze-status follows the daemon's state: thawed, then frozen", async () => {
  const host = createFakeHost();
  const ctx: QgaContext = readOnlyContext(host);
  expect(guestFsfreezeStatus.kind).toBe("read");
  expect(await guestFsfreezeStatus.run(ctx, {})).toBe("thawed");
  ctx.state.frozen = true;
  expect(await guestFsfreezeStatus.run(ctx, {})).toBe("frozen");
});
