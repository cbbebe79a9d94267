ALTER TABLE `security_events` ADD `repudiated_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `new_password_required_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `notice_email` text;--> statement-breakpoint
ALTER TABLE `users` ADD `notice_email_confirmed_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `passkey_offer_snoozed_until` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `passkey_offer_declined` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `webauthn_credentials` ADD `added_automatically` integer DEFAULT false NOT NULL;