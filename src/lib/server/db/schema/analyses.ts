import { sqliteTable, integer, text } from 'drizzle-orm/sqlite-core';

/**
 * Computed analyses (src/lib/analyses), one row per scope (a dataset, a run, an export
 * selection, with its seed choice). `version` is a cheap fingerprint of what the result was
 * computed from (row counts and last ids of the dataset and the seeds, the analysis code's
 * version): a result whose fingerprint no longer matches is recomputed, so a new import, a
 * generation run or a new filter application invalidates it without any bookkeeping elsewhere.
 */
export const analysisCache = sqliteTable('analysis_cache', {
	scopeKey: text('scope_key').primaryKey(),
	version: text('version').notNull(),
	result: text('result', { mode: 'json' }).$type<unknown>().notNull(),
	durationMs: integer('duration_ms').notNull(),
	computedAt: integer('computed_at', { mode: 'timestamp_ms' }).notNull()
});
