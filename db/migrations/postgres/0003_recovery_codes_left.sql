ALTER TABLE "users" ADD COLUMN "recovery_codes_left" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The count the rows already hold, for accounts made before the column.
UPDATE "users" SET "recovery_codes_left" = (SELECT count(*) FROM "recovery_codes" WHERE "recovery_codes"."user_id" = "users"."id" AND "recovery_codes"."used_at" IS NULL);
