// `npm run test:chaos`: fault-injection runs (test/chaos), kept out of `npm test` because they
// take minutes. CHAOS_FULL=1 selects the full sizes (see docs/reliability.md).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/chaos/**/*.test.ts"],
    testTimeout: 1200000,
    hookTimeout: 60000,
    // One file at a time: each run loads the machine on purpose, and they must not starve each other.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
