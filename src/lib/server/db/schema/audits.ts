import { sqliteTable, integer, text, real, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { users } from './accounts';
import { datasets, instances, responses, tasks } from './datasets';
// Relative, not $lib: drizzle-kit loads the schema without SvelteKit's aliases.
import { PAIR_VERDICTS, RATING_KEYS, REASON_KEYS, WHOLE_CONVERSATION_POSITION, type PairVerdict } from '../../../audits/rubric';
import type { SamplingFrame } from '../../../audits/sampling';
import { conversations, preferencePairs } from './conversations';
import { generationRuns } from './generation';

/**
 * Audits: a reproducible sample of a dataset routed to reviewers (paper audits: Self-Instruct
 * Table 2, Unnatural Instructions §audit; Self-Instruct Figure 5 for A–D ratings).
 *
 * Reports read these tables with plain SQL:
 * - per-question rates: `audit_labels` joined to `audit_items` (is_gold = 0), one row per
 *   reviewer per item, the three answers as 0/1 columns and one `error_reason`;
 * - per-model A–D: `audit_label_ratings` (one row per rated response, model denormalised);
 * - reviewer time: `audit_labels.duration_ms` (server clock) and `active_ms` (client clock);
 * - gold accuracy: `audit_labels` joined to `audit_gold_answers` / `audit_gold_ratings`;
 * - a researcher's final word: `audit_adjudications` (+ `_ratings`), never mixed with labels.
 */

/**
 * quality: Self-Instruct's three questions on an instance; rating: A–D per model response;
 * conversation: each assistant turn of a dialogue judged (valid or not) and rated A–D;
 * pairwise: which of two responses to one prompt is better (A, B, tie, both bad).
 */
export const AUDIT_KINDS = ['quality', 'rating', 'conversation', 'pairwise'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
/**
 * 'preparing': a big audit whose items are still being written in short transactions; nobody
 * sees it (no reviewer rows, filtered out of every lookup) until its last commit makes it 'open'.
 */
export const AUDIT_STATUSES = ['preparing', 'open', 'closed'] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];
export const INSTANCE_MODES = ['one', 'all'] as const;
export type InstanceMode = (typeof INSTANCE_MODES)[number];
/** verdict: strata of rows the filters kept and of each rule's rejected rows, sizes chosen (src/lib/audits/sampling). */
export const STRATIFICATIONS = ['none', 'classification', 'verdict'] as const;
export type Stratification = (typeof STRATIFICATIONS)[number];
/** active = leased and counting toward k; expired = the lease lapsed and the slot was freed. */
/** breadth: every item gets its first label before any gets a second (default); depth: fill each item to k first (pilot). */
export const ROUTING_ORDERS = ['breadth', 'depth'] as const;
export type RoutingOrder = (typeof ROUTING_ORDERS)[number];
/** The estimator a report leads with; null = chosen by the data (see $lib/reports/estimators). */
export const HEADLINE_ESTIMATORS = ['majority', 'label', 'latent'] as const;
export type HeadlineEstimator = (typeof HEADLINE_ESTIMATORS)[number];
/** Conversation audits: the validity questions asked of each assistant reply, or of the conversation as a whole. */
export const CONVERSATION_UNITS = ['turn', 'conversation'] as const;
export type ConversationUnit = (typeof CONVERSATION_UNITS)[number];
export const ASSIGNMENT_STATUSES = ['active', 'submitted', 'skipped', 'expired', 'released'] as const;
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];

export interface AuditStratum {
	key: string;
	population: number;
	size: number;
}

export const audits = sqliteTable(
	'audits',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		kind: text('kind', { enum: AUDIT_KINDS }).notNull(),
		status: text('status', { enum: AUDIT_STATUSES }).notNull().default('open'),
		/** Sampling parameters, kept so the sample can be drawn again and described in reports. */
		sampleSize: integer('sample_size').notNull(),
		seed: integer('seed').notNull(),
		instanceMode: text('instance_mode', { enum: INSTANCE_MODES }).notNull().default('one'),
		stratify: text('stratify', { enum: STRATIFICATIONS }).notNull().default('none'),
		includeRejected: integer('include_rejected', { mode: 'boolean' }).notNull().default(false),
		/**
		 * Verdict stratification: each stratum's key ('kept', 'rejected:<rule>'), its population
		 * (rows) when the sample was drawn and the rows drawn — the weights of the filter report.
		 */
		strata: text('strata', { mode: 'json' }).$type<AuditStratum[]>(),
		/** The frame the sample was drawn from, recorded at draw time (null: drawn before migration 0031 kept it). */
		samplingFrame: text('sampling_frame', { mode: 'json' }).$type<SamplingFrame>(),
		/** Rating audits: the models whose responses are rated (JSON array of names). */
		models: text('models', { mode: 'json' }).$type<string[]>(),
		/**
		 * Conversation audits: 'turn' asks the validity question and A–D of every assistant reply;
		 * 'conversation' once for the dialogue as a whole (stored at WHOLE_CONVERSATION_POSITION).
		 */
		conversationUnit: text('conversation_unit', { enum: CONVERSATION_UNITS }).notNull().default('turn'),
		/** k: submitted labels each item ends with. */
		overlap: integer('overlap').notNull().default(1),
		blind: integer('blind', { mode: 'boolean' }).notNull().default(true),
		/** Idle time after which a lease lapses and the item returns to the pool. */
		leaseSeconds: integer('lease_seconds').notNull(),
		/** Markdown, rendered with raw HTML disabled. */
		guidelines: text('guidelines').notNull().default(''),
		/** When the guidelines were last edited after the audit was created (null: as written at creation; or edited before migration 0031 kept it). */
		guidelinesChangedAt: integer('guidelines_changed_at', { mode: 'timestamp_ms' }),
		/** Share of a reviewer's items that are gold items (0 = none). */
		goldRate: real('gold_rate').notNull().default(0),
		routing: text('routing', { enum: ROUTING_ORDERS }).notNull().default('breadth'),
		/** Qualification: a reviewer's first N items are gold (0 = no qualification step)… */
		qualificationItems: integer('qualification_items').notNull().default(0),
		/** …and their labels count once their accuracy on those reaches this share. */
		qualificationAccuracy: real('qualification_accuracy').notNull().default(0.8),
		/** The report's headline estimator as a researcher chose it; null = chosen by the data. */
		headlineEstimator: text('headline_estimator', { enum: HEADLINE_ESTIMATORS }),
		/**
		 * Quality audits, off by default (they anchor reviewers): a judge run (quality mode, same
		 * dataset) whose parsed verdicts pre-fill the three answers as a labelled suggestion; the
		 * report and methods paragraph then say so. Null when the run is deleted.
		 */
		suggestionRunId: integer('suggestion_run_id').references(() => generationRuns.id, { onDelete: 'set null' }),
		/** Sampled (non-gold) items; denormalised for progress. */
		itemCount: integer('item_count').notNull().default(0),
		goldCount: integer('gold_count').notNull().default(0),
		/**
		 * Progress counters kept by triggers on audit_items (migration 0019), so a reviewer's
		 * progress does not count 100,000 items on every request: sampled items still claimed
		 * below k, sampled items claimed to k whose open leases may still lapse (labels < k), and
		 * submitted labels on sampled items (the sum of their label counts).
		 */
		itemsBelowK: integer('items_below_k').notNull().default(0),
		itemsHeldToK: integer('items_held_to_k').notNull().default(0),
		itemLabels: integer('item_labels').notNull().default(0),
		createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
		closedAt: integer('closed_at', { mode: 'timestamp_ms' }),
		/** Archived: hidden from lists and read-only (reviewers cannot reach it), restorable. */
		archivedAt: integer('archived_at', { mode: 'timestamp_ms' }),
		archivedBy: integer('archived_by').references(() => users.id, { onDelete: 'set null' }),
		/**
		 * An audit imported from a bundle: who imported it (null from the command line), when, and the
		 * file's name and SHA-256. Its labels, reviewers and dates are the file's claims, not this
		 * installation's record, and every page, report and manifest showing them says so.
		 */
		importedAt: integer('imported_at', { mode: 'timestamp_ms' }),
		importedBy: integer('imported_by').references(() => users.id, { onDelete: 'set null' }),
		importedFileName: text('imported_file_name'),
		importedFileSha256: text('imported_file_sha256'),
		/** A preparing audit: the process writing it (host:pid) and its last sign of life, for start-up clean-up. */
		prepareOwner: text('prepare_owner'),
		prepareHeartbeatAt: integer('prepare_heartbeat_at', { mode: 'timestamp_ms' })
	},
	(t) => [index('audits_dataset_idx').on(t.datasetId)]
);

/**
 * Every version of an audit's guidelines, numbered from 1 (the text it was created with): what
 * reviewers read while each label was given, for the methods paragraph. `audits.guidelines` is
 * the latest version's text.
 */
export const auditGuidelinesVersions = sqliteTable(
	'audit_guidelines_versions',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'cascade' }),
		version: integer('version').notNull(),
		text: text('text').notNull(),
		savedAt: integer('saved_at', { mode: 'timestamp_ms' }).notNull(),
		/** Who saved it (null: the command line, an import, or an account since removed). */
		savedBy: integer('saved_by').references(() => users.id, { onDelete: 'set null' })
	},
	(t) => [uniqueIndex('audit_guidelines_versions_idx').on(t.auditId, t.version)]
);

export const auditReviewers = sqliteTable(
	'audit_reviewers',
	{
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'cascade' }),
		userId: integer('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		/** Where this reviewer enters the audit's random item order (uint32). */
		orderSalt: integer('order_salt').notNull(),
		addedAt: integer('added_at', { mode: 'timestamp_ms' }).notNull(),
		/** Removed reviewers get no more items; their submitted labels stay unless discarded. */
		removedAt: integer('removed_at', { mode: 'timestamp_ms' }),
		/**
		 * The reviewer's finished assignments (submitted, skipped, released) on sampled items still
		 * below k, kept by triggers (migration 0026): what their progress subtracts from the items
		 * short of k, without counting their whole history on every submit and next.
		 */
		finishedBelowK: integer('finished_below_k').notNull().default(0),
		/** The reviewer's labels in the audit (rows of audit_labels), kept by triggers (migration 0026). */
		labels: integer('labels').notNull().default(0)
	},
	(t) => [primaryKey({ columns: [t.auditId, t.userId] }), index('audit_reviewers_user_idx').on(t.userId)]
);

export const auditItems = sqliteTable(
	'audit_items',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'cascade' }),
		/** Opaque random handle used in reviewers' URLs, so ids reveal neither order nor gold. */
		ref: text('ref').notNull(),
		/** Order in the drawn sample (gold items after the sample). */
		position: integer('position').notNull(),
		taskId: integer('task_id')
			.notNull()
			.references(() => tasks.id, { onDelete: 'cascade' }),
		/** The instance shown (quality: always set; rating: the instance the responses answer, if known). */
		instanceId: integer('instance_id').references(() => instances.id, { onDelete: 'cascade' }),
		/** 'classification' | 'non-classification' | 'unknown' when the sample was stratified. */
		stratum: text('stratum'),
		isGold: integer('is_gold', { mode: 'boolean' }).notNull().default(false),
		/** Uint32 from the seeded generator: the audit's random routing order. */
		shuffleKey: integer('shuffle_key').notNull(),
		/** Conversation audits: the dialogue under review. */
		conversationId: integer('conversation_id').references(() => conversations.id, { onDelete: 'cascade' }),
		/** Pairwise audits: the pair judged (its two responses are the item's responses, A then B). */
		pairId: integer('pair_id').references(() => preferencePairs.id, { onDelete: 'cascade' }),
		/** Submitted labels. Never above the audit's overlap for sampled items. */
		labelCount: integer('label_count').notNull().default(0),
		/** Submitted labels + active leases: what routing compares with the overlap. */
		claimedCount: integer('claimed_count').notNull().default(0)
	},
	(t) => [
		uniqueIndex('audit_items_ref_idx').on(t.ref),
		uniqueIndex('audit_items_position_idx').on(t.auditId, t.position),
		// Next item: least claimed first, then the audit's random order.
		index('audit_items_route_idx').on(t.auditId, t.isGold, t.claimedCount, t.shuffleKey),
		index('audit_items_task_idx').on(t.taskId)
	]
);

/** Rating audits: the responses an item shows (one per chosen model), in canonical order. */
export const auditItemResponses = sqliteTable(
	'audit_item_responses',
	{
		itemId: integer('item_id')
			.notNull()
			.references(() => auditItems.id, { onDelete: 'cascade' }),
		responseId: integer('response_id')
			.notNull()
			.references(() => responses.id, { onDelete: 'cascade' }),
		position: integer('position').notNull()
	},
	(t) => [primaryKey({ columns: [t.itemId, t.responseId] }), index('audit_item_responses_response_idx').on(t.responseId)]
);

/**
 * One reviewer's hold on one item: at most one row per (item, reviewer), which is what keeps a
 * reviewer from ever getting the same item twice. A draft lives here until the label is submitted.
 */
export const auditAssignments = sqliteTable(
	'audit_assignments',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'cascade' }),
		itemId: integer('item_id')
			.notNull()
			.references(() => auditItems.id, { onDelete: 'cascade' }),
		reviewerId: integer('reviewer_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		status: text('status', { enum: ASSIGNMENT_STATUSES }).notNull(),
		assignedAt: integer('assigned_at', { mode: 'timestamp_ms' }).notNull(),
		expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
		/** When the reviewer's screen first showed the item (prefetched items are leased earlier). */
		shownAt: integer('shown_at', { mode: 'timestamp_ms' }),
		finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
		skipReason: text('skip_reason'),
		draft: text('draft', { mode: 'json' }).$type<Record<string, unknown>>(),
		draftSavedAt: integer('draft_saved_at', { mode: 'timestamp_ms' })
	},
	(t) => [
		uniqueIndex('audit_assignments_item_reviewer_idx').on(t.itemId, t.reviewerId),
		index('audit_assignments_reviewer_idx').on(t.auditId, t.reviewerId, t.status),
		// Sweeping lapsed leases: only active rows, oldest expiry first.
		index('audit_assignments_expiry_idx').on(t.auditId, t.status, t.expiresAt)
	]
);

export { PAIR_VERDICTS, type PairVerdict };

/**
 * Human work is never removed by a cascade: the tables holding labels, submissions and
 * adjudications reference their audit, item, reviewer and responses with ON DELETE RESTRICT, so
 * deleting any of those parents fails while the work exists. Only the explicit purge
 * (src/lib/server/archive) deletes it, after writing a backup.
 *
 * A reviewer's label on an item (one per reviewer per item; edits update it and are logged in
 * audit_submissions). Quality audits fill the three answers; rating audits have one
 * audit_label_ratings row per response.
 */
export const auditLabels = sqliteTable(
	'audit_labels',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'restrict' }),
		itemId: integer('item_id')
			.notNull()
			.references(() => auditItems.id, { onDelete: 'restrict' }),
		reviewerId: integer('reviewer_id')
			.notNull()
			.references(() => users.id, { onDelete: 'restrict' }),
		/** Quality: "Does the instruction describe a valid task?" (1 yes, 0 no). */
		instructionValid: integer('instruction_valid', { mode: 'boolean' }),
		/** Quality: "Is the input appropriate for the instruction?" */
		inputValid: integer('input_valid', { mode: 'boolean' }),
		/** Quality: "Is the output a correct and acceptable response to the instruction and input?" */
		outputValid: integer('output_valid', { mode: 'boolean' }),
		/** Unnatural Instructions' error taxonomy (or 'other'); null when every answer is yes. */
		errorReason: text('error_reason', { enum: REASON_KEYS }),
		/** Pairwise: the better response of the pair in its own A/B order (not the screen's), a tie, or both bad. */
		preference: text('preference', { enum: PAIR_VERDICTS }),
		comment: text('comment').notNull().default(''),
		/** Server clock: first submit minus when the item was first shown (or assigned). */
		durationMs: integer('duration_ms').notNull().default(0),
		/** Client clock: time the page was visible and in use, summed over the submit and edits. */
		activeMs: integer('active_ms').notNull().default(0),
		submittedAt: integer('submitted_at', { mode: 'timestamp_ms' }).notNull(),
		updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
		/** 1 on the first submit, +1 per edit. */
		revision: integer('revision').notNull().default(1),
		/**
		 * The guidelines version in force (audit_guidelines_versions.version; 1 while none is kept) when
		 * the label was first submitted, and when it was last changed: an edit is an answer given under
		 * the guidelines of its day. 0: an earlier text that was not kept. Null: not recorded (a row
		 * written by a path that does not set it); counted from its times then.
		 */
		firstGuidelinesVersion: integer('first_guidelines_version'),
		guidelinesVersion: integer('guidelines_version')
	},
	(t) => [
		uniqueIndex('audit_labels_item_reviewer_idx').on(t.itemId, t.reviewerId),
		index('audit_labels_reviewer_idx').on(t.auditId, t.reviewerId, t.submittedAt),
		index('audit_labels_audit_idx').on(t.auditId, t.itemId)
	]
);

/** audit_label_turns.position of a judgement of the whole conversation (audits with conversation_unit 'conversation'). */
export { WHOLE_CONVERSATION_POSITION };

/**
 * Conversation audits: one row per assistant turn per label (its position in the conversation),
 * or one row at WHOLE_CONVERSATION_POSITION when the audit judges conversations as a whole.
 */
export const auditLabelTurns = sqliteTable(
	'audit_label_turns',
	{
		labelId: integer('label_id')
			.notNull()
			.references(() => auditLabels.id, { onDelete: 'cascade' }),
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'restrict' }),
		itemId: integer('item_id')
			.notNull()
			.references(() => auditItems.id, { onDelete: 'restrict' }),
		position: integer('position').notNull(),
		/** "Is this reply a correct and acceptable response to the conversation so far?" */
		valid: integer('valid', { mode: 'boolean' }).notNull(),
		rating: text('rating', { enum: RATING_KEYS }).notNull()
	},
	(t) => [primaryKey({ columns: [t.labelId, t.position] }), index('audit_label_turns_audit_idx').on(t.auditId, t.position)]
);

/** Rating audits: one A–D rating per response per label. */
export const auditLabelRatings = sqliteTable(
	'audit_label_ratings',
	{
		labelId: integer('label_id')
			.notNull()
			.references(() => auditLabels.id, { onDelete: 'cascade' }),
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'restrict' }),
		itemId: integer('item_id')
			.notNull()
			.references(() => auditItems.id, { onDelete: 'restrict' }),
		responseId: integer('response_id')
			.notNull()
			.references(() => responses.id, { onDelete: 'restrict' }),
		/** responses.model, copied so per-model distributions are one GROUP BY. */
		model: text('model').notNull(),
		rating: text('rating', { enum: RATING_KEYS }).notNull()
	},
	(t) => [primaryKey({ columns: [t.labelId, t.responseId] }), index('audit_label_ratings_model_idx').on(t.auditId, t.model)]
);

/**
 * Every submission received, keyed by the id the browser generated: makes a retried submit
 * idempotent and keeps the history of edits (and any label refused because the item was full).
 */
export const auditSubmissions = sqliteTable(
	'audit_submissions',
	{
		id: text('id').primaryKey(),
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'restrict' }),
		itemId: integer('item_id')
			.notNull()
			.references(() => auditItems.id, { onDelete: 'restrict' }),
		reviewerId: integer('reviewer_id')
			.notNull()
			.references(() => users.id, { onDelete: 'restrict' }),
		labelId: integer('label_id').references(() => auditLabels.id, { onDelete: 'set null' }),
		/** 'created' | 'edited' | 'refused' (the item already had its k labels). */
		outcome: text('outcome').notNull(),
		payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
		receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [index('audit_submissions_item_idx').on(t.itemId, t.reviewerId)]
);

/**
 * Labels set aside when a reviewer was removed with their labels discarded: they no longer count
 * (their items went back to the pool) but are kept verbatim — the label row and its ratings as
 * JSON — so a researcher can bring them back and only an admin's purge deletes them.
 */
export const auditArchivedLabels = sqliteTable(
	'audit_archived_labels',
	{
		/** The label's id in audit_labels, reused when it is brought back. */
		id: integer('id').primaryKey(),
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'restrict' }),
		itemId: integer('item_id')
			.notNull()
			.references(() => auditItems.id, { onDelete: 'restrict' }),
		reviewerId: integer('reviewer_id')
			.notNull()
			.references(() => users.id, { onDelete: 'restrict' }),
		/** The audit_labels row and its audit_label_ratings rows, as they were. */
		label: text('label', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
		archivedAt: integer('archived_at', { mode: 'timestamp_ms' }).notNull(),
		archivedBy: integer('archived_by').references(() => users.id, { onDelete: 'set null' })
	},
	(t) => [index('audit_archived_labels_reviewer_idx').on(t.auditId, t.reviewerId)]
);

/** Gold items: answers the researcher knows, to measure reviewers' accuracy. */
export const auditGoldAnswers = sqliteTable('audit_gold_answers', {
	itemId: integer('item_id')
		.primaryKey()
		.references(() => auditItems.id, { onDelete: 'cascade' }),
	auditId: integer('audit_id')
		.notNull()
		.references(() => audits.id, { onDelete: 'cascade' }),
	instructionValid: integer('instruction_valid', { mode: 'boolean' }),
	inputValid: integer('input_valid', { mode: 'boolean' }),
	outputValid: integer('output_valid', { mode: 'boolean' }),
	errorReason: text('error_reason', { enum: REASON_KEYS }),
	/** Pairwise gold: the known verdict in the pair's own A/B order. (Conversation gold: output_valid, the whole dialogue.) */
	preference: text('preference', { enum: PAIR_VERDICTS }),
	/** Why this is the answer; shown to researchers only. */
	note: text('note').notNull().default(''),
	createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
	createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
});

export const auditGoldRatings = sqliteTable(
	'audit_gold_ratings',
	{
		itemId: integer('item_id')
			.notNull()
			.references(() => auditItems.id, { onDelete: 'cascade' }),
		responseId: integer('response_id')
			.notNull()
			.references(() => responses.id, { onDelete: 'cascade' }),
		rating: text('rating', { enum: RATING_KEYS }).notNull()
	},
	(t) => [primaryKey({ columns: [t.itemId, t.responseId] })]
);

/** A researcher's final label for an item (reports prefer it), kept apart from reviewers' labels. */
export const auditAdjudications = sqliteTable(
	'audit_adjudications',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'restrict' }),
		itemId: integer('item_id')
			.notNull()
			.references(() => auditItems.id, { onDelete: 'restrict' }),
		adjudicatorId: integer('adjudicator_id').references(() => users.id, { onDelete: 'set null' }),
		instructionValid: integer('instruction_valid', { mode: 'boolean' }),
		inputValid: integer('input_valid', { mode: 'boolean' }),
		outputValid: integer('output_valid', { mode: 'boolean' }),
		errorReason: text('error_reason', { enum: REASON_KEYS }),
		comment: text('comment').notNull().default(''),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
		updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [uniqueIndex('audit_adjudications_item_idx').on(t.itemId), index('audit_adjudications_audit_idx').on(t.auditId)]
);

export const auditAdjudicationRatings = sqliteTable(
	'audit_adjudication_ratings',
	{
		adjudicationId: integer('adjudication_id')
			.notNull()
			.references(() => auditAdjudications.id, { onDelete: 'cascade' }),
		responseId: integer('response_id')
			.notNull()
			.references(() => responses.id, { onDelete: 'restrict' }),
		model: text('model').notNull(),
		rating: text('rating', { enum: RATING_KEYS }).notNull()
	},
	(t) => [primaryKey({ columns: [t.adjudicationId, t.responseId] })]
);

/**
 * Latent-truth results kept between reports ($lib/reports/latent-memo): a cache, keyed by a
 * fingerprint of the labels and settings each was computed from, so a changed label never reads
 * an old result; removed with its audit.
 */
export const auditLatentResults = sqliteTable(
	'audit_latent_results',
	{
		auditId: integer('audit_id')
			.notNull()
			.references(() => audits.id, { onDelete: 'cascade' }),
		fingerprint: text('fingerprint').notNull(),
		/** A StoredLatent as JSON. */
		result: text('result').notNull(),
		computedAt: integer('computed_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [primaryKey({ columns: [t.auditId, t.fingerprint] })]
);

/**
 * The same for an export's "all fields valid" estimate, which pools the audits of a dataset over
 * the rows a selection picks (src/lib/server/exports/quality.ts): kept per dataset, removed with it.
 */
export const datasetLatentResults = sqliteTable(
	'dataset_latent_results',
	{
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		fingerprint: text('fingerprint').notNull(),
		/** A StoredLatent as JSON. */
		result: text('result').notNull(),
		computedAt: integer('computed_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [primaryKey({ columns: [t.datasetId, t.fingerprint] })]
);

/**
 * Which audit items changed since when: one row per item, its `seq` renewed by triggers (migration
 * 0025) on every write to what an audit's report reads of the item — the item, its responses, its
 * labels and their ratings. A report thread keeping an audit's input reads again only the items
 * changed since (src/lib/server/reports/load.ts). No foreign key: rows are written while an audit's
 * items are deleted with it, and removed after.
 */
export const auditItemChanges = sqliteTable(
	'audit_item_changes',
	{
		seq: integer('seq').primaryKey({ autoIncrement: true }),
		auditId: integer('audit_id').notNull(),
		itemId: integer('item_id').notNull()
	},
	(t) => [uniqueIndex('audit_item_changes_item_idx').on(t.auditId, t.itemId)]
);

export type Audit = typeof audits.$inferSelect;
export type AuditItem = typeof auditItems.$inferSelect;
export type AuditAssignment = typeof auditAssignments.$inferSelect;
export type AuditLabel = typeof auditLabels.$inferSelect;
export type AuditReviewer = typeof auditReviewers.$inferSelect;
