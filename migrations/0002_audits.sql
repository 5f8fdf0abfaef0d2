CREATE TABLE `audit_adjudication_ratings` (
	`adjudication_id` integer NOT NULL,
	`response_id` integer NOT NULL,
	`model` text NOT NULL,
	`rating` text NOT NULL,
	PRIMARY KEY(`adjudication_id`, `response_id`),
	FOREIGN KEY (`adjudication_id`) REFERENCES `audit_adjudications`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`response_id`) REFERENCES `responses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `audit_adjudications` (
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
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`adjudicator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_adjudications_item_idx` ON `audit_adjudications` (`item_id`);--> statement-breakpoint
CREATE INDEX `audit_adjudications_audit_idx` ON `audit_adjudications` (`audit_id`);--> statement-breakpoint
CREATE TABLE `audit_assignments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`audit_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`reviewer_id` integer NOT NULL,
	`status` text NOT NULL,
	`assigned_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`shown_at` integer,
	`finished_at` integer,
	`skip_reason` text,
	`draft` text,
	`draft_saved_at` integer,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reviewer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_assignments_item_reviewer_idx` ON `audit_assignments` (`item_id`,`reviewer_id`);--> statement-breakpoint
CREATE INDEX `audit_assignments_reviewer_idx` ON `audit_assignments` (`audit_id`,`reviewer_id`,`status`);--> statement-breakpoint
CREATE INDEX `audit_assignments_expiry_idx` ON `audit_assignments` (`audit_id`,`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `audit_gold_answers` (
	`item_id` integer PRIMARY KEY NOT NULL,
	`audit_id` integer NOT NULL,
	`instruction_valid` integer,
	`input_valid` integer,
	`output_valid` integer,
	`error_reason` text,
	`note` text DEFAULT '' NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `audit_gold_ratings` (
	`item_id` integer NOT NULL,
	`response_id` integer NOT NULL,
	`rating` text NOT NULL,
	PRIMARY KEY(`item_id`, `response_id`),
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`response_id`) REFERENCES `responses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `audit_item_responses` (
	`item_id` integer NOT NULL,
	`response_id` integer NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`item_id`, `response_id`),
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`response_id`) REFERENCES `responses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `audit_item_responses_response_idx` ON `audit_item_responses` (`response_id`);--> statement-breakpoint
CREATE TABLE `audit_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`audit_id` integer NOT NULL,
	`ref` text NOT NULL,
	`position` integer NOT NULL,
	`task_id` integer NOT NULL,
	`instance_id` integer,
	`stratum` text,
	`is_gold` integer DEFAULT false NOT NULL,
	`shuffle_key` integer NOT NULL,
	`label_count` integer DEFAULT 0 NOT NULL,
	`claimed_count` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_items_ref_idx` ON `audit_items` (`ref`);--> statement-breakpoint
CREATE UNIQUE INDEX `audit_items_position_idx` ON `audit_items` (`audit_id`,`position`);--> statement-breakpoint
CREATE INDEX `audit_items_route_idx` ON `audit_items` (`audit_id`,`is_gold`,`claimed_count`,`shuffle_key`);--> statement-breakpoint
CREATE INDEX `audit_items_task_idx` ON `audit_items` (`task_id`);--> statement-breakpoint
CREATE TABLE `audit_label_ratings` (
	`label_id` integer NOT NULL,
	`audit_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`response_id` integer NOT NULL,
	`model` text NOT NULL,
	`rating` text NOT NULL,
	PRIMARY KEY(`label_id`, `response_id`),
	FOREIGN KEY (`label_id`) REFERENCES `audit_labels`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`response_id`) REFERENCES `responses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `audit_label_ratings_model_idx` ON `audit_label_ratings` (`audit_id`,`model`);--> statement-breakpoint
CREATE TABLE `audit_labels` (
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
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reviewer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_labels_item_reviewer_idx` ON `audit_labels` (`item_id`,`reviewer_id`);--> statement-breakpoint
CREATE INDEX `audit_labels_reviewer_idx` ON `audit_labels` (`audit_id`,`reviewer_id`,`submitted_at`);--> statement-breakpoint
CREATE INDEX `audit_labels_audit_idx` ON `audit_labels` (`audit_id`,`item_id`);--> statement-breakpoint
CREATE TABLE `audit_reviewers` (
	`audit_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`order_salt` integer NOT NULL,
	`added_at` integer NOT NULL,
	`removed_at` integer,
	PRIMARY KEY(`audit_id`, `user_id`),
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `audit_reviewers_user_idx` ON `audit_reviewers` (`user_id`);--> statement-breakpoint
CREATE TABLE `audit_submissions` (
	`id` text PRIMARY KEY NOT NULL,
	`audit_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`reviewer_id` integer NOT NULL,
	`label_id` integer,
	`outcome` text NOT NULL,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_id`) REFERENCES `audit_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reviewer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`label_id`) REFERENCES `audit_labels`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `audit_submissions_item_idx` ON `audit_submissions` (`item_id`,`reviewer_id`);--> statement-breakpoint
CREATE TABLE `audits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_id` integer NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`sample_size` integer NOT NULL,
	`seed` integer NOT NULL,
	`instance_mode` text DEFAULT 'one' NOT NULL,
	`stratify` text DEFAULT 'none' NOT NULL,
	`include_rejected` integer DEFAULT false NOT NULL,
	`models` text,
	`overlap` integer DEFAULT 1 NOT NULL,
	`blind` integer DEFAULT true NOT NULL,
	`lease_seconds` integer NOT NULL,
	`guidelines` text DEFAULT '' NOT NULL,
	`gold_rate` real DEFAULT 0 NOT NULL,
	`item_count` integer DEFAULT 0 NOT NULL,
	`gold_count` integer DEFAULT 0 NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `audits_dataset_idx` ON `audits` (`dataset_id`);