// First-start admin token: when none is configured and none was generated before, mint one,
// store only its hash, and hand it back to be shown once.
import { hashToken, newToken } from "../domain/tokens.js";
import type { Clock } from "../lib/clock.js";
import { newId } from "../lib/ids.js";
import type { Storage } from "../storage/contract.js";

export async function ensureAdminToken(storage: Storage, clock: Clock): Promise<string | null> {
  if (await storage.tokens.hasAdmin()) return null;
  const token = newToken("admin");
  await storage.tokens.save({
    id: newId("token"),
    hash: hashToken(token),
    appId: null,
    expiresAt: null,
    createdAt: clock.nowMs(),
  });
  return token;
}
