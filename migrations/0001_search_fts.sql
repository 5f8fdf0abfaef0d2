-- Full-text search over a task's instruction and its instances' inputs and outputs.
-- Contentless (the text lives in tasks/instances); rowid = tasks.id. Rows are written by the
-- import and generation code once a task's instances are known. detail=none keeps the index
-- small and fast to build: searches are ANDed single words (prefix on the last), no phrases.
CREATE VIRTUAL TABLE `task_search` USING fts5(
	instruction, inputs, outputs,
	content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `tasks_search_delete` AFTER DELETE ON `tasks` BEGIN
	DELETE FROM `task_search` WHERE rowid = old.id;
END;
