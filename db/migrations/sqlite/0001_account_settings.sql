CREATE TABLE `trusted_browsers` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`expires_at` integer NOT NULL,
	`ip` text,
	`user_agent` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `trusted_browsers_user_id_idx` ON `trusted_browsers` (`user_id`);--> statement-breakpoint
ALTER TABLE `sessions` ADD `used_recovery_code` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `new_totp_secret` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `new_totp_started_at` integer;