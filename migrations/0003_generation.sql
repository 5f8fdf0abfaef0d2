CREATE TABLE `endpoints` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`preset` text,
	`base_url` text NOT NULL,
	`api_key` text DEFAULT '' NOT NULL,
	`api_style` text NOT NULL,
	`model` text NOT NULL,
	`concurrency` integer NOT NULL,
	`requests_per_minute` real,
	`tokens_per_minute` real,
	`price_input_per_1m` real,
	`price_output_per_1m` real,
	`timeout_ms` integer,
	`is_default` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` integer,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `endpoints_name_unique` ON `endpoints` (`name`);--> statement-breakpoint
CREATE TABLE `generation_calls` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`call_key` text NOT NULL,
	`step` text NOT NULL,
	`task_id` integer,
	`status` text NOT NULL,
	`prompt` text NOT NULL,
	`template_fingerprint` text NOT NULL,
	`template_version` integer,
	`template_values` text NOT NULL,
	`decoding` text NOT NULL,
	`model` text NOT NULL,
	`completion` text,
	`finish_reason` text,
	`raw_finish_reason` text,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`usage_estimated` integer,
	`cost_usd` real,
	`latency_ms` integer,
	`attempts` integer,
	`response_id` text,
	`response_model` text,
	`parsed` text,
	`error` text,
	`created_at` integer NOT NULL,
	`done_at` integer,
	FOREIGN KEY (`run_id`) REFERENCES `generation_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `generation_calls_key_idx` ON `generation_calls` (`run_id`,`call_key`);--> statement-breakpoint
CREATE INDEX `generation_calls_run_status_idx` ON `generation_calls` (`run_id`,`status`);--> statement-breakpoint
CREATE INDEX `generation_calls_run_step_idx` ON `generation_calls` (`run_id`,`step`,`id`);--> statement-breakpoint
CREATE INDEX `generation_calls_task_idx` ON `generation_calls` (`task_id`);--> statement-breakpoint
CREATE TABLE `generation_candidates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`call_id` integer NOT NULL,
	`item_index` integer NOT NULL,
	`task_id` integer,
	`instance_id` integer,
	`formulation_id` integer,
	FOREIGN KEY (`run_id`) REFERENCES `generation_runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`call_id`) REFERENCES `generation_calls`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `generation_candidates_item_idx` ON `generation_candidates` (`call_id`,`item_index`);--> statement-breakpoint
CREATE INDEX `generation_candidates_run_idx` ON `generation_candidates` (`run_id`);--> statement-breakpoint
CREATE TABLE `generation_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pipeline` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`dataset_id` integer,
	`endpoint_source` text NOT NULL,
	`endpoint_id` integer,
	`endpoint` text NOT NULL,
	`model` text NOT NULL,
	`target` integer NOT NULL,
	`params` text NOT NULL,
	`seeds` text NOT NULL,
	`progress` text NOT NULL,
	`message` text,
	`requested_action` text,
	`runner` text,
	`owner` text,
	`heartbeat_at` integer,
	`resume_on_start` integer DEFAULT false NOT NULL,
	`active_ms` integer DEFAULT 0 NOT NULL,
	`active_since` integer,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL,
	`created_by` integer,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`endpoint_id`) REFERENCES `endpoints`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `generation_runs_status_idx` ON `generation_runs` (`status`);--> statement-breakpoint
CREATE INDEX `generation_runs_dataset_idx` ON `generation_runs` (`dataset_id`);