ALTER TABLE `audit_gold_answers` ADD `preference` text;--> statement-breakpoint
ALTER TABLE `audits` ADD `conversation_unit` text DEFAULT 'turn' NOT NULL;