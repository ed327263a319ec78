import type { Action } from "./types.ts";

/**
 * Every boot action, in the order their changes apply: identity first (hostname, groups, users,
 * keys, passwords), then files, system settings, network, scripts, and power state last.
 * A static list: `bun build --compile` must see every module.
 */
export const ACTIONS: readonly Action[] = [];
