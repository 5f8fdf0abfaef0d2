-- A dataset's statistics (Table 1) scan all of its tasks and instances: 1.3 s at a million, on
-- every view of the dataset page. They are kept per connection and counted again only when the
-- dataset changes: rows are only ever added (their largest ids tell), and the updates that change
-- a statistic bump the dataset's revision here (datasetStatistics in
-- src/lib/server/datasets/statistics.ts). Rows go only with their whole dataset.
CREATE TABLE `dataset_revisions` (
	`dataset_id` integer PRIMARY KEY NOT NULL REFERENCES `datasets`(`id`) ON DELETE CASCADE,
	`revision` integer NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER `tasks_statistics_revision` AFTER UPDATE OF `is_classification`, `filter_status`, `instruction_words`, `dataset_id` ON `tasks`
WHEN OLD.`is_classification` IS NOT NEW.`is_classification` OR OLD.`filter_status` IS NOT NEW.`filter_status`
	OR OLD.`instruction_words` IS NOT NEW.`instruction_words` OR OLD.`dataset_id` IS NOT NEW.`dataset_id`
BEGIN
	INSERT INTO `dataset_revisions` (`dataset_id`, `revision`) VALUES (NEW.`dataset_id`, 1)
		ON CONFLICT (`dataset_id`) DO UPDATE SET `revision` = `revision` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `instances_statistics_revision` AFTER UPDATE OF `filter_status`, `input_words`, `output_words`, `task_id`, `dataset_id` ON `instances`
WHEN OLD.`filter_status` IS NOT NEW.`filter_status` OR OLD.`input_words` IS NOT NEW.`input_words`
	OR OLD.`output_words` IS NOT NEW.`output_words` OR OLD.`task_id` IS NOT NEW.`task_id` OR OLD.`dataset_id` IS NOT NEW.`dataset_id`
BEGIN
	INSERT INTO `dataset_revisions` (`dataset_id`, `revision`) VALUES (NEW.`dataset_id`, 1)
		ON CONFLICT (`dataset_id`) DO UPDATE SET `revision` = `revision` + 1;
END;
