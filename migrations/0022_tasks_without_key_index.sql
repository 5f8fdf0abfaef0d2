-- The (dataset, normalised instruction) index served one rare look-up (matching a review
-- bundle's items) but was written at a random place by every task insert: in a generation run
-- about half the pages each commit wrote. The look-up now reads the dataset's tasks in order.
DROP INDEX `tasks_dataset_key_idx`;
