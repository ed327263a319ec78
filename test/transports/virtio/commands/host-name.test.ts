import { expect, test } from "bun:test";
import { createFakeHost } from "../../../../src/host/fake.ts";
import type { Host } from "../../../../src/host/types.ts";
import { guestGetHostName } from "../../../../src/transports/virtio/commands/host-name.ts";
import type { QgaContext } from "../../../../src/transports/virtio/qga-types.ts";
import { readOnlyContext } from "./qga-test-context.ts";

function context(host: Host): QgaContext {
  return readOnlyContext(host);
}

test("guest-get-host-name → {host-name} from the running kernel", async () => {
  const host = createFakeHost({ system: { hostname: "web-1.example.org" } });
  expect(guestGetHostName.kind).toBe("read");
  expect(await guestGetHostName.run(context(host), {})).toEqual({ "host-name": "web-1.example.org" });
});

test("guest-get-host-name answers localhost when the name cannot be read, as qemu-ga does", async () => {
  const base = createFakeHost();
  const host: Host = {
    ...base,
    system: {
      ...base.system,
      hostname: () => {
        throw new Error("gethostname failed");
      },
    },
  };
  expect(await guestGetHostName.run(context(host), {})).toEqual({ "host-name": "localhost" });
});
