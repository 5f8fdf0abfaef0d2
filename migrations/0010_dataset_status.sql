ALTER TABLE `datasets` ADD `status` text DEFAULT 'ready' NOT NULL;--> statement-breakpoint
ALTER TABLE `datasets` ADD `import_owner` text;--> statement-breakpoint
ALTER TABLE `datasets` ADD `import_heartbeat_at` integer;