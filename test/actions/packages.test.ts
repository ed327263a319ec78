import { describe, expect, test } from "bun:test";
import { INSTALL_TIMEOUT_MS, packagesAction, REFRESH_TIMEOUT_MS } from "../../src/actions/packages.ts";
import { factsFor, inputsWith, refusal, unchecked } from "./system-fixtures.ts";

describe("packages", () => {
  test("apt: refresh then install, unattended through env; versions as name=version", () => {
    const inputs = inputsWith({ packages: ["nginx", ["curl", "8.5.0-2"], "libc6:i386"] });
    expect(packagesAction.plan(inputs, factsFor("debian"))).toEqual([
      { kind: "run", argv: ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update"], timeoutMs: REFRESH_TIMEOUT_MS, reason: "refresh the package index before installing" },
      { kind: "run", argv: ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends", "nginx", "curl=8.5.0-2", "libc6:i386"], timeoutMs: INSTALL_TIMEOUT_MS, reason: "packages from user-data" },
    ]);
  });

  test("dnf spells a version name-version; package_update alone only refreshes", () => {
    expect(packagesAction.plan(inputsWith({ packages: [["jq", "1.7"]] }), factsFor("rhel")).map((c) => c.kind === "run" && c.argv)).toEqual([["dnf", "makecache"], ["dnf", "install", "-y", "jq-1.7"]]);
    expect(packagesAction.plan(inputsWith({ package_update: true }), factsFor("alpine"))).toEqual([{ kind: "run", argv: ["apk", "update"], timeoutMs: REFRESH_TIMEOUT_MS, reason: "package_update from user-data" }]);
    expect(packagesAction.plan(inputsWith({ package_update: false }), factsFor("debian"))).toEqual([]);
  });

  test("offline: checked, nothing run, a note", () => {
    const inputs = inputsWith({ packages: ["nginx"], package_update: true });
    expect(packagesAction.plan(inputs, factsFor("debian", { offline: true }))).toEqual([]);
    expect(packagesAction.notes?.(inputs, factsFor("debian", { offline: true }))).toEqual(["packages: nothing installed under --root (1 package(s), package_update); left for the target's first boot"]);
    expect(refusal(() => packagesAction.plan(inputsWith({ packages: ["ok", "-oAPT::Get::foo=1"] }), factsFor("debian", { offline: true }))).paths).toEqual(["packages[1]"]);
  });

  test("refused by index: shell syntax in a name, a bad version, a version pacman cannot pin, no package manager", () => {
    expect(refusal(() => packagesAction.plan(inputsWith({ packages: ["vim", "foo; rm -rf /"] }), factsFor("debian")))).toMatchObject({ source: "seed user-data", paths: ["packages[1]"] });
    expect(refusal(() => packagesAction.plan(unchecked({ packages: [{ name: "vim", version: "1.0 || true" }] }), factsFor("debian"))).paths).toEqual(["packages[0]"]);
    expect(refusal(() => packagesAction.plan(inputsWith({ packages: [["vim", "9.1"]] }), factsFor("arch"))).message).toContain("pacman cannot install a given version");
    const unknown = { ...factsFor("debian"), distro: { ...factsFor("debian").distro, id: "plan9", means: { ...factsFor("debian").distro.means, packages: null } } };
    expect(refusal(() => packagesAction.plan(inputsWith({ packages: ["vim"] }), unknown)).message).toContain("no package manager is known");
  });
});
