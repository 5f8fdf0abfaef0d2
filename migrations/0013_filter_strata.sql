ALTER TABLE `audits` ADD `strata` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `filter_rouge_l` real;