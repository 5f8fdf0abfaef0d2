CREATE TABLE `judge_batches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`key` text NOT NULL,
	`phase` text NOT NULL,
	`call_ids` text NOT NULL,
	`input_file_id` text,
	`batch_id` text,
	`remote_status` text,
	`output_file_id` text,
	`error_file_id` text,
	`last_polled_at` integer,
	`cancel_requested` integer DEFAULT false NOT NULL,
	`cancel_sent` integer DEFAULT false NOT NULL,
	`failure` text,
	`request_counts` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `generation_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `judge_batches_key_idx` ON `judge_batches` (`key`);--> statement-breakpoint
CREATE INDEX `judge_batches_run_idx` ON `judge_batches` (`run_id`);--> statement-breakpoint
CREATE TABLE `judge_labels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`instance_id` integer NOT NULL,
	`status` text NOT NULL,
	`instruction_valid` integer,
	`input_valid` integer,
	`output_valid` integer,
	`verdicts` text,
	`raw_reply` text,
	`problem` text,
	`problem_message` text,
	`call_id` integer,
	`attempts` integer NOT NULL,
	`model` text NOT NULL,
	`template_fingerprint` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `generation_runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`call_id`) REFERENCES `generation_calls`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `judge_labels_run_instance_idx` ON `judge_labels` (`run_id`,`instance_id`);--> statement-breakpoint
CREATE INDEX `judge_labels_instance_idx` ON `judge_labels` (`instance_id`);