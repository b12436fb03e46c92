import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The reliability suite starts real services and PostgreSQL clusters: `npm run test:reliability`.
    exclude: ["test/reliability/**", "**/node_modules/**"],
    // Model loading (TF.js WASM) and database start-up take seconds on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only make each model load slower.
    maxWorkers: 2,
  },
});
