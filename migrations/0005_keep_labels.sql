CREATE TABLE `audit_archived_labels` (
	`id` integer PRIMARY KEY NOT NULL,
	`audit_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`reviewer_id` integer NOT NULL,
	`label` text NOT NULL,
	`archived_at` integer NOT NULL,
	`archived_by` integer,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`reviewer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`archived_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `audit_archived_labels_reviewer_idx` ON `audit_archived_labels` (`audit_id`,`reviewer_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_audit_adjudication_ratings` (
	`adjudication_id` integer NOT NULL,
	`response_id` integer NOT NULL,
	`model` text NOT NULL,
	`rating` text NOT NULL,
	PRIMARY KEY(`adjudication_id`, `response_id`),
	FOREIGN KEY (`adjudication_id`) REFERENCES `audit_adjudications`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`response_id`) REFERENCES `responses`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
INSERT INTO `__new_audit_adjudication_ratings`("adjudication_id", "response_id", "model", "rating") SELECT "adjudication_id", "response_id", "model", "rating" FROM `audit_adjudication_ratings`;--> statement-breakpoint
DROP TABLE `audit_adjudication_ratings`;--> statement-breakpoint
ALTER TABLE `__new_audit_adjudication_ratings` RENAME TO `audit_adjudication_ratings`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE TABLE `__new_audit_adjudications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`audit_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`adjudicator_id` integer,
	`instruction_valid` integer,
	`input_valid` integer,
	`output_valid` integer,
	`error_reason` text,
	`comment` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`adjudicator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
INSERT INTO `__new_audit_adjudications`("id", "audit_id", "item_id", "adjudicator_id", "instruction_valid", "input_valid", "output_valid", "error_reason", "comment", "created_at", "updated_at") SELECT "id", "audit_id", "item_id", "adjudicator_id", "instruction_valid", "input_valid", "output_valid", "error_reason", "comment", "created_at", "updated_at" FROM `audit_adjudications`;--> statement-breakpoint
DROP TABLE `audit_adjudications`;--> statement-breakpoint
ALTER TABLE `__new_audit_adjudications` RENAME TO `audit_adjudications`;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_adjudications_item_idx` ON `audit_adjudications` (`item_id`);--> statement-breakpoint
CREATE INDEX `audit_adjudications_audit_idx` ON `audit_adjudications` (`audit_id`);--> statement-breakpoint
CREATE TABLE `__new_audit_label_ratings` (
	`label_id` integer NOT NULL,
	`audit_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`response_id` integer NOT NULL,
	`model` text NOT NULL,
	`rating` text NOT NULL,
	PRIMARY KEY(`label_id`, `response_id`),
	FOREIGN KEY (`label_id`) REFERENCES `audit_labels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`response_id`) REFERENCES `responses`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
INSERT INTO `__new_audit_label_ratings`("label_id", "audit_id", "item_id", "response_id", "model", "rating") SELECT "label_id", "audit_id", "item_id", "response_id", "model", "rating" FROM `audit_label_ratings`;--> statement-breakpoint
DROP TABLE `audit_label_ratings`;--> statement-breakpoint
ALTER TABLE `__new_audit_label_ratings` RENAME TO `audit_label_ratings`;--> statement-breakpoint
CREATE INDEX `audit_label_ratings_model_idx` ON `audit_label_ratings` (`audit_id`,`model`);--> statement-breakpoint
CREATE TABLE `__new_audit_labels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`audit_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`reviewer_id` integer NOT NULL,
	`instruction_valid` integer,
	`input_valid` integer,
	`output_valid` integer,
	`error_reason` text,
	`comment` text DEFAULT '' NOT NULL,
	`duration_ms` integer DEFAULT 0 NOT NULL,
	`active_ms` integer DEFAULT 0 NOT NULL,
	`submitted_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`reviewer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
INSERT INTO `__new_audit_labels`("id", "audit_id", "item_id", "reviewer_id", "instruction_valid", "input_valid", "output_valid", "error_reason", "comment", "duration_ms", "active_ms", "submitted_at", "updated_at", "revision") SELECT "id", "audit_id", "item_id", "reviewer_id", "instruction_valid", "input_valid", "output_valid", "error_reason", "comment", "duration_ms", "active_ms", "submitted_at", "updated_at", "revision" FROM `audit_labels`;--> statement-breakpoint
DROP TABLE `audit_labels`;--> statement-breakpoint
ALTER TABLE `__new_audit_labels` RENAME TO `audit_labels`;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_labels_item_reviewer_idx` ON `audit_labels` (`item_id`,`reviewer_id`);--> statement-breakpoint
CREATE INDEX `audit_labels_reviewer_idx` ON `audit_labels` (`audit_id`,`reviewer_id`,`submitted_at`);--> statement-breakpoint
CREATE INDEX `audit_labels_audit_idx` ON `audit_labels` (`audit_id`,`item_id`);--> statement-breakpoint
CREATE TABLE `__new_audit_submissions` (
	`id` text PRIMARY KEY NOT NULL,
	`audit_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`reviewer_id` integer NOT NULL,
	`label_id` integer,
	`outcome` text NOT NULL,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`reviewer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`label_id`) REFERENCES `audit_labels`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
INSERT INTO `__new_audit_submissions`("id", "audit_id", "item_id", "reviewer_id", "label_id", "outcome", "payload", "received_at") SELECT "id", "audit_id", "item_id", "reviewer_id", "label_id", "outcome", "payload", "received_at" FROM `audit_submissions`;--> statement-breakpoint
DROP TABLE `audit_submissions`;--> statement-breakpoint
ALTER TABLE `__new_audit_submissions` RENAME TO `audit_submissions`;--> statement-breakpoint
CREATE INDEX `audit_submissions_item_idx` ON `audit_submissions` (`item_id`,`reviewer_id`);--> statement-breakpoint
ALTER TABLE `audits` ADD `archived_at` integer;--> statement-breakpoint
ALTER TABLE `audits` ADD `archived_by` integer REFERENCES users(id) ON DELETE SET NULL;--> statement-breakpoint
ALTER TABLE `datasets` ADD `archived_at` integer;--> statement-breakpoint
ALTER TABLE `datasets` ADD `archived_by` integer REFERENCES users(id) ON DELETE SET NULL;