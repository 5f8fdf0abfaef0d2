/**
 * Writing what the richer import shapes carry beyond tasks and instances: SuperNI examples and
 * instance ids / reference outputs, conversation turns, preference pairs (with their two
 * responses). The import path writes the tasks and instances (and decides which records are
 * duplicates) and then hands each batch here with the ids it wrote or found.
 *
 * No transaction of its own: call it inside the import's batch transaction, so a failure
 * anywhere rolls the batch back whole. Prepared statements are made once per writer (per
 * connection), as RowWriter does.
 */
import { hash } from 'node:crypto';
import type { Db } from '../db';
import { ChunkedInsert, RowWriter, TASK_SEARCH_ROW } from './rows';
import type { ParsedPair, ParsedTask, ParsedTurn } from '$lib/formats';
import { UNNAMED_PAIR_MODELS } from '$lib/datasets/response-models';

/** A task record the import has written (or found): its task id and its instances' ids, in order (null for one skipped as a duplicate). */
export interface PlacedTask {
	record: ParsedTask;
	taskId: number;
	instanceIds: readonly (number | null)[];
	/** The conversation's fingerprint when the caller worked it out already (outside its transaction). */
	conversationKey?: string;
	/** Set by the writer: whether its conversation was written (false: one turn for turn like it was there). */
	written?: boolean;
}

/** A pair record and the task its prompt joined (found or created by the import). */
export interface PlacedPair {
	record: ParsedPair;
	taskId: number;
	instanceId?: number | null;
	/** Set by the writer: whether the pair was written (false: the same pair was there). */
	written?: boolean;
}

export type PlacedRecord = PlacedTask | PlacedPair;

export interface ShapeRowContext {
	datasetId: number;
	importId: number | null;
	now?: number;
	/**
	 * Model names for a pair's responses when the source names none (GPT-4-LLM's comparison data
	 * does not say which model wrote which completion); default its field names.
	 */
	unnamedModels?: { a: string; b: string };
}

export interface ShapeRowCounts {
	examples: number;
	/** Instances given their SuperNI id or their list of reference outputs. */
	instancesDescribed: number;
	conversations: number;
	turns: number;
	/** Conversations already in the dataset turn for turn (not written again). */
	duplicateConversations: number;
	pairs: number;
	duplicatePairs: number;
}

/** A conversation of the batch written, whose turns are still to write. */
type WrittenConversation = { id: number; turns: readonly ParsedTurn[] };

export { UNNAMED_PAIR_MODELS } from '$lib/datasets/response-models';

/**
 * A pair response's model as the source named it, or null when the import stood in
 * UNNAMED_PAIR_MODELS (responses need a model): an export must not present those as model names.
 */
export function sourcePairModel(stored: string, side: 'a' | 'b'): string | null {
	return stored === UNNAMED_PAIR_MODELS[side] ? null : stored;
}

function fingerprint(value: unknown): string {
	return hash('sha1', JSON.stringify(value), 'base64');
}

/** A conversation's identity: every turn, speaker and text (two rows with the same turns are one conversation). */
export function conversationFingerprint(turns: readonly ParsedTurn[]): string {
	return fingerprint(turns.map((t) => [t.role, t.content, t.sourceRole ?? null, t.name ?? null]));
}

function pairFingerprint(p: ParsedPair, modelA: string, modelB: string): string {
	return fingerprint([p.prompt, p.responseA, p.responseB, modelA, modelB]);
}

function json(value: unknown): string | null {
	return value === null || value === undefined ? null : JSON.stringify(value);
}

/** Turns written by one INSERT (8 values each, well under SQLite's 32,766 variables). */
const TURNS_PER_STATEMENT = 64;

export class ShapeRowWriter {
	private readonly rows: RowWriter;
	private readonly st;
	/**
	 * Turns, many to a statement. A batch's turns are written together, after its conversations:
	 * interleaved with the other tables' inserts, each turn cost twice as much (the B-tree pages
	 * it appends to had gone cold).
	 */
	private readonly insertTurns: ChunkedInsert;

	private readonly search;

	constructor(private readonly database: Db) {
		const c = database.$client;
		c.exec('CREATE TEMP TABLE IF NOT EXISTS conversation_tasks (id INTEGER PRIMARY KEY)');
		this.search = {
			clear: c.prepare<[]>('DELETE FROM conversation_tasks'),
			insert: new ChunkedInsert(c, 'conversation_tasks', ['id']),
			drop: c.prepare<[]>('DELETE FROM task_search WHERE rowid IN (SELECT id FROM conversation_tasks)'),
			add: c.prepare<[]>(`INSERT INTO task_search (rowid, instruction, inputs, outputs) ${TASK_SEARCH_ROW} JOIN conversation_tasks x ON x.id = t.id`)
		};
		this.rows = new RowWriter(database);
		this.insertTurns = new ChunkedInsert(c, 'conversation_turns', ['conversation_id', 'position', 'role', 'content', 'source_role', 'name', 'weight', 'extra'], {
			optional: ['source_role', 'name', 'weight', 'extra'],
			perStatement: TURNS_PER_STATEMENT
		});
		this.st = {
			hasExamples: c.prepare<[number]>('SELECT 1 FROM task_examples WHERE task_id = ? LIMIT 1').pluck(),
			insertExample: c.prepare<[number, number, unknown, number, unknown, unknown, unknown, string | null, number | null, number]>(
				`INSERT INTO task_examples (task_id, dataset_id, kind, position, input, output, explanation, extra, import_id, created_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
			),
			describeInstance: c.prepare<[unknown, string | null, string | null, number]>('UPDATE instances SET source_id = ?, reference_outputs = ?, metadata = ? WHERE id = ?'),
			// A conversation already in the dataset (same fingerprint) is not written again: the
			// unique index decides, in the same statement (no lookup first).
			insertConversation: c.prepare<[number, number, number | null, unknown, unknown, string | null, string | null, string, number | null, number]>(
				`INSERT INTO conversations (dataset_id, task_id, instance_id, source_id, turn_count, warnings, metadata, fingerprint, import_id, created_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, fingerprint) DO NOTHING`
			),
			findPair: c.prepare<[number, string]>('SELECT id FROM preference_pairs WHERE dataset_id = ? AND fingerprint = ?').pluck(),
			insertPair: c.prepare<[number, number, number | null, number, number, unknown, unknown, unknown, unknown, unknown, string | null, string, number | null, number]>(
				`INSERT INTO preference_pairs (dataset_id, task_id, instance_id, response_a_id, response_b_id, prompt, source_preferred,
					source_score_a, source_score_b, source_id, metadata, fingerprint, import_id, created_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
			)
		};
	}

	/** Writes the extra rows of one batch; returns what it wrote. */
	write(context: ShapeRowContext, batch: readonly PlacedRecord[]): ShapeRowCounts {
		const counts: ShapeRowCounts = { examples: 0, instancesDescribed: 0, conversations: 0, turns: 0, duplicateConversations: 0, pairs: 0, duplicatePairs: 0 };
		const now = context.now ?? Date.now();
		const conversations: WrittenConversation[] = [];
		for (const placed of batch) {
			if (placed.record.kind === 'pair') this.writePair(context, placed as PlacedPair, now, counts);
			else this.writeTask(context, placed as PlacedTask, now, counts, conversations);
		}
		this.writeTurns(conversations);
		// Every task of the batch's conversations, new or already there: RowWriter left their search rows here.
		this.indexTurns(batch.flatMap((p) => (p.record.kind === 'task' && p.record.conversation ? [p.taskId] : [])));
		// The search rows of the pairs' tasks, with both responses.
		this.rows.flush();
		return counts;
	}

	private writeTask(
		context: ShapeRowContext,
		placed: PlacedTask,
		now: number,
		counts: ShapeRowCounts,
		conversations: WrittenConversation[]
	): void {
		const { datasetId, importId } = context;
		const { record, taskId, instanceIds, conversationKey } = placed;
		const st = this.st;
		// A task file imported again joins its task; its examples are already there.
		if (record.examples?.length && !st.hasExamples.get(taskId)) {
			const position = { positive: 0, negative: 0 };
			for (const e of record.examples) {
				st.insertExample.run(taskId, datasetId, e.kind, position[e.kind]++, e.input, e.output, e.explanation, json(e.extra), importId, now);
				counts.examples++;
			}
		}
		record.instances.forEach((instance, i) => {
			const id = instanceIds[i];
			if (id == null || (instance.sourceId == null && !instance.outputs && !instance.metadata)) return;
			st.describeInstance.run(instance.sourceId ?? null, json(instance.outputs && instance.outputs.length > 1 ? instance.outputs : null), json(instance.metadata ?? null), id);
			counts.instancesDescribed++;
		});
		const conversation = record.conversation;
		if (conversation) {
			const fp = conversationKey ?? conversationFingerprint(conversation.turns);
			const inserted = st.insertConversation.run(
				datasetId,
				taskId,
				instanceIds[0] ?? null,
				record.sourceId ?? null,
				conversation.turns.length,
				conversation.warnings.length ? JSON.stringify(conversation.warnings) : null,
				json(conversation.metadata),
				fp,
				importId,
				now
			);
			placed.written = inserted.changes > 0;
			if (inserted.changes === 0) {
				counts.duplicateConversations++;
				return;
			}
			conversations.push({ id: Number(inserted.lastInsertRowid), turns: conversation.turns });
			counts.conversations++;
			counts.turns += conversation.turns.length;
		}
	}

	/** The search rows of tasks with conversations, with their turns; set-based (one statement per step). */
	private indexTurns(taskIds: readonly number[]): void {
		if (!taskIds.length) return;
		const st = this.search;
		st.clear.run();
		for (const id of new Set(taskIds)) if (st.insert.add([id])) st.insert.write();
		st.insert.write();
		st.drop.run();
		st.add.run();
		st.clear.run();
	}

	/** The turns of a batch's conversations. */
	private writeTurns(conversations: readonly WrittenConversation[]): void {
		const insert = this.insertTurns;
		for (const { id, turns } of conversations) {
			turns.forEach((t, position) => {
				if (insert.add([id, position, t.role, t.content, t.sourceRole ?? null, t.name ?? null, t.weight ?? null, json(t.extra)])) insert.write();
			});
		}
		insert.write();
	}

	private writePair(context: ShapeRowContext, placed: PlacedPair, now: number, counts: ShapeRowCounts): void {
		const { datasetId, importId } = context;
		const { record, taskId, instanceId } = placed;
		const unnamed = context.unnamedModels ?? UNNAMED_PAIR_MODELS;
		const modelA = record.modelA ?? unnamed.a;
		const modelB = record.modelB ?? unnamed.b;
		const fp = pairFingerprint(record, modelA, modelB);
		placed.written = this.st.findPair.get(datasetId, fp) === undefined;
		if (!placed.written) {
			counts.duplicatePairs++;
			return;
		}
		const response = (model: string, text: string) =>
			this.rows.insertResponse({ taskId, instanceId: instanceId ?? null, datasetId, model, response: text, prompt: record.prompt, importId }, now);
		const a = response(modelA, record.responseA);
		const b = response(modelB, record.responseB);
		this.st.insertPair.run(
			datasetId,
			taskId,
			instanceId ?? null,
			a,
			b,
			record.prompt,
			record.preferred,
			record.scoreA ?? null,
			record.scoreB ?? null,
			record.sourceId ?? null,
			json(record.metadata),
			fp,
			importId,
			now
		);
		counts.pairs++;
	}
}

/**
 * One batch in one call, for an import path that does not keep a writer: prepares the
 * statements each time (keep a ShapeRowWriter across batches to avoid that).
 */
export function writeShapeRows(database: Db, context: ShapeRowContext, batch: readonly PlacedRecord[]): ShapeRowCounts {
	return new ShapeRowWriter(database).write(context, batch);
}
