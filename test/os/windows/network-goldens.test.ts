import { describe, expect, test } from "bun:test";
import type { BootInputs } from "../../../src/actions/inputs.ts";
import type { Nic } from "../../../src/model/network.ts";
import { setNetworkData, windowsNetworkAction } from "../../../src/os/windows/actions/network.ts";
import { windowsNetworkSpec } from "../../../src/os/windows/network-spec.ts";
import { asciiJson } from "../../../src/os/windows/powershell.ts";
import { instanceData } from "../../actions/identity-helpers.ts";
import { convertFixture, fixtureNics, inputs } from "../../helpers/network-goldens.ts";
import { expectGolden, formatChanges, planWindows, windowsFacts } from "./windows-fixtures.ts";

/** The corpus's NICs as Windows names them: the same MACs, "Ethernet", "Ethernet 2", … */
const adapters = (): Nic[] => fixtureNics().map((n, i) => ({ name: i ? `Ethernet ${i + 1}` : "Ethernet", mac: n.mac }));

describe("Windows network goldens: every input of the network corpus", () => {
  for (const file of inputs()) {
    test(file, () => {
      const network = convertFixture(file);
      const bootInputs: BootInputs = { data: instanceData(), network, warnings: [] };
      const facts = windowsFacts({ nics: adapters() });
      const changes = planWindows(windowsNetworkAction, bootInputs, facts);
      const notes = windowsNetworkAction.notes?.(bootInputs, facts) ?? [];
      const spec = windowsNetworkSpec(network, facts.nics);
      // The step's stdin is the spec itself: shown pretty below so that a reader can check it.
      const run = changes.find((c) => c.kind === "run");
      if (run?.kind === "run") expect(run.input).toBe(asciiJson(setNetworkData(spec)));
      const text = [formatChanges(changes), notes.length ? "notes:" : "notes: (none)", ...notes.map((n) => `  ${n}`), "", "spec (the stdin above, pretty):", JSON.stringify(setNetworkData(spec), null, 2), ""].join("\n");
      expectGolden(`network/${file}.txt`, text);
    });
  }
});
