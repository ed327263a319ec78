import * as v from "valibot";

export const FREQUENCIES = ["per-instance", "per-boot", "always"] as const;
export type Frequency = (typeof FREQUENCIES)[number];

const Iso = v.pipe(v.string(), v.isoTimestamp());
const Ms = v.pipe(v.number(), v.minValue(0));

/** One action's outcome in a run. skipped: it was not due (done for this instance, or this boot). */
export const ActionRecordSchema = v.object({
  name: v.pipe(v.string(), v.minLength(1)),
  frequency: v.picklist(FREQUENCIES),
  result: v.picklist(["ok", "failed", "skipped"]),
  ms: Ms,
  error: v.optional(v.string()),
  reason: v.optional(v.string()),
});
export type ActionRecord = v.InferOutput<typeof ActionRecordSchema>;

const DoneEntrySchema = v.object({ result: v.literal("ok"), ms: Ms, at: Iso });
export type DoneEntry = v.InferOutput<typeof DoneEntrySchema>;

/** instances/<id>/done.json: the per-instance actions that completed for this instance. */
export const InstanceDoneSchema = v.object({
  version: v.literal(1),
  instanceId: v.string(),
  actions: v.record(v.string(), DoneEntrySchema),
});
export type InstanceDone = v.InferOutput<typeof InstanceDoneSchema>;

/** boot.json: the per-boot actions that completed during the boot named by bootId. */
export const BootDoneSchema = v.object({
  version: v.literal(1),
  bootId: v.string(),
  actions: v.record(v.string(), DoneEntrySchema),
});
export type BootDone = v.InferOutput<typeof BootDoneSchema>;

/** last-run.json: what the last `agent boot` did, for `agent status`. */
export const LastRunSchema = v.object({
  version: v.literal(1),
  source: v.object({ transport: v.string(), location: v.string() }),
  instanceId: v.string(),
  /** The instance id differed from the one recorded before this run. */
  newInstance: v.boolean(),
  bootId: v.nullable(v.string()),
  startedAt: Iso,
  finishedAt: Iso,
  ms: Ms,
  actions: v.array(ActionRecordSchema),
  errors: v.array(v.string()),
});
export type LastRun = v.InferOutput<typeof LastRunSchema>;
