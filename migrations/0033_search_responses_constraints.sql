-- A task's search row holds its instances' constraints and its model responses (imported
-- predictions, both sides of a preference pair) since this migration; rows written before lack
-- them, so a word found only in a response or a constraint found nothing. Rewrite the rows of
-- tasks with responses or constraints in ready datasets (an import in progress writes its own
-- rows, and a leftover one is removed at start-up). The row is TASK_SEARCH_ROW's
-- (src/lib/server/datasets/rows.ts) as of this migration; other tasks' rows are unchanged by it.
CREATE TEMP TABLE `reindexed_tasks` (id INTEGER PRIMARY KEY);
--> statement-breakpoint
INSERT OR IGNORE INTO `reindexed_tasks` (id)
SELECT r.task_id FROM `responses` r JOIN `datasets` d ON d.id = r.dataset_id WHERE d.status = 'ready'
UNION SELECT i.task_id FROM `instances` i JOIN `datasets` d ON d.id = i.dataset_id WHERE d.status = 'ready' AND i.constraints IS NOT NULL;
--> statement-breakpoint
DELETE FROM `task_search` WHERE rowid IN (SELECT id FROM `reindexed_tasks`);
--> statement-breakpoint
INSERT INTO `task_search` (rowid, instruction, inputs, outputs)
SELECT t.id, t.instruction,
	coalesce((SELECT group_concat(i.input, char(10)) FROM instances i WHERE i.task_id = t.id), '')
		|| coalesce(char(10) || (SELECT group_concat(i.constraints, char(10)) FROM instances i WHERE i.task_id = t.id), ''),
	coalesce((SELECT group_concat(i.output, char(10)) FROM instances i WHERE i.task_id = t.id), '')
		|| coalesce(char(10) || (SELECT group_concat(ct.content, char(10)) FROM conversations c JOIN conversation_turns ct ON ct.conversation_id = c.id WHERE c.task_id = t.id), '')
		|| coalesce(char(10) || (SELECT group_concat(r.response, char(10)) FROM responses r WHERE r.task_id = t.id), '')
FROM `reindexed_tasks` x CROSS JOIN tasks t ON t.id = x.id;
--> statement-breakpoint
DROP TABLE `reindexed_tasks`;
