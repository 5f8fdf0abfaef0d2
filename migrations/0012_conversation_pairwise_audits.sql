CREATE TABLE `audit_label_turns` (
	`label_id` integer NOT NULL,
	`audit_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`position` integer NOT NULL,
	`valid` integer NOT NULL,
	`rating` text NOT NULL,
	PRIMARY KEY(`label_id`, `position`),
	FOREIGN KEY (`label_id`) REFERENCES `audit_labels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `audit_label_turns_audit_idx` ON `audit_label_turns` (`audit_id`,`position`);--> statement-breakpoint
ALTER TABLE `audit_items` ADD `conversation_id` integer REFERENCES conversations(id) ON DELETE cascade;--> statement-breakpoint
ALTER TABLE `audit_items` ADD `pair_id` integer REFERENCES preference_pairs(id) ON DELETE cascade;--> statement-breakpoint
ALTER TABLE `audit_labels` ADD `preference` text;