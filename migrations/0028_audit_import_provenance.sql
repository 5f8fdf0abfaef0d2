ALTER TABLE `audits` ADD `imported_at` integer;--> statement-breakpoint
ALTER TABLE `audits` ADD `imported_by` integer REFERENCES users(id) ON DELETE SET NULL;--> statement-breakpoint
ALTER TABLE `audits` ADD `imported_file_name` text;--> statement-breakpoint
ALTER TABLE `audits` ADD `imported_file_sha256` text;