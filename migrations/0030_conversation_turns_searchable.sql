-- A task's search row holds its conversations' turns since af9dc8d; rows written before lack them,
-- so a conversation was found by its first exchange only until its dataset was imported again.
-- Rewrite the rows of tasks with conversations in ready datasets (an import in progress writes
-- its own rows, and a leftover one is removed at start-up). The row is TASK_SEARCH_ROW's
-- (src/lib/server/datasets/rows.ts) as of this migration.
DELETE FROM `task_search` WHERE rowid IN (
	SELECT DISTINCT c.task_id FROM `conversations` c JOIN `datasets` d ON d.id = c.dataset_id WHERE d.status = 'ready'
);
--> statement-breakpoint
INSERT INTO `task_search` (rowid, instruction, inputs, outputs)
SELECT t.id, t.instruction,
	coalesce((SELECT group_concat(i.input, char(10)) FROM instances i WHERE i.task_id = t.id), ''),
	coalesce((SELECT group_concat(i.output, char(10)) FROM instances i WHERE i.task_id = t.id), '')
		|| coalesce(char(10) || (SELECT group_concat(ct.content, char(10)) FROM conversations c JOIN conversation_turns ct ON ct.conversation_id = c.id WHERE c.task_id = t.id), '')
FROM tasks t
WHERE t.id IN (SELECT DISTINCT c.task_id FROM `conversations` c JOIN `datasets` d ON d.id = c.dataset_id WHERE d.status = 'ready');
