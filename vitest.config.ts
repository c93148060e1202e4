import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The chaos runs take minutes: `npm run test:chaos` (vitest.chaos.config.ts).
    exclude: [...configDefaults.exclude, "test/chaos/**"],
    testTimeout: 60000,
    hookTimeout: 30000,
    // Two cores: run files in parallel but not more than the machine can carry.
    maxWorkers: 2,
  },
});
