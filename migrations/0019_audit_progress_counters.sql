-- Progress counters of an audit (see the audits schema), kept by triggers so a reviewer's progress
-- needs no count over the audit's items on every submit and next.
ALTER TABLE `audits` ADD `items_below_k` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `audits` ADD `items_held_to_k` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `audits` ADD `item_labels` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `audits` SET
	`items_below_k` = (SELECT count(*) FROM `audit_items` i WHERE i.`audit_id` = `audits`.`id` AND i.`is_gold` = 0 AND i.`claimed_count` < `audits`.`overlap`),
	`items_held_to_k` = (SELECT count(*) FROM `audit_items` i WHERE i.`audit_id` = `audits`.`id` AND i.`is_gold` = 0 AND i.`claimed_count` >= `audits`.`overlap` AND i.`label_count` < `audits`.`overlap`),
	`item_labels` = (SELECT coalesce(sum(i.`label_count`), 0) FROM `audit_items` i WHERE i.`audit_id` = `audits`.`id` AND i.`is_gold` = 0);
--> statement-breakpoint
-- Every write to an item's counts keeps its audit's counters, whichever code path claims,
-- releases, labels, deletes or restores a label, and items added or removed with their audit.
CREATE TRIGGER `audit_items_counters_insert` AFTER INSERT ON `audit_items` WHEN NEW.`is_gold` = 0 BEGIN
	UPDATE `audits` SET
		`items_below_k` = `items_below_k` + (NEW.`is_gold` = 0 AND NEW.`claimed_count` < `overlap`),
		`items_held_to_k` = `items_held_to_k` + (NEW.`is_gold` = 0 AND NEW.`claimed_count` >= `overlap` AND NEW.`label_count` < `overlap`),
		`item_labels` = `item_labels` + NEW.`label_count`
	WHERE `id` = NEW.`audit_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_items_counters_delete` AFTER DELETE ON `audit_items` WHEN OLD.`is_gold` = 0 BEGIN
	UPDATE `audits` SET
		`items_below_k` = `items_below_k` - (OLD.`is_gold` = 0 AND OLD.`claimed_count` < `overlap`),
		`items_held_to_k` = `items_held_to_k` - (OLD.`is_gold` = 0 AND OLD.`claimed_count` >= `overlap` AND OLD.`label_count` < `overlap`),
		`item_labels` = `item_labels` - OLD.`label_count`
	WHERE `id` = OLD.`audit_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_items_counters_update` AFTER UPDATE OF `claimed_count`, `label_count`, `is_gold` ON `audit_items` BEGIN
	UPDATE `audits` SET
		`items_below_k` = `items_below_k` + (NEW.`is_gold` = 0 AND NEW.`claimed_count` < `overlap`) - (OLD.`is_gold` = 0 AND OLD.`claimed_count` < `overlap`),
		`items_held_to_k` = `items_held_to_k` + (NEW.`is_gold` = 0 AND NEW.`claimed_count` >= `overlap` AND NEW.`label_count` < `overlap`) - (OLD.`is_gold` = 0 AND OLD.`claimed_count` >= `overlap` AND OLD.`label_count` < `overlap`),
		`item_labels` = `item_labels` + (CASE WHEN NEW.`is_gold` = 0 THEN NEW.`label_count` ELSE 0 END) - (CASE WHEN OLD.`is_gold` = 0 THEN OLD.`label_count` ELSE 0 END)
	-- Many claims change no counter (a second lease on an item still below k): then no write.
	WHERE `id` = NEW.`audit_id`
		AND ((NEW.`is_gold` = 0 AND NEW.`claimed_count` < `overlap`) <> (OLD.`is_gold` = 0 AND OLD.`claimed_count` < `overlap`) OR (NEW.`is_gold` = 0 AND NEW.`claimed_count` >= `overlap` AND NEW.`label_count` < `overlap`) <> (OLD.`is_gold` = 0 AND OLD.`claimed_count` >= `overlap` AND OLD.`label_count` < `overlap`) OR (CASE WHEN NEW.`is_gold` = 0 THEN NEW.`label_count` ELSE 0 END) <> (CASE WHEN OLD.`is_gold` = 0 THEN OLD.`label_count` ELSE 0 END));
END;
