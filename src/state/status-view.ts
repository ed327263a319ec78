import type { Host } from "../host/types.ts";
import { readJournal } from "../plan/journal.ts";
import type { LastRun } from "./schema.ts";
import { loadState } from "./state.ts";

export interface StatusView {
  lastRun: LastRun | null;
  /** Whether the last run happened in the current boot; null when either boot id is unknown. */
  thisBoot: boolean | null;
  /** An apply that was killed before it finished: where it stopped. */
  interruptedApply: { planId: string; startedAt: string; stepsDone: number; total: number; inProgress: string | null } | null;
  warnings: string[];
}

/** What `agent status` reports, read from the state under the host's root; changes nothing. */
export async function statusView(host: Host): Promise<StatusView> {
  const state = await loadState(host);
  const { journal, warning } = await readJournal(host);
  const last = state.lastRun;
  const thisBoot = last?.bootId && state.currentBootId ? last.bootId === state.currentBootId : null;
  const interruptedApply =
    journal?.state === "running"
      ? {
          planId: journal.planId,
          startedAt: journal.startedAt,
          stepsDone: journal.done.length,
          total: journal.total,
          inProgress: journal.inProgress ? `${journal.inProgress.action}: ${journal.inProgress.kind} ${journal.inProgress.target}` : null,
        }
      : null;
  return { lastRun: last, thisBoot, interruptedApply, warnings: [...state.warnings, ...(warning ? [warning] : [])] };
}
