-- An import adding rows to an existing dataset keeps here what removing them would need when it
-- fails or is killed (status 'appending'; see rollBackAppend in src/lib/server/datasets/importing.ts).
ALTER TABLE `datasets` ADD `append_state` text;
