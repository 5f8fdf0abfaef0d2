import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';
import { users } from './accounts';
import { datasets } from './datasets';

/**
 * One application of the automatic filters to a dataset. The verdicts themselves live on the
 * task and instance rows (filter_status / filter_rule / filter_detail, from the latest run);
 * this row keeps the configuration used and the funnel it produced.
 */
export const filterRuns = sqliteTable(
	'filter_runs',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		/** The FilterConfig (src/lib/filters) as JSON. */
		config: text('config', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
		/** The FilterFunnel: totals and per-rule counts with examples. */
		funnel: text('funnel', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
		seedInstructions: integer('seed_instructions').notNull().default(0),
		durationMs: integer('duration_ms').notNull().default(0),
		createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [index('filter_runs_dataset_idx').on(t.datasetId, t.id)]
);

export type FilterRunRow = typeof filterRuns.$inferSelect;
