import { sqliteTable, integer, text, real, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts';
import { datasets } from './datasets';

/**
 * Generation: model endpoints, durable runs, every model call they make, and a ledger tying
 * each stored candidate to the reply item it came from.
 *
 * Durability rests on two rules: a call is inserted as `pending` (with its exact prompt)
 * before it is sent, and its reply is committed in one transaction that flips it to `done`
 * only if it was still pending and only then inserts the rows derived from it. The ledger's
 * UNIQUE(call_id, item_index) makes "no two rows from the same model reply" a database fact.
 */

export const API_STYLE_VALUES = ['completions', 'chat'] as const;

/**
 * OpenAI-compatible endpoints an admin configured. The API key stays in this table and in the
 * server's memory: pages, logs and run parameters only ever see it masked.
 */
export const endpoints = sqliteTable('endpoints', {
	id: integer('id').primaryKey({ autoIncrement: true }),
	name: text('name').notNull().unique(),
	/** The preset it started from (openai, vllm, ollama, llamacpp), or null for a custom one. */
	preset: text('preset'),
	baseUrl: text('base_url').notNull(),
	apiKey: text('api_key').notNull().default(''),
	apiStyle: text('api_style', { enum: API_STYLE_VALUES }).notNull(),
	model: text('model').notNull(),
	concurrency: integer('concurrency').notNull(),
	requestsPerMinute: real('requests_per_minute'),
	tokensPerMinute: real('tokens_per_minute'),
	priceInputPer1M: real('price_input_per_1m'),
	priceOutputPer1M: real('price_output_per_1m'),
	timeoutMs: integer('timeout_ms'),
	/** The endpoint new runs use unless told otherwise (at most one). */
	isDefault: integer('is_default', { mode: 'boolean' }).notNull().default(false),
	createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
	updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
	createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' })
});

/** Generation pipelines (what `generate --pipeline` takes). */
export const PIPELINES = ['self-instruct', 'unnatural', 'alpaca'] as const;
export type PipelineId = (typeof PIPELINES)[number];
/** Every kind of run the runs table holds: the generation pipelines and the judge (issue #13). */
export const RUN_KIND_IDS = [...PIPELINES, 'judge'] as const;
export type RunKindId = (typeof RUN_KIND_IDS)[number];

/**
 * queued → running → completed | failed | cancelled; running ⇄ paused (a person, or a
 * temporary endpoint failure that outlasted the retries); running → interrupted (the process
 * running it stopped or died). paused and interrupted runs resume where they stopped.
 */
export const RUN_STATUSES = ['queued', 'running', 'paused', 'interrupted', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_ACTIONS = ['pause', 'cancel'] as const;
export type RunAction = (typeof RUN_ACTIONS)[number];
export const RUNNERS = ['server', 'cli'] as const;
export type Runner = (typeof RUNNERS)[number];
export const ENDPOINT_SOURCES = ['stored', 'env'] as const;
export type EndpointSource = (typeof ENDPOINT_SOURCES)[number];

export const generationRuns = sqliteTable(
	'generation_runs',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		pipeline: text('pipeline', { enum: RUN_KIND_IDS }).notNull(),
		name: text('name').notNull(),
		status: text('status', { enum: RUN_STATUSES }).notNull(),
		/** The dataset the run writes its candidates to (kept and rejected). */
		datasetId: integer('dataset_id').references(() => datasets.id, { onDelete: 'set null' }),
		/** Where calls go: a stored endpoint (read afresh on resume, so a rotated key is used) or LLM_* variables. */
		endpointSource: text('endpoint_source', { enum: ENDPOINT_SOURCES }).notNull(),
		endpointId: integer('endpoint_id').references(() => endpoints.id, { onDelete: 'set null' }),
		/** The endpoint as it was when the run started, without its key (publicEndpoint()). */
		endpoint: text('endpoint', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
		model: text('model').notNull(),
		/** Instructions (Self-Instruct) or core examples (Unnatural) to accept. */
		target: integer('target').notNull(),
		/** Every step's template, decoding and filter settings, as validated at creation. */
		params: text('params', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
		/** The seed pool (Self-Instruct tasks or Unnatural seed sets), copied so the run never depends on its source. */
		seeds: text('seeds', { mode: 'json' }).$type<unknown>().notNull(),
		/** Counters kept in step with the rows, updated in the same transaction as each reply. */
		progress: text('progress', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
		/** Why the run paused, failed or stopped short, in plain words. */
		message: text('message'),
		/** A pause or cancel asked for by a process that is not running the run (the runner polls it). */
		requestedAction: text('requested_action', { enum: RUN_ACTIONS }),
		runner: text('runner', { enum: RUNNERS }),
		/** "host:pid:nonce" of the process running it, while running. */
		owner: text('owner'),
		heartbeatAt: integer('heartbeat_at', { mode: 'timestamp_ms' }),
		/**
		 * The share guard: the run pauses when calls that failed on their own prompt (context
		 * length, content filter …) pass this share of its recent calls. Editable while paused.
		 */
		failedCallShare: real('failed_call_share').notNull().default(0.05),
		/** Set when a server shutdown interrupted the run: the next start-up resumes it. */
		resumeOnStart: integer('resume_on_start', { mode: 'boolean' }).notNull().default(false),
		/** Time spent running before the current session, and when the current session began. */
		activeMs: integer('active_ms').notNull().default(0),
		activeSince: integer('active_since', { mode: 'timestamp_ms' }),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
		startedAt: integer('started_at', { mode: 'timestamp_ms' }),
		finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
		updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
		createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' })
	},
	(t) => [index('generation_runs_status_idx').on(t.status), index('generation_runs_dataset_idx').on(t.datasetId)]
);

/** 'cancelled': still in flight (or not yet stored) when its run was cancelled; never sent again. */
export const CALL_STATUSES = ['pending', 'done', 'failed', 'cancelled'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/**
 * One model call of a run, keyed deterministically within it (e.g. "si-instances/task 345"),
 * with everything needed to resend it unchanged and to trace any candidate to the exact prompt
 * and reply that produced it.
 */
export const generationCalls = sqliteTable(
	'generation_calls',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		runId: integer('run_id')
			.notNull()
			.references(() => generationRuns.id, { onDelete: 'cascade' }),
		callKey: text('call_key').notNull(),
		/** A PromptStepId, e.g. "self-instruct/instruction-generation". */
		step: text('step').notNull(),
		/** The task the call is about (classification, instances, output, expansion). */
		taskId: integer('task_id'),
		status: text('status', { enum: CALL_STATUSES }).notNull(),
		/** Exactly the text sent. */
		prompt: text('prompt').notNull(),
		templateFingerprint: text('template_fingerprint').notNull(),
		/** The default template's version when the default was used, null for an edited template. */
		templateVersion: integer('template_version'),
		/** The values filled into the template (shots, task, seed set …). */
		templateValues: text('template_values', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
		decoding: text('decoding', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
		model: text('model').notNull(),
		/** Raw text of the reply (first choice), kept even when nothing usable came of it. */
		completion: text('completion'),
		finishReason: text('finish_reason'),
		rawFinishReason: text('raw_finish_reason'),
		promptTokens: integer('prompt_tokens'),
		completionTokens: integer('completion_tokens'),
		usageEstimated: integer('usage_estimated', { mode: 'boolean' }),
		costUsd: real('cost_usd'),
		latencyMs: integer('latency_ms'),
		attempts: integer('attempts'),
		responseId: text('response_id'),
		responseModel: text('response_model'),
		/** What the pipeline made of the reply: items with their verdicts. */
		parsed: text('parsed', { mode: 'json' }).$type<Record<string, unknown>>(),
		/** Why the call failed, in plain words (for a retried call that then succeeded: what failed before). */
		error: text('error'),
		/** A failed call's reason: context_length, content_filter, invalid_request, bad_response, other. */
		failureReason: text('failure_reason'),
		/** What the server said about the failure (status, code, param, its message, token counts). */
		errorDetail: text('error_detail', { mode: 'json' }).$type<Record<string, unknown>>(),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
		doneAt: integer('done_at', { mode: 'timestamp_ms' })
	},
	(t) => [
		uniqueIndex('generation_calls_key_idx').on(t.runId, t.callKey),
		index('generation_calls_run_status_idx').on(t.runId, t.status),
		index('generation_calls_run_step_idx').on(t.runId, t.step, t.id),
		index('generation_calls_task_idx').on(t.taskId)
	]
);

/**
 * One row per stored candidate: which item of which reply it is. The unique key is what makes
 * a reply impossible to store twice, whatever happens between the model and the disk.
 */
export const generationCandidates = sqliteTable(
	'generation_candidates',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		runId: integer('run_id')
			.notNull()
			.references(() => generationRuns.id, { onDelete: 'cascade' }),
		callId: integer('call_id')
			.notNull()
			.references(() => generationCalls.id, { onDelete: 'cascade' }),
		/** Position of the item in the parsed reply (instruction 0–6, instance 0–4, …). */
		itemIndex: integer('item_index').notNull(),
		taskId: integer('task_id'),
		instanceId: integer('instance_id'),
		formulationId: integer('formulation_id')
	},
	(t) => [uniqueIndex('generation_candidates_item_idx').on(t.callId, t.itemIndex), index('generation_candidates_run_idx').on(t.runId)]
);

export type Endpoint = typeof endpoints.$inferSelect;
export type GenerationRun = typeof generationRuns.$inferSelect;
export type GenerationCall = typeof generationCalls.$inferSelect;
