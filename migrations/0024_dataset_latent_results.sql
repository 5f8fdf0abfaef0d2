-- An export's latent-truth estimate kept between requests, as audit_latent_results keeps a report's:
-- keyed by a fingerprint of the pooled labels and settings, removed with its dataset.
CREATE TABLE `dataset_latent_results` (
	`dataset_id` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`result` text NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`dataset_id`, `fingerprint`),
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
