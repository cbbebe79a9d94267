import { defineConfig } from "drizzle-kit";

// One file for both dialects: `bun run db:generate` runs drizzle-kit once for each, naming it in DIALECT.
export default defineConfig(
  process.env.DIALECT === "postgresql"
    ? { dialect: "postgresql", schema: "./src/db/schema.postgres.ts", out: "./db/migrations/postgres" }
    : { dialect: "sqlite", schema: "./src/db/schema.sqlite.ts", out: "./db/migrations/sqlite" },
);
