import { defineConfig } from "drizzle-kit";

// Migrations are generated once per schema change and committed; never `push`.
export default defineConfig({
  dialect: "postgresql",
  // Beside schema.ts: the gateway's tables, and the feedback loop's (the partitioned decision log is a custom migration).
  schema: ["./src/adapters/db/schema.ts", "./src/adapters/db/gateway-tables.ts", "./src/adapters/db/feedback-schema.ts"],
  out: "./migrations",
});
