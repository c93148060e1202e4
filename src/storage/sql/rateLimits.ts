// Per-endpoint rate limits (messages per second: the endpoint's own `rateLimit`, else its
// application's), enforced when deliveries are claimed, GCRA-style: each delivery gets a send
// slot one interval (1000 / rate ms) after the previous one. The next free slot lives on the
// endpoint row and is read and written inside the claim's transaction (rows locked on
// PostgreSQL), so every worker of every instance draws from the same schedule and no second
// ever sees more than the rate. A delivery is claimed only when its slot is near (the worker
// sends it at the slot); the rest wait in the queue, moved to about their slot so they spend
// no retry attempts and do not sit at the head of the due index hiding other endpoints' work.
import type { SqlExecutor, SqlValue } from "./client.js";

/** Claim a limited endpoint's deliveries at most this far ahead of their slot. */
const CLAIM_AHEAD_MS = 1000;

interface Schedule {
  intervalMs: number;
  nextSlot: number;
  /** Slots handed out in this claim, to estimate when the waiting ones can go. */
  waiting: number;
}

export class RateSchedule {
  private constructor(
    private readonly schedules: Map<string, Schedule>,
    private readonly nowMs: number,
  ) {}

  /** Loads (and on PostgreSQL locks) the schedules of the limited endpoints among `endpointIds`. */
  static async load(tx: SqlExecutor, postgres: boolean, endpointIds: string[], nowMs: number): Promise<RateSchedule> {
    const schedules = new Map<string, Schedule>();
    if (endpointIds.length > 0) {
      // A stable lock order (by id) keeps concurrent claims from deadlocking on these rows.
      const rows = await tx.query<{ id: string; rate: number; rate_next_at: number | null }>(
        `SELECT e.id, COALESCE(e.rate_limit, a.rate_limit) AS rate, e.rate_next_at
         FROM endpoints e JOIN applications a ON a.id = e.app_id
         WHERE e.id IN (${endpointIds.map(() => "?").join(", ")})
           AND (e.rate_limit IS NOT NULL OR a.rate_limit IS NOT NULL)
         ORDER BY e.id ${postgres ? "FOR UPDATE OF e" : ""}`,
        endpointIds,
      );
      for (const row of rows) {
        const next = row.rate_next_at === null ? nowMs : Math.max(nowMs, Number(row.rate_next_at));
        schedules.set(String(row.id), { intervalMs: 1000 / Number(row.rate), nextSlot: next, waiting: 0 });
      }
    }
    return new RateSchedule(schedules, nowMs);
  }

  get limited(): boolean {
    return this.schedules.size > 0;
  }

  /**
   * The send time for one more delivery to the endpoint: `now` when it is not limited, its slot
   * when the slot is near (the slot is then taken), or null when it must wait.
   */
  take(endpointId: string): number | null {
    const schedule = this.schedules.get(endpointId);
    if (!schedule) return this.nowMs;
    if (schedule.nextSlot > this.nowMs + CLAIM_AHEAD_MS) return null;
    const slot = schedule.nextSlot;
    schedule.nextSlot += schedule.intervalMs;
    return Math.round(slot);
  }

  /** About when a delivery that must wait will get a slot (its place in the line counts). */
  waitUntil(endpointId: string): number {
    const schedule = this.schedules.get(endpointId)!;
    const at = schedule.nextSlot + schedule.waiting * schedule.intervalMs - CLAIM_AHEAD_MS;
    schedule.waiting++;
    return Math.round(at);
  }

  /** Writes the schedules back and moves waiting deliveries to their times. */
  async settle(tx: SqlExecutor, waiting: { id: string; at: number }[]): Promise<void> {
    for (const [endpointId, schedule] of this.schedules) {
      await tx.execute("UPDATE endpoints SET rate_next_at = ? WHERE id = ?", [
        Math.round(schedule.nextSlot),
        endpointId,
      ]);
    }
    if (waiting.length === 0) return;
    const values: SqlValue[] = waiting.flatMap((w) => [w.id, w.at]);
    await tx.execute(
      `UPDATE deliveries AS d SET next_attempt_at = v.column2
       FROM (VALUES ${waiting.map(() => "(?, CAST(? AS BIGINT))").join(", ")}) AS v
       WHERE d.id = v.column1`,
      values,
    );
  }
}
