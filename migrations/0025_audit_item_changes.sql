-- Which audit items changed since when (see the audits schema): a report thread keeping an
-- audit's input reads again only the items whose seq is above the one it read at. Items written
-- while their audit is being prepared are not noted: no report reads a preparing audit, and the
-- first report once it is open reads it whole.
CREATE TABLE `audit_item_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`audit_id` integer NOT NULL,
	`item_id` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_item_changes_item_idx` ON `audit_item_changes` (`audit_id`,`item_id`);--> statement-breakpoint
CREATE TRIGGER `audit_labels_changes_insert` AFTER INSERT ON `audit_labels` BEGIN
	DELETE FROM `audit_item_changes` WHERE `audit_id` = NEW.`audit_id` AND `item_id` = NEW.`item_id`;
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) VALUES (NEW.`audit_id`, NEW.`item_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_labels_changes_update` AFTER UPDATE ON `audit_labels` BEGIN
	DELETE FROM `audit_item_changes` WHERE `audit_id` = NEW.`audit_id` AND `item_id` = NEW.`item_id`;
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) VALUES (NEW.`audit_id`, NEW.`item_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_labels_changes_update_old` AFTER UPDATE OF `audit_id`, `item_id` ON `audit_labels` WHEN OLD.`audit_id` <> NEW.`audit_id` OR OLD.`item_id` <> NEW.`item_id` BEGIN
	DELETE FROM `audit_item_changes` WHERE `audit_id` = OLD.`audit_id` AND `item_id` = OLD.`item_id`;
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) VALUES (OLD.`audit_id`, OLD.`item_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_labels_changes_delete` AFTER DELETE ON `audit_labels` BEGIN
	DELETE FROM `audit_item_changes` WHERE `audit_id` = OLD.`audit_id` AND `item_id` = OLD.`item_id`;
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) VALUES (OLD.`audit_id`, OLD.`item_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_label_ratings_changes_insert` AFTER INSERT ON `audit_label_ratings` BEGIN
	DELETE FROM `audit_item_changes` WHERE (`audit_id`, `item_id`) IN (SELECT `audit_id`, `item_id` FROM `audit_labels` WHERE `id` = NEW.`label_id`);
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) SELECT `audit_id`, `item_id` FROM `audit_labels` WHERE `id` = NEW.`label_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_label_ratings_changes_update` AFTER UPDATE ON `audit_label_ratings` BEGIN
	DELETE FROM `audit_item_changes` WHERE (`audit_id`, `item_id`) IN (SELECT `audit_id`, `item_id` FROM `audit_labels` WHERE `id` = NEW.`label_id`);
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) SELECT `audit_id`, `item_id` FROM `audit_labels` WHERE `id` = NEW.`label_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_label_ratings_changes_delete` AFTER DELETE ON `audit_label_ratings` BEGIN
	DELETE FROM `audit_item_changes` WHERE (`audit_id`, `item_id`) IN (SELECT `audit_id`, `item_id` FROM `audit_labels` WHERE `id` = OLD.`label_id`);
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) SELECT `audit_id`, `item_id` FROM `audit_labels` WHERE `id` = OLD.`label_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_items_changes_insert` AFTER INSERT ON `audit_items` WHEN NOT EXISTS (SELECT 1 FROM `audits` WHERE `id` = NEW.`audit_id` AND `status` = 'preparing') BEGIN
	DELETE FROM `audit_item_changes` WHERE `audit_id` = NEW.`audit_id` AND `item_id` = NEW.`id`;
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) VALUES (NEW.`audit_id`, NEW.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_items_changes_update` AFTER UPDATE OF `audit_id`, `position`, `task_id`, `instance_id`, `stratum`, `is_gold` ON `audit_items` BEGIN
	DELETE FROM `audit_item_changes` WHERE `audit_id` = NEW.`audit_id` AND `item_id` = NEW.`id`;
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) VALUES (NEW.`audit_id`, NEW.`id`);
	DELETE FROM `audit_item_changes` WHERE `audit_id` = OLD.`audit_id` AND `item_id` = OLD.`id`;
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) VALUES (OLD.`audit_id`, OLD.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_items_changes_delete` AFTER DELETE ON `audit_items` WHEN NOT EXISTS (SELECT 1 FROM `audits` WHERE `id` = OLD.`audit_id` AND `status` = 'preparing') BEGIN
	DELETE FROM `audit_item_changes` WHERE `audit_id` = OLD.`audit_id` AND `item_id` = OLD.`id`;
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) VALUES (OLD.`audit_id`, OLD.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_item_responses_changes_insert` AFTER INSERT ON `audit_item_responses` BEGIN
	DELETE FROM `audit_item_changes` WHERE (`audit_id`, `item_id`) IN (SELECT `audit_id`, `id` FROM `audit_items` WHERE `id` = NEW.`item_id`);
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) SELECT `audit_id`, `id` FROM `audit_items` WHERE `id` = NEW.`item_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_item_responses_changes_update` AFTER UPDATE ON `audit_item_responses` BEGIN
	DELETE FROM `audit_item_changes` WHERE (`audit_id`, `item_id`) IN (SELECT `audit_id`, `id` FROM `audit_items` WHERE `id` = NEW.`item_id`);
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) SELECT `audit_id`, `id` FROM `audit_items` WHERE `id` = NEW.`item_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_item_responses_changes_delete` AFTER DELETE ON `audit_item_responses` BEGIN
	DELETE FROM `audit_item_changes` WHERE (`audit_id`, `item_id`) IN (SELECT `audit_id`, `id` FROM `audit_items` WHERE `id` = OLD.`item_id`);
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) SELECT `audit_id`, `id` FROM `audit_items` WHERE `id` = OLD.`item_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_changes_classification` AFTER UPDATE OF `is_classification` ON `tasks` WHEN OLD.`is_classification` IS NOT NEW.`is_classification` BEGIN
	DELETE FROM `audit_item_changes` WHERE (`audit_id`, `item_id`) IN (SELECT `audit_id`, `id` FROM `audit_items` WHERE `task_id` = NEW.`id`);
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) SELECT `audit_id`, `id` FROM `audit_items` WHERE `task_id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `responses_changes_model` AFTER UPDATE OF `model` ON `responses` WHEN OLD.`model` IS NOT NEW.`model` BEGIN
	DELETE FROM `audit_item_changes` WHERE (`audit_id`, `item_id`) IN (SELECT i.`audit_id`, i.`id` FROM `audit_item_responses` ir JOIN `audit_items` i ON i.`id` = ir.`item_id` WHERE ir.`response_id` = NEW.`id`);
	INSERT INTO `audit_item_changes` (`audit_id`, `item_id`) SELECT i.`audit_id`, i.`id` FROM `audit_item_responses` ir JOIN `audit_items` i ON i.`id` = ir.`item_id` WHERE ir.`response_id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audits_changes_delete` AFTER DELETE ON `audits` BEGIN
	DELETE FROM `audit_item_changes` WHERE `audit_id` = OLD.`id`;
END;
