ALTER TABLE `audits` ADD `routing` text DEFAULT 'breadth' NOT NULL;--> statement-breakpoint
ALTER TABLE `audits` ADD `qualification_items` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `audits` ADD `qualification_accuracy` real DEFAULT 0.8 NOT NULL;--> statement-breakpoint
ALTER TABLE `audits` ADD `headline_estimator` text;