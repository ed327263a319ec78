import type { Plan } from "../plan/change.ts";
import type { BootInputs } from "./inputs.ts";
import type { Action, BaseFacts } from "./types.ts";

/**
 * Every due action's changes, in registry order. Planning throws (an InputError naming the field)
 * before anything is applied: a boot either has a whole plan or changes nothing.
 */
export function planBoot<F extends BaseFacts>(actions: readonly Action<F>[], inputs: BootInputs, facts: F): Plan {
  return {
    instanceId: inputs.data.instanceId,
    steps: actions.map((action) => ({ action: action.name, changes: action.plan(inputs, facts) })),
  };
}
