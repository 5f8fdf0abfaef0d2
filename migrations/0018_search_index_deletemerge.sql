-- FTS5 rewrites a whole segment of the search index, inside the deleting statement, once a tenth
-- of its rows are deleted ('deletemerge'). Deleting a big dataset's tasks then held the write
-- lock for seconds (2.8 s in one 500-row transaction at 250,000 tasks). Deleted rows are instead
-- dropped when their segments are next merged, and a big removal compacts the index afterwards
-- in bounded steps (compactSearchIndex in src/lib/server/datasets/importing.ts).
INSERT INTO `task_search` (`task_search`, `rank`) VALUES ('deletemerge', 0);
