/** Volume labels that name a source of instance data (cloud-init's, compared case-insensitively). */
export const LABELS = { "config-drive": "config-2", nocloud: "cidata" } as const;

export function transportOfLabel(label: string): keyof typeof LABELS | undefined {
  const lower = label.toLowerCase();
  if (lower === LABELS["config-drive"]) return "config-drive";
  if (lower === LABELS.nocloud) return "nocloud";
  return undefined;
}
