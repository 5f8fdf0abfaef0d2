CREATE TABLE `analysis_cache` (
	`scope_key` text PRIMARY KEY NOT NULL,
	`version` text NOT NULL,
	`result` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`computed_at` integer NOT NULL
);
