-- Latent-truth results kept between reports: a cache keyed by a fingerprint of the labels and
-- settings each was computed from (src/lib/reports/latent-memo.ts), removed with its audit.
CREATE TABLE `audit_latent_results` (
	`audit_id` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`result` text NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`audit_id`, `fingerprint`),
	FOREIGN KEY (`audit_id`) REFERENCES `audits`(`id`) ON UPDATE no action ON DELETE cascade
);
