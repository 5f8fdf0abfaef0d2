ALTER TABLE `audits` ADD `sampling_frame` text;--> statement-breakpoint
ALTER TABLE `audits` ADD `guidelines_changed_at` integer;