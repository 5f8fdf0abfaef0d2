PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_judge_labels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`instance_id` integer,
	`response_id` integer,
	`pair_id` integer,
	`status` text NOT NULL,
	`instruction_valid` integer,
	`input_valid` integer,
	`output_valid` integer,
	`rating` text,
	`winner` text,
	`consistent` integer,
	`verdicts` text,
	`raw_reply` text,
	`problem` text,
	`problem_message` text,
	`call_id` integer,
	`swapped_call_id` integer,
	`attempts` integer NOT NULL,
	`model` text NOT NULL,
	`template_fingerprint` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `generation_runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`response_id`) REFERENCES `responses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`pair_id`) REFERENCES `preference_pairs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`call_id`) REFERENCES `generation_calls`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`swapped_call_id`) REFERENCES `generation_calls`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
INSERT INTO `__new_judge_labels`("id", "run_id", "instance_id", "status", "instruction_valid", "input_valid", "output_valid", "verdicts", "raw_reply", "problem", "problem_message", "call_id", "attempts", "model", "template_fingerprint", "created_at") SELECT "id", "run_id", "instance_id", "status", "instruction_valid", "input_valid", "output_valid", "verdicts", "raw_reply", "problem", "problem_message", "call_id", "attempts", "model", "template_fingerprint", "created_at" FROM `judge_labels`;--> statement-breakpoint
DROP TABLE `judge_labels`;--> statement-breakpoint
ALTER TABLE `__new_judge_labels` RENAME TO `judge_labels`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `judge_labels_run_instance_idx` ON `judge_labels` (`run_id`,`instance_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `judge_labels_run_response_idx` ON `judge_labels` (`run_id`,`response_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `judge_labels_run_pair_idx` ON `judge_labels` (`run_id`,`pair_id`);--> statement-breakpoint
CREATE INDEX `judge_labels_instance_idx` ON `judge_labels` (`instance_id`);--> statement-breakpoint
CREATE INDEX `judge_labels_response_idx` ON `judge_labels` (`response_id`);--> statement-breakpoint
CREATE INDEX `judge_labels_pair_idx` ON `judge_labels` (`pair_id`);