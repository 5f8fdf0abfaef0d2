import { sqliteTable, integer, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { generationCalls, generationRuns } from './generation';
import { instances, responses } from './datasets';
import { preferencePairs } from './conversations';

/**
 * A model as judge (issue #13, docs/judge-design.md). A judge run is a row of `generation_runs`
 * with pipeline 'judge' and its calls are `generation_calls` rows (step 'judge/quality'), so
 * claim, heartbeat, pending calls, pause/resume and cost come from the run engine unchanged.
 * These two tables hold what is particular to judging: one label per judged instance, apart
 * from the human labels, and the Batch API submissions of a run in batch mode.
 */

export const JUDGE_LABEL_STATUSES = ['parsed', 'unparsed'] as const;
export type JudgeLabelStatus = (typeof JUDGE_LABEL_STATUSES)[number];

/**
 * One judge verdict per judged unit and run: an instance (quality mode: the three questions), a
 * model response (rating mode: A–D) or a preference pair (pairwise mode: asked twice with the
 * order swapped; an inconsistent pair is a tie). Exactly one of instance_id / response_id /
 * pair_id is set. `unparsed`: the reply (and its one retry) could not be read, or the call
 * failed on its own prompt; the verdict columns are then null and `problem` / `raw_reply` say
 * why — nothing is guessed.
 */
export const judgeLabels = sqliteTable(
	'judge_labels',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		runId: integer('run_id')
			.notNull()
			.references(() => generationRuns.id, { onDelete: 'cascade' }),
		/** Quality mode: the instance judged. */
		instanceId: integer('instance_id').references(() => instances.id, { onDelete: 'cascade' }),
		/** Rating mode: the response rated. */
		responseId: integer('response_id').references(() => responses.id, { onDelete: 'cascade' }),
		/** Pairwise mode: the pair compared (first = its response A, second = its response B). */
		pairId: integer('pair_id').references(() => preferencePairs.id, { onDelete: 'cascade' }),
		status: text('status', { enum: JUDGE_LABEL_STATUSES }).notNull(),
		instructionValid: integer('instruction_valid', { mode: 'boolean' }),
		inputValid: integer('input_valid', { mode: 'boolean' }),
		outputValid: integer('output_valid', { mode: 'boolean' }),
		/** Rating mode: A–D (the audit rubric's levels). */
		rating: text('rating'),
		/** Pairwise mode: 'first' | 'second' | 'tie' in the pair's own order (inconsistent orders → 'tie'). */
		winner: text('winner'),
		/** Pairwise mode: both orders gave the same verdict. */
		consistent: integer('consistent', { mode: 'boolean' }),
		/** The parsed reply ({instruction: {valid, reason}, …}; {rating, reason}; pairwise: both orders' verdicts, reasons and raw replies) or null. */
		verdicts: text('verdicts', { mode: 'json' }).$type<Record<string, unknown>>(),
		/** The reply the label was read from (the last one, for an unparsed label). */
		rawReply: text('raw_reply'),
		/** Why it is unparsed: empty, truncated, not_json, wrong_shape, call_failed. */
		problem: text('problem'),
		problemMessage: text('problem_message'),
		/** The call whose reply gave the label (its prompt, decoding, model, usage). */
		callId: integer('call_id').references(() => generationCalls.id, { onDelete: 'set null' }),
		/** Pairwise mode: the call of the swapped order (call_id is the original order's). */
		swappedCallId: integer('swapped_call_id').references(() => generationCalls.id, { onDelete: 'set null' }),
		/** Calls made for it: 1, or 2 after a retry for an unreadable reply (pairwise: over both orders). */
		attempts: integer('attempts').notNull(),
		model: text('model').notNull(),
		templateFingerprint: text('template_fingerprint').notNull(),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [
		uniqueIndex('judge_labels_run_instance_idx').on(t.runId, t.instanceId),
		uniqueIndex('judge_labels_run_response_idx').on(t.runId, t.responseId),
		uniqueIndex('judge_labels_run_pair_idx').on(t.runId, t.pairId),
		index('judge_labels_instance_idx').on(t.instanceId),
		index('judge_labels_response_idx').on(t.responseId),
		index('judge_labels_pair_idx').on(t.pairId)
	]
);

/** One Batch API submission of a judge run: the BatchRecord of $lib/judge/batch-state plus the calls it carries. */
export const judgeBatches = sqliteTable(
	'judge_batches',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		runId: integer('run_id')
			.notNull()
			.references(() => generationRuns.id, { onDelete: 'cascade' }),
		/** Unique and stable: the upload's file name and the batch's metadata tag. */
		key: text('key').notNull(),
		phase: text('phase').notNull(),
		/** The generation_calls ids in the input file (JSON array). */
		callIds: text('call_ids', { mode: 'json' }).$type<number[]>().notNull(),
		inputFileId: text('input_file_id'),
		batchId: text('batch_id'),
		remoteStatus: text('remote_status'),
		outputFileId: text('output_file_id'),
		errorFileId: text('error_file_id'),
		lastPolledAt: integer('last_polled_at'),
		cancelRequested: integer('cancel_requested', { mode: 'boolean' }).notNull().default(false),
		cancelSent: integer('cancel_sent', { mode: 'boolean' }).notNull().default(false),
		failure: text('failure'),
		/** The API's request_counts at the last poll (JSON). */
		requestCounts: text('request_counts', { mode: 'json' }).$type<Record<string, number>>(),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
		updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [uniqueIndex('judge_batches_key_idx').on(t.key), index('judge_batches_run_idx').on(t.runId)]
);

export type JudgeLabel = typeof judgeLabels.$inferSelect;
