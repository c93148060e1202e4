// Prefixed, time-sortable ids (`msg_01J…`). All id parsing and minting lives here so the
// prefixes stay consistent: Svix clients rely on them to tell an id from a uid.
import { randomFillSync } from "node:crypto";
import { incrementBase32, monotonicFactory, ulid } from "ulid";

export const ID_PREFIX = {
  application: "app_",
  endpoint: "ep_",
  message: "msg_",
  attempt: "atmpt_",
  delivery: "dlv_",
  token: "tok_",
  task: "qtask_",
  request: "req_",
  source: "src_",
  inboundRequest: "inreq_",
} as const;

export type IdKind = keyof typeof ID_PREFIX;

// ulid's default source asks the OS for random bytes once per character; drawing them from a
// pooled buffer keeps id minting off the profile at thousands of ids per second.
const pool = new Uint32Array(4096);
let poolIndex = pool.length;
function pooledRandom(): number {
  if (poolIndex === pool.length) {
    randomFillSync(pool);
    poolIndex = 0;
  }
  return pool[poolIndex++]! / 0x100000000;
}

// Monotonic so ids minted in the same millisecond still sort in creation order; paging relies
// on id order matching time order.
const nextUlid = monotonicFactory(pooledRandom);

export function newId(kind: IdKind): string {
  return ID_PREFIX[kind] + nextUlid();
}

let lastAtMs: number | undefined;
let lastAtUlid = "";

/**
 * An id whose time part is exactly `atMs` (a message's createdAt), so a time range over the
 * records is an id range over their index (see idFloorAt). Ids minted in the same millisecond
 * still sort in minting order; newId's monotonic clock would instead keep a time that went
 * back (an injected clock, a stepped system clock) at the latest it saw.
 */
export function newIdAt(kind: IdKind, atMs: number): string {
  lastAtUlid =
    atMs === lastAtMs ? lastAtUlid.slice(0, 10) + incrementBase32(lastAtUlid.slice(10)) : ulid(atMs, pooledRandom);
  lastAtMs = atMs;
  return ID_PREFIX[kind] + lastAtUlid;
}

/** True when `value` looks like an id of `kind` (as opposed to a user-chosen uid). */
export function isIdOf(kind: IdKind, value: string): boolean {
  return value.startsWith(ID_PREFIX[kind]) && value.length === ID_PREFIX[kind].length + 26;
}

/** The smallest id of `kind` minted at or after `timeMs`; lets time ranges use the id index. */
export function idFloorAt(kind: IdKind, timeMs: number): string {
  return ID_PREFIX[kind] + encodeTime(timeMs) + "0".repeat(16);
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function encodeTime(timeMs: number): string {
  let rest = Math.max(0, Math.floor(timeMs));
  let out = "";
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}
