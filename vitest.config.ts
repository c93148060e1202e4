import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60000,
    hookTimeout: 30000,
    // Two cores: run files in parallel but not more than the machine can carry.
    maxWorkers: 2,
  },
});
