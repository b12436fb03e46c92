import { defineConfig } from "drizzle-kit";

// Migrations are generated once per schema change and committed; never `push`.
export default defineConfig({
  dialect: "postgresql",
  schema: ["./src/db/schema.ts", "./src/db/gateway-schema.ts"],
  out: "./migrations",
});
