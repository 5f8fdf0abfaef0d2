-- Removing a deleted or purged dataset's audits (and a half-imported bundle's) switched foreign
-- keys off and deleted the audit row, so ON DELETE CASCADE never ran for tables the clean-up did
-- not name: the guidelines versions of migration 0034 were left pointing at no audit, and every
-- later backup (its integrity check), purge and migration refused the database. The clean-up now
-- deletes every cascading table's rows itself; this removes what it left before.
DELETE FROM `audit_guidelines_versions` WHERE NOT EXISTS (SELECT 1 FROM `audits` a WHERE a.id = `audit_guidelines_versions`.audit_id);
--> statement-breakpoint
DELETE FROM `audit_latent_results` WHERE NOT EXISTS (SELECT 1 FROM `audits` a WHERE a.id = `audit_latent_results`.audit_id);
--> statement-breakpoint
DELETE FROM `audit_assignments` WHERE NOT EXISTS (SELECT 1 FROM `audits` a WHERE a.id = `audit_assignments`.audit_id);
--> statement-breakpoint
DELETE FROM `audit_reviewers` WHERE NOT EXISTS (SELECT 1 FROM `audits` a WHERE a.id = `audit_reviewers`.audit_id);
