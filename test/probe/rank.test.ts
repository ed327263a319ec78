import { describe, expect, test } from "bun:test";
import { BOOT_ORDER, CHANNEL_ORDER, choose, merge } from "../../src/probe/rank.ts";
import type { Candidate } from "../../src/probe/types.ts";

const c = (transport: Candidate["transport"], verdict: Candidate["verdict"], location?: string): Candidate => ({
  transport,
  verdict,
  evidence: [`${transport} ${verdict}`],
  ms: 1,
  ...(location ? { location } : {}),
});

describe("ranking", () => {
  test("a local disk beats the network; found beats maybe", () => {
    const all = [c("metadata-http", "found"), c("nocloud", "found"), c("config-drive", "found"), c("xenstore", "maybe")];
    expect(choose(all, BOOT_ORDER)?.transport).toBe("config-drive");
    expect(choose([c("xenstore", "maybe"), c("metadata-http", "found")], BOOT_ORDER)?.transport).toBe("metadata-http");
    expect(choose([c("xenstore", "maybe"), c("metadata-http", "absent")], BOOT_ORDER)?.transport).toBe("xenstore");
    expect(choose([c("config-drive", "absent"), c("metadata-http", "skipped")], BOOT_ORDER)).toBeNull();
  });

  test("the command line's choice wins when it was seen, and only then", () => {
    const all = [c("config-drive", "found"), c("metadata-http", "found")];
    expect(choose(all, BOOT_ORDER, "metadata-http")?.transport).toBe("metadata-http");
    expect(choose([c("config-drive", "found"), c("metadata-http", "absent")], BOOT_ORDER, "metadata-http")).toBeNull();
  });

  test("the daemon channel: virtio before xenstore", () => {
    expect(choose([c("xenstore", "found"), c("virtio", "found")], CHANNEL_ORDER)?.transport).toBe("virtio");
    expect(choose([c("config-drive", "found")], CHANNEL_ORDER)).toBeNull();
  });

  test("merge keeps the strongest verdict and its location, and all the evidence", () => {
    const merged = merge([c("nocloud", "absent"), { ...c("nocloud", "found", "http://seed/"), ms: 7 }]);
    expect(merged).toEqual([{ transport: "nocloud", verdict: "found", location: "http://seed/", ms: 7, evidence: ["nocloud found", "nocloud absent"] }]);
  });
});
