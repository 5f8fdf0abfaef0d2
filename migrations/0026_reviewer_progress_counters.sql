ALTER TABLE `audit_reviewers` ADD `finished_below_k` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_reviewers` ADD `labels` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- A reviewer's progress counters: their finished assignments (submitted, skipped, released) on
-- sampled items still below the audit's k, and their labels. Their progress counted both over
-- their whole history on every submit and next (15 ms a request after 19,000 labels). Kept here by
-- triggers, whichever code path writes assignments, labels, items or the audit's k.
UPDATE `audit_reviewers` SET
	`finished_below_k` = (
		SELECT count(*) FROM `audit_assignments` s JOIN `audit_items` i ON i.`id` = s.`item_id` JOIN `audits` a ON a.`id` = s.`audit_id`
		WHERE s.`audit_id` = `audit_reviewers`.`audit_id` AND s.`reviewer_id` = `audit_reviewers`.`user_id`
			AND s.`status` IN ('submitted', 'skipped', 'released') AND i.`is_gold` = 0 AND i.`label_count` < a.`overlap`
	),
	`labels` = (SELECT count(*) FROM `audit_labels` l WHERE l.`audit_id` = `audit_reviewers`.`audit_id` AND l.`reviewer_id` = `audit_reviewers`.`user_id`);
--> statement-breakpoint
CREATE TRIGGER `audit_reviewers_counters_insert` AFTER INSERT ON `audit_reviewers` BEGIN
	UPDATE `audit_reviewers` SET
		`finished_below_k` = (
			SELECT count(*) FROM `audit_assignments` s JOIN `audit_items` i ON i.`id` = s.`item_id` JOIN `audits` a ON a.`id` = s.`audit_id`
			WHERE s.`audit_id` = NEW.`audit_id` AND s.`reviewer_id` = NEW.`user_id`
				AND s.`status` IN ('submitted', 'skipped', 'released') AND i.`is_gold` = 0 AND i.`label_count` < a.`overlap`
		),
		`labels` = (SELECT count(*) FROM `audit_labels` l WHERE l.`audit_id` = NEW.`audit_id` AND l.`reviewer_id` = NEW.`user_id`)
	WHERE `audit_id` = NEW.`audit_id` AND `user_id` = NEW.`user_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_assignments_finished_insert` AFTER INSERT ON `audit_assignments`
WHEN NEW.`status` IN ('submitted', 'skipped', 'released') BEGIN
	UPDATE `audit_reviewers` SET `finished_below_k` = `finished_below_k` + 1
	WHERE `audit_id` = NEW.`audit_id` AND `user_id` = NEW.`reviewer_id`
		AND EXISTS (SELECT 1 FROM `audit_items` i JOIN `audits` a ON a.`id` = NEW.`audit_id` WHERE i.`id` = NEW.`item_id` AND i.`is_gold` = 0 AND i.`label_count` < a.`overlap`);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_assignments_finished_delete` AFTER DELETE ON `audit_assignments`
WHEN OLD.`status` IN ('submitted', 'skipped', 'released') BEGIN
	UPDATE `audit_reviewers` SET `finished_below_k` = `finished_below_k` - 1
	WHERE `audit_id` = OLD.`audit_id` AND `user_id` = OLD.`reviewer_id`
		AND EXISTS (SELECT 1 FROM `audit_items` i JOIN `audits` a ON a.`id` = OLD.`audit_id` WHERE i.`id` = OLD.`item_id` AND i.`is_gold` = 0 AND i.`label_count` < a.`overlap`);
END;
--> statement-breakpoint
-- The item's state is the same before and after the statement: the old row's share is taken out
-- and the new row's put in, both against it.
CREATE TRIGGER `audit_assignments_finished_update` AFTER UPDATE OF `status`, `item_id`, `reviewer_id`, `audit_id` ON `audit_assignments`
WHEN OLD.`status` IN ('submitted', 'skipped', 'released') OR NEW.`status` IN ('submitted', 'skipped', 'released') BEGIN
	UPDATE `audit_reviewers` SET `finished_below_k` = `finished_below_k` - 1
	WHERE OLD.`status` IN ('submitted', 'skipped', 'released') AND `audit_id` = OLD.`audit_id` AND `user_id` = OLD.`reviewer_id`
		AND EXISTS (SELECT 1 FROM `audit_items` i JOIN `audits` a ON a.`id` = OLD.`audit_id` WHERE i.`id` = OLD.`item_id` AND i.`is_gold` = 0 AND i.`label_count` < a.`overlap`);
	UPDATE `audit_reviewers` SET `finished_below_k` = `finished_below_k` + 1
	WHERE NEW.`status` IN ('submitted', 'skipped', 'released') AND `audit_id` = NEW.`audit_id` AND `user_id` = NEW.`reviewer_id`
		AND EXISTS (SELECT 1 FROM `audit_items` i JOIN `audits` a ON a.`id` = NEW.`audit_id` WHERE i.`id` = NEW.`item_id` AND i.`is_gold` = 0 AND i.`label_count` < a.`overlap`);
END;
--> statement-breakpoint
-- An item reaching k (or falling below it again, or turning gold): each reviewer who finished it
-- gains or loses it. At most one assignment per item and reviewer (a unique index).
CREATE TRIGGER `audit_items_finished_update` AFTER UPDATE OF `label_count`, `is_gold` ON `audit_items`
WHEN (OLD.`is_gold` = 0 AND OLD.`label_count` < (SELECT `overlap` FROM `audits` WHERE `id` = OLD.`audit_id`))
	<> (NEW.`is_gold` = 0 AND NEW.`label_count` < (SELECT `overlap` FROM `audits` WHERE `id` = NEW.`audit_id`)) BEGIN
	UPDATE `audit_reviewers` SET `finished_below_k` = `finished_below_k`
		+ (CASE WHEN NEW.`is_gold` = 0 AND NEW.`label_count` < (SELECT `overlap` FROM `audits` WHERE `id` = NEW.`audit_id`) THEN 1 ELSE -1 END)
	WHERE (`audit_id`, `user_id`) IN (
		SELECT s.`audit_id`, s.`reviewer_id` FROM `audit_assignments` s WHERE s.`item_id` = NEW.`id` AND s.`status` IN ('submitted', 'skipped', 'released')
	);
END;
--> statement-breakpoint
-- Before the row goes: its assignments (deleted with it by the foreign key) still show who
-- finished it, and their own delete trigger no longer finds the item.
CREATE TRIGGER `audit_items_finished_delete` BEFORE DELETE ON `audit_items`
WHEN OLD.`is_gold` = 0 AND OLD.`label_count` < (SELECT `overlap` FROM `audits` WHERE `id` = OLD.`audit_id`) BEGIN
	UPDATE `audit_reviewers` SET `finished_below_k` = `finished_below_k` - 1
	WHERE (`audit_id`, `user_id`) IN (
		SELECT s.`audit_id`, s.`reviewer_id` FROM `audit_assignments` s WHERE s.`item_id` = OLD.`id` AND s.`status` IN ('submitted', 'skipped', 'released')
	);
END;
--> statement-breakpoint
CREATE TRIGGER `audits_finished_overlap` AFTER UPDATE OF `overlap` ON `audits` WHEN OLD.`overlap` <> NEW.`overlap` BEGIN
	UPDATE `audit_reviewers` SET `finished_below_k` = (
		SELECT count(*) FROM `audit_assignments` s JOIN `audit_items` i ON i.`id` = s.`item_id`
		WHERE s.`audit_id` = NEW.`id` AND s.`reviewer_id` = `audit_reviewers`.`user_id`
			AND s.`status` IN ('submitted', 'skipped', 'released') AND i.`is_gold` = 0 AND i.`label_count` < NEW.`overlap`
	)
	WHERE `audit_id` = NEW.`id`;
END;

--> statement-breakpoint
CREATE TRIGGER `audit_labels_reviewer_insert` AFTER INSERT ON `audit_labels` BEGIN
	UPDATE `audit_reviewers` SET `labels` = `labels` + 1 WHERE `audit_id` = NEW.`audit_id` AND `user_id` = NEW.`reviewer_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_labels_reviewer_delete` AFTER DELETE ON `audit_labels` BEGIN
	UPDATE `audit_reviewers` SET `labels` = `labels` - 1 WHERE `audit_id` = OLD.`audit_id` AND `user_id` = OLD.`reviewer_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_labels_reviewer_update` AFTER UPDATE OF `audit_id`, `reviewer_id` ON `audit_labels`
WHEN OLD.`audit_id` <> NEW.`audit_id` OR OLD.`reviewer_id` <> NEW.`reviewer_id` BEGIN
	UPDATE `audit_reviewers` SET `labels` = `labels` - 1 WHERE `audit_id` = OLD.`audit_id` AND `user_id` = OLD.`reviewer_id`;
	UPDATE `audit_reviewers` SET `labels` = `labels` + 1 WHERE `audit_id` = NEW.`audit_id` AND `user_id` = NEW.`reviewer_id`;
END;
