ALTER TABLE "security_events" ADD COLUMN "repudiated_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "new_password_required_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "notice_email" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "notice_email_confirmed_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "passkey_offer_snoozed_until" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "passkey_offer_declined" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "webauthn_credentials" ADD COLUMN "added_automatically" boolean DEFAULT false NOT NULL;