import { defineConfig } from "drizzle-kit";

// Migrations are generated once per schema change and committed; never `push`.
export default defineConfig({
  dialect: "postgresql",
  // feedback-schema.ts: the feedback loop's tables (the partitioned decision log is a custom migration).
  schema: ["./src/db/schema.ts", "./src/db/feedback-schema.ts"],
  out: "./migrations",
});
