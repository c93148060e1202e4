// Endpoint gates, applied when deliveries are claimed: what the delivery engine decided about
// an endpoint lives on its row and is read and written inside the claim's transaction (rows
// locked on PostgreSQL), so every worker of every instance obeys the same gates.
//
// - Hold: no delivery is claimed before `hold_until` (an open circuit, a Retry-After).
// - Circuit: once an open circuit's hold has passed, exactly one delivery is let through as a
//   probe and the circuit turns half-open, holding everything else until the probe's result
//   closes or re-opens it (delivery/endpointHealth.ts).
// - Rate: GCRA-style send slots, one interval (1000 / rate ms) apart, from the endpoint's own
//   `rateLimit` (else its application's), lowered by an adaptive throttle after 429/503. A
//   delivery is claimed only when its slot is near (the worker sends it at the slot).
// Deliveries that must wait stay pending and are moved to about when they can go, so they
// spend no attempts and do not sit at the head of the due index hiding other endpoints' work.
// Behind a half-open circuit they stay put (the probe's success should release them at once)
// and claims skip the endpoint instead; the probe takes seconds, so that walk is short-lived.

/**
 * A condition on an endpoint id `column` leaving out endpoints whose probe is in flight; binds
 * now. Every claim evaluates it. The `<> closed` term repeats the partial index's condition
 * word for word: SQLite uses a partial index only when the query states its WHERE, and without
 * it read every endpoint row per claim (16 ms a claim at 100,000 endpoints: bench/claim-walk.mjs).
 */
export const notBehindProbe = (column: string): string => `${column} NOT IN (
  SELECT id FROM endpoints
  WHERE circuit_state <> ${CircuitState.closed} AND circuit_state = ${CircuitState.halfOpen} AND hold_until > ?)`;
import { CircuitState } from "../../domain/model.js";
import { type SqlExecutor, type SqlValue, placeholders } from "./client.js";

/** Claim a rate-limited endpoint's deliveries at most this far ahead of their slot. */
const CLAIM_AHEAD_MS = 1000;

interface Gate {
  holdUntil: number | null;
  circuit: CircuitState;
  /** Messages per second; null: no rate limit. */
  rate: number | null;
  nextSlot: number;
  /** Deliveries told to wait in this claim, to spread them over the coming slots. */
  waiting: number;
  /** The row changed and must be written back. */
  dirty: boolean;
}

const minRate = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

export class EndpointGates {
  private constructor(
    private readonly gates: Map<string, Gate>,
    private readonly nowMs: number,
    /** How long a probe holds a half-open circuit (the claim's lease). */
    private readonly probeHoldMs: number,
  ) {}

  /** Loads (and on PostgreSQL locks) the gated endpoints among `endpointIds`. */
  static async load(
    tx: SqlExecutor,
    postgres: boolean,
    endpointIds: string[],
    nowMs: number,
    probeHoldMs: number,
  ): Promise<EndpointGates> {
    const gates = new Map<string, Gate>();
    if (endpointIds.length > 0) {
      // A stable lock order (by id) keeps concurrent claims from deadlocking on these rows.
      const rows = await tx.query<Record<string, SqlValue>>(
        `SELECT e.id, COALESCE(e.rate_limit, a.rate_limit) AS rate, e.rate_next_at, e.throttle_rate, e.hold_until,
           e.circuit_state
         FROM endpoints e JOIN applications a ON a.id = e.app_id
         WHERE e.id IN (${placeholders(endpointIds.length)})
           AND (e.rate_limit IS NOT NULL OR a.rate_limit IS NOT NULL OR e.throttle_rate IS NOT NULL
                OR e.hold_until IS NOT NULL OR e.circuit_state <> ${CircuitState.closed})
         ORDER BY e.id ${postgres ? "FOR UPDATE OF e" : ""}`,
        endpointIds,
      );
      for (const row of rows) {
        const num = (value: SqlValue | undefined): number | null => (value == null ? null : Number(value));
        gates.set(String(row.id), {
          holdUntil: num(row.hold_until),
          circuit: Number(row.circuit_state) as CircuitState,
          rate: minRate(num(row.rate), num(row.throttle_rate)),
          nextSlot: Math.max(nowMs, num(row.rate_next_at) ?? nowMs),
          waiting: 0,
          dirty: false,
        });
      }
    }
    return new EndpointGates(gates, nowMs, probeHoldMs);
  }

  get any(): boolean {
    return this.gates.size > 0;
  }

  /**
   * The send time for one more delivery to the endpoint: `now` when nothing gates it, its rate
   * slot when near (the slot is then taken), or null when it must wait.
   */
  take(endpointId: string): number | null {
    const gate = this.gates.get(endpointId);
    if (!gate) return this.nowMs;
    if (gate.holdUntil !== null && gate.holdUntil > this.nowMs) return null;
    if (gate.rate !== null && gate.nextSlot > this.nowMs + CLAIM_AHEAD_MS) return null;
    if (gate.circuit !== CircuitState.closed) {
      // The hold passed: this delivery is the probe; the rest wait for its result.
      gate.circuit = CircuitState.halfOpen;
      gate.holdUntil = this.nowMs + this.probeHoldMs;
      gate.dirty = true;
    } else if (gate.holdUntil !== null) {
      gate.holdUntil = null; // a Retry-After hold that has run out
      gate.dirty = true;
    }
    if (gate.rate === null) return this.nowMs;
    const slot = gate.nextSlot;
    gate.nextSlot += 1000 / gate.rate;
    gate.dirty = true;
    return Math.round(slot);
  }

  /**
   * About when a delivery that must wait can go (its place in the line counts); null to leave
   * it where it is: behind a half-open circuit it goes as soon as the probe succeeds (claims
   * skip such endpoints meanwhile: notBehindProbe).
   */
  waitUntil(endpointId: string): number | null {
    const gate = this.gates.get(endpointId)!;
    if (gate.circuit === CircuitState.halfOpen) return null;
    const position = gate.waiting++;
    if (gate.holdUntil !== null && gate.holdUntil > this.nowMs) return gate.holdUntil;
    const interval = gate.rate === null ? 0 : 1000 / gate.rate;
    return Math.round(Math.max(this.nowMs, gate.nextSlot + position * interval - CLAIM_AHEAD_MS));
  }

  /** Writes the changed gates back and moves waiting deliveries to their times. */
  async settle(tx: SqlExecutor, waiting: { id: string; at: number }[]): Promise<void> {
    for (const [endpointId, gate] of this.gates) {
      if (!gate.dirty) continue;
      await tx.execute("UPDATE endpoints SET rate_next_at = ?, hold_until = ?, circuit_state = ? WHERE id = ?", [
        gate.rate === null ? null : Math.round(gate.nextSlot),
        gate.holdUntil,
        gate.circuit,
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
