import { sqliteTable, integer, text, real, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts';
import { TASK_ORIGINS } from './task-origins';

export const DATASET_STATUSES = ['importing', 'appending', 'ready'] as const;
export type DatasetStatus = (typeof DATASET_STATUSES)[number];

/**
 * An import adding rows to an existing dataset: its id, and each table's largest rowid when it
 * began (its rows all come after), so the rows of one that failed or was killed can be found.
 */
export interface AppendState {
	importId: number;
	after: Record<string, number>;
}

export const datasets = sqliteTable('datasets', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	name: text('name').notNull().unique(),
	description: text('description').notNull().default(''),
	createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
	createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
	/** Archived: hidden from lists and read-only (with its audits), restorable; see src/lib/server/archive. */
	archivedAt: integer('archived_at', { mode: 'timestamp_ms' }),
	archivedBy: integer('archived_by').references(() => users.id, { onDelete: 'set null' }),
	/**
	 * 'importing' while a batched import writes it: invisible everywhere until the import's last
	 * commit flips it to 'ready'; a leftover one (killed import) is removed at the next start.
	 * 'appending' while an import adds rows to it in batches: hidden the same way (its pages say
	 * why), and back to 'ready' at the import's last commit, or without the import's rows when it
	 * fails (rollBackAppend).
	 */
	status: text('status', { enum: DATASET_STATUSES }).notNull().default('ready'),
	/** While importing: "host:pid" of the process writing it, so a start-up can tell a dead import. */
	importOwner: text('import_owner'),
	/** While importing: when the last batch committed. */
	importHeartbeatAt: integer('import_heartbeat_at', { mode: 'timestamp_ms' }),
	/** While appending: what rollBackAppend needs to remove the import's rows. */
	appendState: text('append_state', { mode: 'json' }).$type<AppendState>()
});

/** One successful import of one file. A failed import leaves no row (and no data) behind. */
export const imports = sqliteTable(
	'imports',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		fileName: text('file_name').notNull(),
		format: text('format').notNull(),
		/** For prediction files: the model the responses came from. */
		modelName: text('model_name'),
		bytes: integer('bytes').notNull().default(0),
		records: integer('records').notNull().default(0),
		tasksAdded: integer('tasks_added').notNull().default(0),
		instancesAdded: integer('instances_added').notNull().default(0),
		responsesAdded: integer('responses_added').notNull().default(0),
		skippedDuplicates: integer('skipped_duplicates').notNull().default(0),
		/** Preference pairs and conversations the import added (the responses and instances above include theirs). */
		pairsAdded: integer('pairs_added').notNull().default(0),
		conversationsAdded: integer('conversations_added').notNull().default(0),
		/** What the import's summary said besides its counts (notices, each naming its lines), kept for the dataset's page; null: none. */
		notices: text('notices', { mode: 'json' }).$type<string[]>(),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
		durationMs: integer('duration_ms').notNull().default(0),
		createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' })
	},
	(t) => [index('imports_dataset_idx').on(t.datasetId)]
);

export { TASK_ORIGINS, type TaskOrigin } from './task-origins';

/** Verdict of the automatic filters, kept on the row so the filters can themselves be audited. */
export const FILTER_STATUSES = ['kept', 'rejected'] as const;
export type FilterStatus = (typeof FILTER_STATUSES)[number];

/**
 * A task: one instruction with its instances. `runId` and `importId` are the provenance
 * (exactly one is set for data that came in through the app). Generation runs are added by
 * the pipelines (issue 4) and reference `runId` without a foreign key here so this module
 * does not depend on theirs.
 */
export const tasks = sqliteTable(
	'tasks',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		instruction: text('instruction').notNull(),
		/** Instruction with whitespace runs collapsed and trimmed: the key instances join on. */
		instructionKey: text('instruction_key').notNull(),
		/** Whitespace-separated words, stored so statistics are one aggregate (paper Table 1). */
		instructionWords: integer('instruction_words').notNull().default(0),
		/** Original id in the source file, e.g. "seed_task_0". */
		sourceId: text('source_id'),
		name: text('name'),
		/** true / false, or null when unknown. */
		isClassification: integer('is_classification', { mode: 'boolean' }),
		origin: text('origin', { enum: TASK_ORIGINS }).notNull(),
		/** Source metadata not modelled as columns (e.g. motivation_app), as a JSON object. */
		metadata: text('metadata', { mode: 'json' }).$type<Record<string, unknown>>(),
		importId: integer('import_id').references(() => imports.id, { onDelete: 'set null' }),
		runId: integer('run_id'),
		/** Generation call that produced this candidate (provenance of generated rows). */
		callId: integer('call_id'),
		filterStatus: text('filter_status', { enum: FILTER_STATUSES }),
		filterRule: text('filter_rule'),
		filterDetail: text('filter_detail'),
		/**
		 * Highest ROUGE-L F of the instruction to the pool when the filters ran (null: the rule did
		 * not run). Exact above ROUGE_EXACT_ABOVE (0.5, src/lib/filters); at or below it a lower
		 * bound, the index having proved nothing higher than 0.5. Read by the threshold sweep.
		 */
		filterRougeL: real('filter_rouge_l'),
		/** Denormalised counts so the dataset page never aggregates 250K instances per view. */
		instanceCount: integer('instance_count').notNull().default(0),
		emptyInputCount: integer('empty_input_count').notNull().default(0),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [
		index('tasks_dataset_idx').on(t.datasetId, t.id),
		index('tasks_dataset_class_idx').on(t.datasetId, t.isClassification, t.id),
		index('tasks_dataset_origin_idx').on(t.datasetId, t.origin, t.id),
		index('tasks_dataset_empty_idx').on(t.datasetId, t.emptyInputCount, t.id),
		index('tasks_run_idx').on(t.runId),
		index('tasks_import_idx').on(t.importId)
	]
);

export const instances = sqliteTable(
	'instances',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		taskId: integer('task_id')
			.notNull()
			.references(() => tasks.id, { onDelete: 'cascade' }),
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		input: text('input').notNull().default(''),
		output: text('output').notNull().default(''),
		inputWords: integer('input_words').notNull().default(0),
		outputWords: integer('output_words').notNull().default(0),
		/** Unnatural Instructions: the output-space constraints used while generating. */
		constraints: text('constraints'),
		/** Unnatural Instructions: the instruction with the input filled in. */
		instructionWithInput: text('instruction_with_input'),
		/** The instance's own id in its source: SuperNI's ("task001-0a1b…"), an instruction / input / output row's `id`. */
		sourceId: text('source_id'),
		/** Fields of an instruction / input / output row other than its own (JSON object; null without). */
		metadata: text('metadata', { mode: 'json' }).$type<Record<string, unknown>>(),
		/**
		 * SuperNI: every reference output, in order, when there are several (`output` is the
		 * first, so the flat views, audits and exports see one as before); null with one.
		 */
		referenceOutputs: text('reference_outputs', { mode: 'json' }).$type<string[]>(),
		importId: integer('import_id').references(() => imports.id, { onDelete: 'set null' }),
		runId: integer('run_id'),
		callId: integer('call_id'),
		filterStatus: text('filter_status', { enum: FILTER_STATUSES }),
		filterRule: text('filter_rule'),
		filterDetail: text('filter_detail'),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [
		index('instances_task_idx').on(t.taskId, t.id),
		index('instances_dataset_idx').on(t.datasetId, t.id),
		index('instances_run_idx').on(t.runId)
	]
);

/**
 * Alternative formulations of a task (Unnatural Instructions' template expansion): another
 * wording of the instruction for the same input and output. `instanceId` is set when the
 * formulation's input matches one of the task's instances.
 */
export const formulations = sqliteTable(
	'formulations',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		taskId: integer('task_id')
			.notNull()
			.references(() => tasks.id, { onDelete: 'cascade' }),
		instanceId: integer('instance_id').references(() => instances.id, { onDelete: 'cascade' }),
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		instruction: text('instruction').notNull(),
		instructionWithInput: text('instruction_with_input'),
		input: text('input').notNull().default(''),
		output: text('output').notNull().default(''),
		importId: integer('import_id').references(() => imports.id, { onDelete: 'set null' }),
		runId: integer('run_id'),
		callId: integer('call_id'),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [index('formulations_task_idx').on(t.taskId), index('formulations_dataset_idx').on(t.datasetId)]
);

/** A model's response to a task (Self-Instruct human evaluation), rated in rating audits. */
export const responses = sqliteTable(
	'responses',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		taskId: integer('task_id')
			.notNull()
			.references(() => tasks.id, { onDelete: 'cascade' }),
		instanceId: integer('instance_id').references(() => instances.id, { onDelete: 'set null' }),
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		model: text('model').notNull(),
		response: text('response').notNull(),
		prompt: text('prompt'),
		importId: integer('import_id').references(() => imports.id, { onDelete: 'set null' }),
		runId: integer('run_id'),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [
		index('responses_task_idx').on(t.taskId),
		index('responses_dataset_model_idx').on(t.datasetId, t.model)
	]
);

export const EXAMPLE_KINDS = ['positive', 'negative'] as const;
export type ExampleKind = (typeof EXAMPLE_KINDS)[number];

/**
 * SuperNI's demonstrations of a task, shown to reviewers with its definition: a positive
 * example answers correctly, a negative one wrongly, each with the explanation why.
 */
export const taskExamples = sqliteTable(
	'task_examples',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		taskId: integer('task_id')
			.notNull()
			.references(() => tasks.id, { onDelete: 'cascade' }),
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		kind: text('kind', { enum: EXAMPLE_KINDS }).notNull(),
		/** Order among the task's examples of the same kind, from 0. */
		position: integer('position').notNull(),
		input: text('input').notNull().default(''),
		output: text('output').notNull().default(''),
		explanation: text('explanation').notNull().default(''),
		/** The example's other fields (e.g. a "suggestion"), kept as they were. */
		extra: text('extra', { mode: 'json' }).$type<Record<string, unknown>>(),
		importId: integer('import_id').references(() => imports.id, { onDelete: 'set null' }),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [uniqueIndex('task_examples_task_idx').on(t.taskId, t.kind, t.position), index('task_examples_dataset_idx').on(t.datasetId)]
);

export type Dataset = typeof datasets.$inferSelect;
export type Task = typeof tasks.$inferSelect;
export type Instance = typeof instances.$inferSelect;
export type Response = typeof responses.$inferSelect;
export type Import = typeof imports.$inferSelect;
export type Formulation = typeof formulations.$inferSelect;
export type TaskExample = typeof taskExamples.$inferSelect;
