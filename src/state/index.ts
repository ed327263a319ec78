export { BOOT_ID_PATH, INSTANCE_ID_PATH, LAST_RUN_PATH, STATE_DIR, instanceIdProblem } from "./paths.ts";
export { decide, isNewInstance, loadState, readBootId, recordRun, shouldRun, type ActionInfo, type RunRecord, type TetherState } from "./state.ts";
export type { ActionRecord, Frequency, LastRun } from "./schema.ts";
