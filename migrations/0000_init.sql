CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`user_agent` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`disabled_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE TABLE `datasets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` integer,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `datasets_name_unique` ON `datasets` (`name`);--> statement-breakpoint
CREATE TABLE `formulations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`task_id` integer NOT NULL,
	`instance_id` integer,
	`dataset_id` integer NOT NULL,
	`instruction` text NOT NULL,
	`instruction_with_input` text,
	`input` text DEFAULT '' NOT NULL,
	`output` text DEFAULT '' NOT NULL,
	`import_id` integer,
	`run_id` integer,
	`call_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `formulations_task_idx` ON `formulations` (`task_id`);--> statement-breakpoint
CREATE INDEX `formulations_dataset_idx` ON `formulations` (`dataset_id`);--> statement-breakpoint
CREATE TABLE `imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_id` integer NOT NULL,
	`file_name` text NOT NULL,
	`format` text NOT NULL,
	`model_name` text,
	`bytes` integer DEFAULT 0 NOT NULL,
	`records` integer DEFAULT 0 NOT NULL,
	`tasks_added` integer DEFAULT 0 NOT NULL,
	`instances_added` integer DEFAULT 0 NOT NULL,
	`responses_added` integer DEFAULT 0 NOT NULL,
	`skipped_duplicates` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`duration_ms` integer DEFAULT 0 NOT NULL,
	`created_by` integer,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `imports_dataset_idx` ON `imports` (`dataset_id`);--> statement-breakpoint
CREATE TABLE `instances` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`task_id` integer NOT NULL,
	`dataset_id` integer NOT NULL,
	`input` text DEFAULT '' NOT NULL,
	`output` text DEFAULT '' NOT NULL,
	`input_words` integer DEFAULT 0 NOT NULL,
	`output_words` integer DEFAULT 0 NOT NULL,
	`constraints` text,
	`instruction_with_input` text,
	`import_id` integer,
	`run_id` integer,
	`call_id` integer,
	`filter_status` text,
	`filter_rule` text,
	`filter_detail` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `instances_task_idx` ON `instances` (`task_id`,`id`);--> statement-breakpoint
CREATE INDEX `instances_dataset_idx` ON `instances` (`dataset_id`,`id`);--> statement-breakpoint
CREATE INDEX `instances_run_idx` ON `instances` (`run_id`);--> statement-breakpoint
CREATE TABLE `responses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`task_id` integer NOT NULL,
	`instance_id` integer,
	`dataset_id` integer NOT NULL,
	`model` text NOT NULL,
	`response` text NOT NULL,
	`prompt` text,
	`import_id` integer,
	`run_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `responses_task_idx` ON `responses` (`task_id`);--> statement-breakpoint
CREATE INDEX `responses_dataset_model_idx` ON `responses` (`dataset_id`,`model`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_id` integer NOT NULL,
	`instruction` text NOT NULL,
	`instruction_key` text NOT NULL,
	`instruction_words` integer DEFAULT 0 NOT NULL,
	`source_id` text,
	`name` text,
	`is_classification` integer,
	`origin` text NOT NULL,
	`metadata` text,
	`import_id` integer,
	`run_id` integer,
	`call_id` integer,
	`filter_status` text,
	`filter_rule` text,
	`filter_detail` text,
	`instance_count` integer DEFAULT 0 NOT NULL,
	`empty_input_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `tasks_dataset_idx` ON `tasks` (`dataset_id`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_dataset_key_idx` ON `tasks` (`dataset_id`,`instruction_key`);--> statement-breakpoint
CREATE INDEX `tasks_dataset_class_idx` ON `tasks` (`dataset_id`,`is_classification`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_dataset_origin_idx` ON `tasks` (`dataset_id`,`origin`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_dataset_empty_idx` ON `tasks` (`dataset_id`,`empty_input_count`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_run_idx` ON `tasks` (`run_id`);--> statement-breakpoint
CREATE INDEX `tasks_import_idx` ON `tasks` (`import_id`);