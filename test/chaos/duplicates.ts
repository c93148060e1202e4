// Loss and duplicate accounting shared by the process-fault runs.
import type { Seen } from "./faultReceiver.js";

export interface Accounting {
  lost: string[];
  /** Deliveries beyond the first per webhook-id. */
  duplicated: number;
  /** Published indexes that arrived under more than one webhook-id (must never happen). */
  splitIndexes: number[];
}

/** `ids`: message id per published index; `seen`: every request the receiver got. */
export function account(ids: Map<number, string>, seen: Seen[], delivered: Set<string>): Accounting {
  const byId = new Map<string, number>();
  const idsOfIndex = new Map<number, Set<string>>();
  for (const s of seen) {
    if (s.fault !== "ok" && s.fault !== "slow") continue;
    byId.set(s.webhookId, (byId.get(s.webhookId) ?? 0) + 1);
    if (s.index !== undefined) idsOfIndex.set(s.index, (idsOfIndex.get(s.index) ?? new Set()).add(s.webhookId));
  }
  return {
    lost: [...ids.values()].filter((id) => !delivered.has(id)),
    duplicated: [...byId.values()].reduce((sum, n) => sum + n - 1, 0),
    splitIndexes: [...idsOfIndex].filter(([, set]) => set.size > 1).map(([i]) => i),
  };
}
