import { sqliteTable, integer, text, real, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { datasets, imports, instances, responses, tasks } from './datasets';
// Relative, not $lib: drizzle-kit loads this file outside SvelteKit.
import { TURN_ROLES } from '../../../formats/types';

/**
 * A multi-turn dialogue (ShareGPT, OpenAI chat rows with every turn). It joins the flat data as
 * a task (its first user turn) and an instance (the first reply to it), so datasets, filters and
 * exports that know only instructions keep working; the turns themselves are in
 * conversation_turns. `fingerprint` (of every turn) keeps a dataset from holding one twice.
 */
export const conversations = sqliteTable(
	'conversations',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		taskId: integer('task_id')
			.notNull()
			.references(() => tasks.id, { onDelete: 'cascade' }),
		instanceId: integer('instance_id').references(() => instances.id, { onDelete: 'set null' }),
		/** The source's id (ShareGPT's "id"). */
		sourceId: text('source_id'),
		turnCount: integer('turn_count').notNull(),
		/** What the parser found unusual about the order of turns (never a reason to drop one). */
		warnings: text('warnings', { mode: 'json' }).$type<string[]>(),
		/** The row's other fields, kept as they were. */
		metadata: text('metadata', { mode: 'json' }).$type<Record<string, unknown>>(),
		fingerprint: text('fingerprint').notNull(),
		importId: integer('import_id').references(() => imports.id, { onDelete: 'set null' }),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [
		uniqueIndex('conversations_dataset_fingerprint_idx').on(t.datasetId, t.fingerprint),
		index('conversations_dataset_idx').on(t.datasetId, t.id),
		index('conversations_task_idx').on(t.taskId),
		index('conversations_instance_idx').on(t.instanceId)
	]
);

/** One turn of a conversation, in order from 0. */
export const conversationTurns = sqliteTable(
	'conversation_turns',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		conversationId: integer('conversation_id')
			.notNull()
			.references(() => conversations.id, { onDelete: 'cascade' }),
		position: integer('position').notNull(),
		role: text('role', { enum: TURN_ROLES as unknown as [string, ...string[]] }).notNull(),
		content: text('content').notNull(),
		/** The source's own name for the speaker when not the usual one ("chatgpt", "developer"). */
		sourceRole: text('source_role'),
		/** OpenAI chat: the participant's name, and whether an assistant turn is trained on (0 / 1). */
		name: text('name'),
		weight: integer('weight'),
		/** Other fields of the turn (tool calls, …), kept as they were. */
		extra: text('extra', { mode: 'json' }).$type<Record<string, unknown>>()
	},
	(t) => [uniqueIndex('conversation_turns_position_idx').on(t.conversationId, t.position)]
);

export const PAIR_PREFERENCES = ['a', 'b', 'tie'] as const;

/**
 * Two responses to one task, to be judged against each other (pairwise preference audits) or
 * exported as {prompt, chosen, rejected}. The responses are rows of `responses` (with their
 * models), so pairs can be built from any dataset's model outputs as well as imported
 * (GPT-4-LLM comparison data). `sourcePreferred` is the source's own verdict, if any (GPT-4-LLM
 * ranks completion_a first), kept apart from reviewers' labels.
 */
export const preferencePairs = sqliteTable(
	'preference_pairs',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		datasetId: integer('dataset_id')
			.notNull()
			.references(() => datasets.id, { onDelete: 'cascade' }),
		taskId: integer('task_id')
			.notNull()
			.references(() => tasks.id, { onDelete: 'cascade' }),
		instanceId: integer('instance_id').references(() => instances.id, { onDelete: 'set null' }),
		responseAId: integer('response_a_id')
			.notNull()
			.references(() => responses.id, { onDelete: 'cascade' }),
		responseBId: integer('response_b_id')
			.notNull()
			.references(() => responses.id, { onDelete: 'cascade' }),
		/** The prompt exactly as the source gave it (null for pairs built from a dataset's responses). */
		prompt: text('prompt'),
		sourcePreferred: text('source_preferred', { enum: PAIR_PREFERENCES }),
		sourceScoreA: real('source_score_a'),
		sourceScoreB: real('source_score_b'),
		sourceId: text('source_id'),
		metadata: text('metadata', { mode: 'json' }).$type<Record<string, unknown>>(),
		fingerprint: text('fingerprint').notNull(),
		importId: integer('import_id').references(() => imports.id, { onDelete: 'set null' }),
		createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
	},
	(t) => [
		uniqueIndex('preference_pairs_dataset_fingerprint_idx').on(t.datasetId, t.fingerprint),
		index('preference_pairs_dataset_idx').on(t.datasetId, t.id),
		index('preference_pairs_task_idx').on(t.taskId),
		index('preference_pairs_response_a_idx').on(t.responseAId),
		index('preference_pairs_response_b_idx').on(t.responseBId)
	]
);

export type Conversation = typeof conversations.$inferSelect;
export type ConversationTurn = typeof conversationTurns.$inferSelect;
export type PreferencePair = typeof preferencePairs.$inferSelect;
