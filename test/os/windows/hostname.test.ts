import { describe, expect, test } from "bun:test";
import { windowsHostnameAction } from "../../../src/os/windows/actions/hostname.ts";
import { windowsPowerStateAction } from "../../../src/os/windows/actions/power-state.ts";
import { inputsFrom } from "../../actions/identity-helpers.ts";
import { thrown } from "../../helpers/failure.ts";
import { expectGolden, formatChanges, offlineWindowsFacts, planWindows, windowsFacts } from "./windows-fixtures.ts";

const both = (changes: Parameters<typeof formatChanges>[0], more: Parameters<typeof formatChanges>[0]) => formatChanges([...changes, ...more]);

describe("Windows computer name", () => {
  test("a new name: one SetComputerNameEx run, then the restart it needs", async () => {
    const inputs = await inputsFrom("fqdn: web-1.example.org\n");
    const facts = windowsFacts();
    expectGolden("hostname/rename.txt", both(planWindows(windowsHostnameAction, inputs, facts), planWindows(windowsPowerStateAction, inputs, facts)));
  });

  test("the same name, in any case, changes nothing and restarts nothing", async () => {
    const inputs = await inputsFrom(null, { hostname: "win-7qk2m1" });
    expect(planWindows(windowsHostnameAction, inputs, windowsFacts())).toEqual([]);
    expect(planWindows(windowsPowerStateAction, inputs, windowsFacts())).toEqual([]);
  });

  test("a long name keeps 15 characters for NetBIOS, and says so", async () => {
    const inputs = await inputsFrom(null, { hostname: "database-primary-eu-west" });
    const changes = planWindows(windowsHostnameAction, inputs, windowsFacts());
    expect(changes[0]?.reason).toContain("computer name database-primar (DNS host name database-primary-eu-west)");
    expect(windowsHostnameAction.notes?.(inputs, windowsFacts())).toEqual([
      'hostname: "database-primary-eu-west" is longer than NetBIOS\'s 15 characters: the computer name is database-primar, the DNS host name stays database-primary-eu-west',
    ]);
    // A cut that ends in a hyphen drops it: NetBIOS names may not end in one.
    const hyphen = await inputsFrom(null, { hostname: "abcdefghijklmn-opq" });
    expect(planWindows(windowsHostnameAction, hyphen, windowsFacts())[0]?.reason).toContain("computer name abcdefghijklmn ");
  });

  test("a name of digits only is refused, as Windows refuses it", async () => {
    const inputs = await inputsFrom("hostname: '12345'\n");
    expect(thrown(() => planWindows(windowsHostnameAction, inputs, windowsFacts())).message).toContain("digits only");
  });

  test("power_state decides over the rename's restart", async () => {
    const inputs = await inputsFrom("hostname: web-2\npower_state:\n  mode: poweroff\n  delay: 2\n  message: bye\n");
    expectGolden("hostname/power-state-decides.txt", formatChanges(planWindows(windowsPowerStateAction, inputs, windowsFacts())));
    const never = await inputsFrom("hostname: web-2\npower_state:\n  mode: reboot\n  condition: false\n");
    expect(planWindows(windowsPowerStateAction, never, windowsFacts())).toEqual([]);
    const command = await inputsFrom("power_state:\n  mode: reboot\n  condition: test -f /x\n");
    expect(planWindows(windowsPowerStateAction, command, windowsFacts())).toEqual([]);
    expect(windowsPowerStateAction.notes?.(command, windowsFacts())?.[0]).toContain("not run");
  });

  test("offline: no rename and no restart, a note that the first boot does it", async () => {
    const inputs = await inputsFrom(null, { hostname: "web-3" });
    expect(planWindows(windowsHostnameAction, inputs, offlineWindowsFacts())).toEqual([]);
    expect(planWindows(windowsPowerStateAction, inputs, offlineWindowsFacts())).toEqual([]);
    expect(windowsHostnameAction.notes?.(inputs, offlineWindowsFacts())).toEqual(["hostname: web-3 is set at the image's first boot (a computer name is the running system's)"]);
  });
});
