import { defineConfig } from "vitest/config";

/**
 * The reliability suite (test/reliability, issue 11): the real service as a
 * child process on private PostgreSQL clusters, under fuzzing, outages,
 * signals and load. `npm run test:reliability`; RELIABILITY_SCALE=0.1 is the
 * CI size. Kept out of `npm test`.
 */
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    globalSetup: ["test/reliability/harness/global-setup.ts"],
    // One scenario at a time: they measure latency and share two cores.
    fileParallelism: false,
    maxWorkers: 1,
    pool: "forks",
    testTimeout: 30 * 60_000,
    hookTimeout: 30 * 60_000,
    teardownTimeout: 120_000,
    // Figures tables are the point of the run; show them.
    reporters: ["default"],
    printConsoleTrace: false,
  },
});
