import { defineConfig } from "vitest/config";

/**
 * `npm test` runs three projects: unit (pure logic, fake encoders, no
 * service), integration (the real model and HNSW index through the app, on
 * PGlite and, with TEST_DATABASE_URL, PostgreSQL; the tested docs examples)
 * and browser (the console in headless chromium). One at a time:
 * `npx vitest run --project unit`. The reliability suite starts real
 * services and PostgreSQL clusters and has its own config
 * (`npm run test:reliability`).
 */
export default defineConfig({
  test: {
    // Model loading and database start-up take seconds on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only make each model load slower.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      { extends: true, test: { name: "integration", include: ["test/integration/**/*.test.ts"] } },
      { extends: true, test: { name: "browser", include: ["test/browser/**/*.test.ts"] } },
    ],
  },
});
