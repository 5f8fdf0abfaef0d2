ALTER TABLE `generation_calls` ADD `failure_reason` text;--> statement-breakpoint
ALTER TABLE `generation_calls` ADD `error_detail` text;--> statement-breakpoint
ALTER TABLE `generation_runs` ADD `failed_call_share` real DEFAULT 0.05 NOT NULL;