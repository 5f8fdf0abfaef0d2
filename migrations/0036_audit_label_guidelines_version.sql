-- Each label keeps the guidelines version in force when it was first submitted and when it was last
-- changed: the methods paragraph counted labels by their first submit, so an answer changed after
-- the guidelines were rewritten was credited to the old version. Existing labels get the version
-- the times on record give: the latest saved at or before the label's time; 0 (an earlier text that
-- was not kept) before the oldest; where no version is kept, 1 from when the text on record was
-- saved (its last change, else the audit's creation), 0 before.
ALTER TABLE `audit_labels` ADD `first_guidelines_version` integer;--> statement-breakpoint
ALTER TABLE `audit_labels` ADD `guidelines_version` integer;--> statement-breakpoint
UPDATE `audit_labels` SET
	`first_guidelines_version` = CASE
		WHEN EXISTS (SELECT 1 FROM `audit_guidelines_versions` v WHERE v.audit_id = `audit_labels`.audit_id)
		THEN coalesce((SELECT max(v.version) FROM `audit_guidelines_versions` v WHERE v.audit_id = `audit_labels`.audit_id AND v.saved_at <= `audit_labels`.submitted_at), 0)
		ELSE (SELECT CASE WHEN `audit_labels`.submitted_at < coalesce(a.guidelines_changed_at, a.created_at) THEN 0 ELSE 1 END FROM `audits` a WHERE a.id = `audit_labels`.audit_id)
	END,
	`guidelines_version` = CASE
		WHEN EXISTS (SELECT 1 FROM `audit_guidelines_versions` v WHERE v.audit_id = `audit_labels`.audit_id)
		THEN coalesce((SELECT max(v.version) FROM `audit_guidelines_versions` v WHERE v.audit_id = `audit_labels`.audit_id AND v.saved_at <= `audit_labels`.updated_at), 0)
		ELSE (SELECT CASE WHEN `audit_labels`.updated_at < coalesce(a.guidelines_changed_at, a.created_at) THEN 0 ELSE 1 END FROM `audits` a WHERE a.id = `audit_labels`.audit_id)
	END;
