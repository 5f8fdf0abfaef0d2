ALTER TABLE `audits` ADD `prepare_owner` text;--> statement-breakpoint
ALTER TABLE `audits` ADD `prepare_heartbeat_at` integer;