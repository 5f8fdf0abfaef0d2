CREATE TABLE `conversation_turns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`conversation_id` integer NOT NULL,
	`position` integer NOT NULL,
	`role` text NOT NULL,
	`content` text NOT NULL,
	`source_role` text,
	`name` text,
	`weight` integer,
	`extra` text,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversation_turns_position_idx` ON `conversation_turns` (`conversation_id`,`position`);--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_id` integer NOT NULL,
	`task_id` integer NOT NULL,
	`instance_id` integer,
	`source_id` text,
	`turn_count` integer NOT NULL,
	`warnings` text,
	`metadata` text,
	`fingerprint` text NOT NULL,
	`import_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_dataset_fingerprint_idx` ON `conversations` (`dataset_id`,`fingerprint`);--> statement-breakpoint
CREATE INDEX `conversations_dataset_idx` ON `conversations` (`dataset_id`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_task_idx` ON `conversations` (`task_id`);--> statement-breakpoint
CREATE INDEX `conversations_instance_idx` ON `conversations` (`instance_id`);--> statement-breakpoint
CREATE TABLE `preference_pairs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_id` integer NOT NULL,
	`task_id` integer NOT NULL,
	`instance_id` integer,
	`response_a_id` integer NOT NULL,
	`response_b_id` integer NOT NULL,
	`prompt` text,
	`source_preferred` text,
	`source_score_a` real,
	`source_score_b` real,
	`source_id` text,
	`metadata` text,
	`fingerprint` text NOT NULL,
	`import_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`response_a_id`) REFERENCES `responses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`response_b_id`) REFERENCES `responses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `preference_pairs_dataset_fingerprint_idx` ON `preference_pairs` (`dataset_id`,`fingerprint`);--> statement-breakpoint
CREATE INDEX `preference_pairs_dataset_idx` ON `preference_pairs` (`dataset_id`,`id`);--> statement-breakpoint
CREATE INDEX `preference_pairs_task_idx` ON `preference_pairs` (`task_id`);--> statement-breakpoint
CREATE INDEX `preference_pairs_response_a_idx` ON `preference_pairs` (`response_a_id`);--> statement-breakpoint
CREATE INDEX `preference_pairs_response_b_idx` ON `preference_pairs` (`response_b_id`);--> statement-breakpoint
CREATE TABLE `task_examples` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`task_id` integer NOT NULL,
	`dataset_id` integer NOT NULL,
	`kind` text NOT NULL,
	`position` integer NOT NULL,
	`input` text DEFAULT '' NOT NULL,
	`output` text DEFAULT '' NOT NULL,
	`explanation` text DEFAULT '' NOT NULL,
	`extra` text,
	`import_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `task_examples_task_idx` ON `task_examples` (`task_id`,`kind`,`position`);--> statement-breakpoint
CREATE INDEX `task_examples_dataset_idx` ON `task_examples` (`dataset_id`);--> statement-breakpoint
ALTER TABLE `instances` ADD `source_id` text;--> statement-breakpoint
ALTER TABLE `instances` ADD `reference_outputs` text;