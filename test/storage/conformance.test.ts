// The storage conformance suite: the same cases against every adapter (SQLite, PostgreSQL).
// A case skipped for one dialect says why in its name.
import { afterAll, beforeAll, beforeEach, describe } from "vitest";
import type { Storage } from "../../src/storage/contract.js";
import { adapters } from "./adapters.js";
import type { CaseContext } from "./cases/context.js";
import { controlCases } from "./cases/control.js";
import { dashboardCases } from "./cases/dashboard.js";
import { listCases } from "./cases/lists.js";
import { queueCases } from "./cases/queue.js";
import { rateLimitCases } from "./cases/rateLimits.js";
import { recordCases } from "./cases/records.js";
import { retentionCases } from "./cases/retention.js";
import { verificationCases } from "./cases/verification.js";
import { sourceCases } from "./cases/sources.js";
import { wakeupCases } from "./cases/wakeups.js";

describe.each(adapters.map((make) => ({ adapter: make() })))("storage conformance: $adapter.dialect", ({ adapter }) => {
  let storage: Storage;
  beforeAll(() => adapter.setUp());
  afterAll(() => adapter.tearDown());
  beforeEach(async () => {
    storage = await adapter.fresh();
  });

  const t: CaseContext = { dialect: adapter.dialect, storage: () => storage, another: () => adapter.another() };
  recordCases(t);
  listCases(t);
  queueCases(t);
  wakeupCases(t);
  retentionCases(t);
  rateLimitCases(t);
  controlCases(t);
  dashboardCases(t);
  verificationCases(t);
  sourceCases(t);
});
