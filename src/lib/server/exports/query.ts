/**
 * The rows an export selects, as SQL over tasks × instances (× a model's responses), streamed
 * with `.iterate()` in task order then instance order — the join is forced to walk
 * tasks_dataset_idx then instances_task_idx, so SQLite never sorts (or holds) the result.
 * Reformulations are merged in from a second cursor in the same task order, so each one
 * follows its instance without a query per row.
 */
import { isUtf8 } from 'node:buffer';
import type Database from 'better-sqlite3';
import type { Db } from '../db';
import { openReadOnly } from '../db/read-only';
import { databaseVersion } from '../db/unchanged';
import { SqlQuery } from './sql';
import type { ColumnBytes } from './parquet-columns';
import { applyFilters, ExportFilterError, type ExportFilters } from './filters';
import type { AuditScope } from './human-labels';
import { reviewersNotCounted } from '../audits/routing';
import type { ReviewerInAudit } from '../../audits/qualification';
import {
	chatSystemMessage,
	CHAT_INPUT_SEPARATORS,
	importedFieldsOf,
	PROMPT_PIECES,
	type ExportFormatId,
	type RecordLayout,
	type SerializeOptions
} from '../../formats/serialize';
import { CSV_QUOTED_CHARACTERS, FORMULA_START_CHARACTERS, isSignedNumberText } from '../../formats/csv';
import { INPUT_PLACEHOLDER, instructionWithInput } from '../../prompts/unnatural';
import { FUNCTION_CALL_SPEAKER, carriesCallSql } from '../../formats/conversation';

export interface ExportSelection {
	datasetId: number;
	filters: ExportFilters;
	/** Export this model's responses as the outputs, one row per response, instead of the instances' outputs. */
	responsesOf?: string | null;
	/** Add each exported instance's reformulations (Unnatural Instructions template expansion) as extra rows. */
	includeReformulations?: boolean;
	/**
	 * Leave out instances whose output is a conversation reply the source did not mean as a
	 * target (see untrainableTargetsSql). Set by the export (withTargetPolicy in export.ts) when
	 * the dataset has any, so other datasets' queries stay as they were.
	 */
	skipUntrainableTargets?: boolean;
	/**
	 * The reviewers whose labels the human-label filters and the estimate leave out: they have not
	 * passed an audit's qualification step (routing's reviewersNotCounted), as the report leaves
	 * them out. Read once per export (withReviewersNotCounted; the functions here given a
	 * connection read them when absent); selectionQuery refuses a selection that needs the
	 * audits' labels without them (labelScope) rather than count everyone's.
	 */
	reviewersNotCounted?: readonly ReviewerInAudit[];
}

/** The selection with its reviewersNotCounted read (of the audits it names, or all the dataset's), unless it has them. */
export function withReviewersNotCounted<T extends ExportSelection>(selection: T, database: Db | Database.Database): T {
	if (selection.reviewersNotCounted) return selection;
	return { ...selection, reviewersNotCounted: reviewersNotCounted(database, selection.datasetId, selection.filters.audits) };
}

/** Which audits' labels count for a selection (human-labels.ts), with the reviewers who do not. */
export function labelScope(selection: ExportSelection): AuditScope {
	// A programming error, not the user's: every way into an export reads them first.
	if (!selection.reviewersNotCounted) throw new Error('The export selection was not given the reviewers whose labels do not count (withReviewersNotCounted).');
	return { datasetId: selection.datasetId, auditIds: selection.filters.audits, notCounted: selection.reviewersNotCounted };
}

/**
 * The instances of a dataset whose output is a conversation reply marked `"weight": 0` (OpenAI
 * chat fine-tuning: not trained on), an OpenAI tool call (no text, and `tool_calls` or
 * `function_call` kept in the turn's extra fields) or a ShareGPT function_call turn (a tool call
 * as JSON text) — an empty string with no call is an empty output, kept: a single-turn export would
 * teach that reply as the answer. The reply is the one conversationTask made the instance's
 * output: the first assistant turn after the first user turn.
 */
export function untrainableTargetsSql(datasetParam: string): string {
	return `SELECT c.instance_id FROM conversations c JOIN conversation_turns o ON o.conversation_id = c.id
		WHERE c.dataset_id = ${datasetParam} AND c.instance_id IS NOT NULL AND o.role = 'assistant'
		AND (o.weight = 0 OR (o.content = '' AND ${carriesCallSql('o.extra')}) OR o.source_role = '${FUNCTION_CALL_SPEAKER}')
		AND o.position = (SELECT min(a.position) FROM conversation_turns a WHERE a.conversation_id = c.id AND a.role = 'assistant'
			AND a.position > (SELECT min(u.position) FROM conversation_turns u WHERE u.conversation_id = c.id AND u.role = 'user'))`;
}

export type ExportRowKind = 'instance' | 'reformulation' | 'response';

export interface ExportRow {
	kind: ExportRowKind;
	taskId: number;
	instanceId: number | null;
	instruction: string;
	input: string;
	output: string;
	runId: number | null;
	importId: number | null;
	/** The instance's imported fields (importedFieldsOf), read only when the export writes them (selectRows' `importedFields`). */
	importedFields?: Record<string, unknown> | null;
}

export interface SelectionCounts {
	/** Rows the file gets: instances (or responses) plus reformulations. */
	rows: number;
	tasks: number;
	instances: number;
	responses: number;
	reformulations: number;
}

/**
 * The FROM … WHERE of a selection, with its parameters. `tasksWithoutInstances`: keep tasks that
 * have no instance (an imported tie pair's), judged by the task's own columns (instance filters
 * such as input= and the human labels of instances leave them out) — for the whole-shape exports,
 * which select tasks.
 */
export function selectionQuery(selection: ExportSelection, filters: ExportFilters = selection.filters, options: { tasksWithoutInstances?: boolean } = {}): { q: SqlQuery; from: string } {
	const q = new SqlQuery();
	const responses = !!selection.responsesOf;
	if (responses && selection.includeReformulations) {
		throw new ExportFilterError('Reformulations pair another wording of the instruction with the instance output; they cannot go with model responses.');
	}
	// CROSS JOIN fixes the loop order (tasks outer), which is what lets ORDER BY t.id, i.id use the indexes.
	let from = options.tasksWithoutInstances ? 'tasks t LEFT JOIN instances i ON i.task_id = t.id' : 'tasks t CROSS JOIN instances i ON i.task_id = t.id';
	if (responses) {
		from += ` CROSS JOIN responses r ON r.task_id = t.id AND r.instance_id = i.id AND r.model = ${q.param(selection.responsesOf)}`;
	}
	q.where(`t.dataset_id = ${q.param(selection.datasetId)}`);
	if (selection.skipUntrainableTargets && !responses) q.where(`i.id NOT IN (${untrainableTargetsSql(q.param(selection.datasetId))})`);
	applyFilters(q, filters, { responses, labels: () => labelScope({ ...selection, filters }) });
	return { q, from };
}

export function countSelection(client: Database.Database, selection: ExportSelection): SelectionCounts {
	const { q, from } = selectionQuery(withReviewersNotCounted(selection, client));
	const responses = !!selection.responsesOf;
	// Grouped by task in the order the join walks (no temporary b-tree, unlike count(DISTINCT t.id));
	// without responses each row is its own instance, so the instances are the rows.
	const main = client
		.prepare<[unknown], { n: number; tasks: number; instances: number }>(
			responses
				? `${q.withClause()}SELECT coalesce(sum(n), 0) AS n, count(*) AS tasks, coalesce(sum(instances), 0) AS instances
					FROM (SELECT count(*) AS n, count(DISTINCT i.id) AS instances FROM ${from} WHERE ${q.whereClause()} GROUP BY t.id)`
				: `${q.withClause()}SELECT coalesce(sum(n), 0) AS n, count(*) AS tasks, coalesce(sum(n), 0) AS instances
					FROM (SELECT count(*) AS n FROM ${from} WHERE ${q.whereClause()} GROUP BY t.id)`
		)
		.get(q.params)!;
	let reformulations = 0;
	if (selection.includeReformulations && main.n > 0) {
		const sel = q.clone();
		sel.with('export_selected', () => `SELECT t.id AS task_id, i.id AS instance_id FROM ${from} WHERE ${q.whereClause()}`);
		reformulations = (
			client
				.prepare<[unknown], { n: number }>(
					`${sel.withClause()}SELECT count(*) AS n FROM formulations f
					 WHERE f.dataset_id = ${sel.param(selection.datasetId)}
					   AND (f.instance_id IN (SELECT instance_id FROM export_selected)
					     OR (f.instance_id IS NULL AND f.task_id IN (SELECT task_id FROM export_selected)))`
				)
				.get(sel.params)!
		).n;
	}
	return {
		rows: main.n + reformulations,
		tasks: main.tasks,
		instances: main.instances,
		responses: responses ? main.n : 0,
		reformulations
	};
}

/**
 * Imported comparison pairs of the selection's instances that repeat an earlier pair's prompt: a
 * prompt has one instance (the first pair's preferred response), so the others' preferred
 * responses are no row of a flat export. Only imported pairs (they keep the source's prompt; pairs
 * built from the dataset's own responses have none and add no row, whatever they share).
 */
export function countPairsSharingAPrompt(client: Database.Database, selection: ExportSelection): number {
	const { q, from } = selectionQuery(withReviewersNotCounted(selection, client));
	return client
		.prepare<[unknown], { n: number }>(
			`${q.withClause()}SELECT count(p.instance_id) - count(DISTINCT p.instance_id) AS n FROM preference_pairs p
			 WHERE p.dataset_id = ${q.param(selection.datasetId)} AND p.prompt IS NOT NULL
			   AND p.instance_id IN (SELECT i.id FROM ${from} WHERE ${q.whereClause()})`
		)
		.get(q.params)!.n;
}

/**
 * Instances of the selection that no automatic filter judged (task and instance without a
 * verdict): seed tasks' (the pool the filters compare with, never judged) and the others (e.g.
 * added since the last filter run). `kept` includes them, as it does every row not rejected.
 */
export function countUnjudged(client: Database.Database, selection: ExportSelection): { seeds: number; other: number } {
	const { q, from } = selectionQuery(withReviewersNotCounted(selection, client));
	q.where('t.filter_status IS NULL AND i.filter_status IS NULL');
	return client
		.prepare<[unknown], { seeds: number; other: number }>(
			`${q.withClause()}SELECT count(DISTINCT CASE WHEN t.origin = 'seed' THEN i.id END) AS seeds, count(DISTINCT CASE WHEN t.origin <> 'seed' THEN i.id END) AS other FROM ${from} WHERE ${q.whereClause()}`
		)
		.get(q.params)!;
}

/**
 * How many instances of the selection `readsBack` says the importer would not read back exactly
 * from their instruction and input (the block export writes them in SQLite; this asks the same
 * question of each row through a function the connection is given).
 */
export function countInstancesNotReadBack(client: Database.Database, selection: ExportSelection, readsBack: (instruction: string, input: string) => boolean): number {
	const { q, from } = selectionQuery(withReviewersNotCounted(selection, client));
	client.function('export_reads_back', { deterministic: true }, (instruction, input) => (readsBack(String(instruction), String(input)) ? 1 : 0));
	return client
		.prepare<[unknown], { n: number }>(`${q.withClause()}SELECT count(*) AS n FROM ${from} WHERE ${q.whereClause()} AND NOT export_reads_back(t.instruction, i.input)`)
		.get(q.params)!.n;
}

/**
 * How many rows of the selection are of an instance that carries imported fields (its row's `id`
 * or other fields: importedFieldsOf), which a file of instruction, input and output alone does not hold.
 */
export function countRowsWithImportedFields(client: Database.Database, selection: ExportSelection): number {
	const { q, from } = selectionQuery(withReviewersNotCounted(selection, client));
	return client
		.prepare<[unknown], { n: number }>(`${q.withClause()}SELECT count(*) AS n FROM ${from} WHERE ${q.whereClause()} AND (i.source_id IS NOT NULL OR i.metadata IS NOT NULL)`)
		.get(q.params)!.n;
}

/**
 * How many rows of the selection belong to a task with a system message of its own (a
 * conversation's system turn, which the importer keeps in the task's metadata): a flat export
 * writes the first exchange only, so that message is not in the file.
 */
export function countRowsWithOwnSystemMessage(client: Database.Database, selection: ExportSelection): number {
	const { q, from } = selectionQuery(withReviewersNotCounted(selection, client));
	return client
		.prepare<[unknown], { n: number }>(
			`${q.withClause()}SELECT count(*) AS n FROM ${from} WHERE ${q.whereClause()} AND t.metadata IS NOT NULL AND json_valid(t.metadata) AND json_type(t.metadata, '$.system') = 'text'`
		)
		.get(q.params)!.n;
}

interface FormulationRow {
	taskId: number;
	instanceId: number | null;
	instruction: string;
	instructionWithInput: string | null;
	input: string;
	output: string;
	runId: number | null;
	importId: number | null;
}

/**
 * A reformulation as a training row. Unnatural Instructions' rephrasings say where the input goes
 * with {INPUT}; a file that kept the placeholder would teach it. Such a row is written with the
 * input in place (its instruction_with_input, else the placeholder filled the same way) and no
 * separate input.
 */
function reformulationRow({ instructionWithInput: filled, ...f }: FormulationRow): ExportRow {
	if (!f.instruction.includes(INPUT_PLACEHOLDER)) return { kind: 'reformulation', ...f };
	return { kind: 'reformulation', ...f, instruction: filled ?? instructionWithInput(f.instruction, f.input), input: '' };
}

/**
 * The selected rows in file order; with `sampleEvery`, about one row in that many (the size
 * estimate's sample), spread over the whole selection: a row (an instance, or a response) is
 * taken when a multiplicative hash of its id falls on a multiple, so neither the first rows nor a
 * pattern in the ids decide which. Reformulations follow their sampled instances.
 */
export function* selectRows(client: Database.Database, selection: ExportSelection, sampleEvery?: number, sampleRun?: number, importedFields = false): Generator<ExportRow> {
	const { q, from } = selectionQuery(withReviewersNotCounted(selection, client));
	const responses = !!selection.responsesOf;
	const output = responses ? 'r.response' : 'i.output';
	const order = responses ? 't.id, i.id, r.id' : 't.id, i.id';
	const sampled = sampleEvery !== undefined && sampleEvery > 1;
	// Knuth's multiplicative hash (2654435761, mod 2^32; 64-bit SQLite integers hold the product), its
	// low 8 bits dropped: those follow the id's own low bits, so every second id would be taken every second time.
	if (sampled && !sampleRun) q.where(`(((${responses ? 'r.id' : 'i.id'} * 2654435761) % 4294967296) >> 8) % ${q.param(sampleEvery)} = 0`);
	const columns = `t.id, i.id, t.instruction, i.input, ${output},
				coalesce(${responses ? 'r.run_id, ' : ''}i.run_id, t.run_id), coalesce(${responses ? 'r.import_id, ' : ''}i.import_id, t.import_id)${importedFields ? ', i.source_id, i.metadata' : ''}`;
	// With `sampleRun`: runs of that many rows next to each other in the file, one run in every
	// `sampleEvery` (what compresses with its neighbours, as Parquet pages do, stays next to them).
	type Raw = [number, number, string, string, string, number | null, number | null, (string | null)?, (string | null)?];
	let cursor: IterableIterator<Raw>;
	if (sampled && sampleRun) {
		// The runs are found over the ids alone, in the file's order (a window function numbering
		// the rows took 20 times as long); then the sampled rows are read by id.
		const key = responses ? 'r.id' : 'i.id';
		const run = Math.max(1, Math.floor(sampleRun));
		const chosen: number[] = [];
		let position = 0;
		for (const id of client.prepare<[unknown], number>(`${q.withClause()}SELECT ${key} FROM ${from} WHERE ${q.whereClause()} ORDER BY ${order}`).pluck().iterate(q.params)) {
			if (Math.floor(position++ / run) % sampleEvery === 0) chosen.push(id);
		}
		const byId = responses
			? 'responses r JOIN instances i ON i.id = r.instance_id JOIN tasks t ON t.id = r.task_id WHERE r.id'
			: 'instances i JOIN tasks t ON t.id = i.task_id WHERE i.id';
		cursor = client
			.prepare<[string], Raw>(`SELECT ${columns} FROM ${byId} IN (SELECT value FROM json_each(?)) ORDER BY ${order}`)
			.raw()
			.iterate(JSON.stringify(chosen));
	} else {
		// Raw rows (arrays): building each row's object here costs less than better-sqlite3's named rows.
		cursor = client.prepare<[unknown], Raw>(`${q.withClause()}SELECT ${columns} FROM ${from} WHERE ${q.whereClause()} ORDER BY ${order}`).raw().iterate(q.params);
	}
	const kind: ExportRowKind = responses ? 'response' : 'instance';
	const fieldsOf = (r: Raw) => (importedFields ? { importedFields: importedFieldsOf(r[7] ?? null, r[8] ? (JSON.parse(r[8]) as Record<string, unknown>) : null) } : {});

	if (!selection.includeReformulations) {
		for (const r of cursor) yield { kind, taskId: r[0], instanceId: r[1], instruction: r[2], input: r[3], output: r[4], runId: r[5], importId: r[6], ...fieldsOf(r) };
		return;
	}
	const rows = (function* () {
		for (const r of cursor) yield { taskId: r[0], instanceId: r[1], instruction: r[2], input: r[3], output: r[4], runId: r[5], importId: r[6], ...fieldsOf(r) };
	})();

	const formulations = client
		.prepare<[number], FormulationRow>(
			`SELECT f.task_id AS taskId, f.instance_id AS instanceId, f.instruction, f.instruction_with_input AS instructionWithInput, f.input, f.output,
				f.run_id AS runId, f.import_id AS importId
			 FROM tasks t CROSS JOIN formulations f ON f.task_id = t.id
			 WHERE t.dataset_id = ? ORDER BY t.id, f.id`
		)
		.iterate(selection.datasetId);
	let pending = formulations.next();
	let taskId = -1;
	let linked = new Map<number, FormulationRow[]>();
	let unlinked: FormulationRow[] = [];
	const asRow = reformulationRow;
	try {
		for (const row of rows) {
			if (row.taskId !== taskId) {
				// A task's reformulations not tied to one of its instances follow its last exported instance.
				for (const f of unlinked) yield asRow(f);
				taskId = row.taskId;
				linked = new Map();
				unlinked = [];
				while (!pending.done && pending.value.taskId < taskId) pending = formulations.next();
				while (!pending.done && pending.value.taskId === taskId) {
					const f = pending.value;
					if (f.instanceId === null) unlinked.push(f);
					else {
						const list = linked.get(f.instanceId);
						if (list) list.push(f);
						else linked.set(f.instanceId, [f]);
					}
					pending = formulations.next();
				}
			}
			yield { kind, ...row };
			const own = row.instanceId !== null ? linked.get(row.instanceId) : undefined;
			if (own) for (const f of own) yield asRow(f);
		}
		for (const f of unlinked) yield asRow(f);
	} finally {
		formulations.return?.();
		cursor.return?.();
	}
}

/** A row of selectJsonLines: the ids the manifest counts, and the record as its JSON Lines line. */
export interface JsonLineRow {
	taskId: number;
	instanceId: number;
	runId: number | null;
	importId: number | null;
	/** `{"instruction":…,"input":…,"output":…}` and a newline, as JSON.stringify writes it. */
	line: string;
}

/**
 * The rows of selectRows (without reformulations) with each record already written as its JSON
 * Lines line by SQLite's json_object(), which quotes exactly as JSON.stringify does (the export
 * test compares the two byte for byte): one string per row crosses into JavaScript instead of
 * three, and nothing is re-serialised. Used for model responses; instances go by block
 * (selectRecordBlocks).
 */
export function* selectJsonLines(client: Database.Database, selection: ExportSelection): Generator<JsonLineRow> {
	if (selection.includeReformulations) throw new Error('selectJsonLines: reformulations are merged by selectRows');
	const { q, from } = selectionQuery(withReviewersNotCounted(selection, client));
	const responses = !!selection.responsesOf;
	const output = responses ? 'r.response' : 'i.output';
	const order = responses ? 't.id, i.id, r.id' : 't.id, i.id';
	const cursor = client
		.prepare<[unknown], [number, number, number | null, number | null, string]>(
			`${q.withClause()}SELECT t.id, i.id, coalesce(${responses ? 'r.run_id, ' : ''}i.run_id, t.run_id), coalesce(${responses ? 'r.import_id, ' : ''}i.import_id, t.import_id),
				json_object('instruction', t.instruction, 'input', i.input, 'output', ${output}) || char(10)
			 FROM ${from} WHERE ${q.whereClause()} ORDER BY ${order}`
		)
		.raw()
		.iterate(q.params);
	for (const r of cursor) yield { taskId: r[0], instanceId: r[1], runId: r[2], importId: r[3], line: r[4] };
}

/** Where a block of instance rows starts: after this task and instance (0 and 0: at the first row). */
export interface BlockStart {
	task: number;
	instance: number;
}

/** What a block of consecutive instance rows reports besides its payload: the manifest's counts and sources. */
export interface InstanceBlock {
	rows: number;
	/** Distinct tasks among the rows, and the first and last row's task. */
	tasks: number;
	firstTaskId: number;
	lastTaskId: number;
	/** The last row: where the next block starts. */
	last: BlockStart;
	runIds: number[];
	importIds: number[];
}

/** Consecutive instance rows of an export in a format SQLite writes by block (recordSql), written as one piece of UTF-8. */
export interface RecordBlock extends InstanceBlock {
	/** The rows' records, in file order, each with the layout's `after`, joined by its `between`: the file's bytes. */
	bytes: Buffer;
}

/** Consecutive instance rows as columns (instruction, input, output) of UTF-8 bytes: a Parquet row group. */
export interface ColumnBlock extends InstanceBlock {
	columns: [ColumnBytes, ColumnBytes, ColumnBytes];
}

/**
 * A range of the dataset's rows for another connection on the same snapshot to read: after
 * `after`, up to and including `last`. Planned from the dataset's keys alone, before any filter:
 * `rows` counts the dataset's rows in it, the selection's may be fewer.
 */
export interface PlannedBlock {
	after: BlockStart;
	last: BlockStart;
	rows: number;
}

/** Rows in the first block; later blocks are sized to the block's bytes by the rows' size so far. */
const FIRST_BLOCK_ROWS = 16;
/** The most rows in one JSON Lines block. */
const MAX_BLOCK_ROWS = 4000;
/** Task and instance id packed by SQLite into one sortable 64-bit key, (task << 32) + instance; ids stay below 2^31. */
const ID_SHIFT = 2 ** 32;

/** Rows for the next block: about `blockBytes` by the rows' size so far, at most `maxRows`, and never more than twice the last block's. */
function nextBlockRows(blockRows: number, maxRows: number, blockBytes: number, rowsRead: number, bytesRead: number): number {
	return Math.max(1, Math.min(maxRows, 2 * blockRows, Math.floor(blockBytes / Math.max(1, bytesRead / Math.max(1, rowsRead)))));
}

/**
 * The instance rows of a selection (no responses, no reformulations) in blocks of consecutive
 * rows, each read by one statement that aggregates its rows into `payload` (SQL aggregates over
 * the rows' instruction, input, output and key k), so neither each row nor each text crosses
 * into JavaScript as a string. Blocks follow each other by (task id, instance id) from one read
 * snapshot (openReader), sized to about `blockBytes` and at most `maxRows` rows.
 */
function* instanceBlocks(
	client: Database.Database,
	selection: ExportSelection,
	payload: string[],
	blockBytes: number,
	maxRows: number,
	payloadParams: Record<string, unknown> = {}
): Generator<{ block: InstanceBlock; payload: unknown[]; bytes: number }> {
	const blocks = instanceBlockReader(client, selection, payload, payloadParams);
	try {
		let after: BlockStart = { task: 0, instance: 0 };
		// Sized by the rows read so far, so a block of long texts stays near blockBytes too.
		let blockRows = Math.min(FIRST_BLOCK_ROWS, maxRows);
		let rowsRead = 0;
		let bytesRead = 0;
		for (;;) {
			const read = blocks.read(after, blockRows);
			if (!read) return;
			yield read;
			after = read.block.last;
			rowsRead += read.block.rows;
			bytesRead += read.bytes;
			blockRows = nextBlockRows(blockRows, maxRows, blockBytes, rowsRead, bytesRead);
		}
	} finally {
		blocks.close();
	}
}

/** What an instance block read returns: the block, its payload (the aggregates), and the payload's bytes. */
interface InstanceBlockRead {
	block: InstanceBlock;
	payload: unknown[];
	bytes: number;
}

/** The largest key: a range up to it has no end. */
const NO_END: BlockStart = { task: 2 ** 31, instance: 2 ** 31 };

/**
 * Reads blocks of a selection's instance rows by where they start: at most `rows` rows, or
 * the rows up to `last` — the aggregates over a block's rows go in `payload`. `plan` finds
 * where a range of the dataset's rows ends from the indexes alone (no row, no filter read),
 * so that another connection can be handed the range.
 *
 * The aggregates take the rows in the order the ordered subquery yields them: SQLite never
 * flattens a subquery with a LIMIT into an aggregate query, so it runs as a coroutine that
 * hands its rows over sorted. An ORDER BY inside each aggregate would sort every block again:
 * for a million rows, 2.2 s instead of 0.6 s for Parquet's columns, 2.7–3.1 s instead of
 * 1.6–2.0 s for the JSON Lines (the export tests check the order where instance ids interleave
 * across tasks).
 */
function instanceBlockReader(
	client: Database.Database,
	selection: ExportSelection,
	payload: string[],
	payloadParams: Record<string, unknown>
): {
	read: (after: BlockStart, rows: number, last?: BlockStart) => InstanceBlockRead | null;
	plan: (after: BlockStart, rows: number) => PlannedBlock | null;
	close: () => void;
} {
	if (selection.includeReformulations || selection.responsesOf) throw new Error('instanceBlocks: instances only');
	const selected = selectionQuery(withReviewersNotCounted(selection, client));
	const from = selected.from;
	// One statement per block: the filters' CTEs are computed once, not again for every block.
	const { q, drop } = selected.q.materialized(client);
	try {
		const range = `t.id >= @after_task AND NOT (t.id = @after_task AND i.id <= @after_instance)`;
		const ends = `count(*), max(k) >> 32, max(k) & ${ID_SHIFT - 1}`;
		const statement = client
			.prepare<[Record<string, unknown>], unknown[]>(
				`${q.withClause()}SELECT ${ends}, min(k) >> 32, group_concat(DISTINCT run), group_concat(DISTINCT imp), count(DISTINCT tid), ${payload.join(', ')}
				 FROM (SELECT t.id AS tid, (t.id << 32) + i.id AS k, coalesce(i.run_id, t.run_id) AS run, coalesce(i.import_id, t.import_id) AS imp,
						t.instruction AS instruction, i.input AS input, i.output AS output
					 FROM ${from}
					 WHERE ${q.whereClause()} AND ${range} AND t.id <= @last_task AND NOT (t.id = @last_task AND i.id > @last_instance)
					 ORDER BY t.id, i.id LIMIT @block_rows)`
			)
			.raw();
		// Prepared when first planned: only an export with a second reader plans.
		let keys: Database.Statement<[Record<string, unknown>], [number, number | null, number | null]> | undefined;
		const ids = (list: string | null) => (list ? list.split(',').map(Number) : []);
		return {
			read(after, blockRows, last) {
				const row = statement.get({
					...q.params,
					...payloadParams,
					after_task: after.task,
					after_instance: after.instance,
					last_task: (last ?? NO_END).task,
					last_instance: (last ?? NO_END).instance,
					block_rows: last ? -1 : blockRows
				})!;
				const [rows, lastTaskId, lastInstanceId, firstTaskId, runs, imports, tasks] = row as [number, number | null, number | null, number | null, string | null, string | null, number];
				if (!rows || firstTaskId === null || lastTaskId === null || lastInstanceId === null) return null;
				const values = row.slice(7);
				const bytes = values.reduce<number>((n, v) => n + (v instanceof Uint8Array ? v.length : 0), 0);
				return {
					block: { rows, tasks, firstTaskId, lastTaskId, last: { task: lastTaskId, instance: lastInstanceId }, runIds: ids(runs), importIds: ids(imports) },
					payload: values,
					bytes
				};
			},
			plan(after, blockRows) {
				keys ??= client
					.prepare<[Record<string, unknown>], [number, number | null, number | null]>(
						`SELECT ${ends} FROM (SELECT (t.id << 32) + i.id AS k FROM ${from} WHERE t.dataset_id = @dataset AND ${range} ORDER BY t.id, i.id LIMIT @block_rows)`
					)
					.raw();
				const [rows, lastTaskId, lastInstanceId] = keys.get({ dataset: selection.datasetId, after_task: after.task, after_instance: after.instance, block_rows: blockRows })!;
				if (!rows || lastTaskId === null || lastInstanceId === null) return null;
				return { after, last: { task: lastTaskId, instance: lastInstanceId }, rows };
			},
			close: drop
		};
	} catch (err) {
		drop();
		throw err;
	}
}

const utf8 = new TextDecoder();

/** The SQL function recordSql's CSV cells call: csv.ts's isSignedNumberText. */
const CSV_SIGNED_NUMBER_FUNCTION = 'csv_signed_number';

/** One record of a format SQLite writes itself, as SQL over a block's instruction, input and output, with its parameters. */
export interface RecordSql {
	expression: string;
	params: Record<string, unknown>;
}

/**
 * The SQL that writes one record of `format` as its serialiser does, byte for byte (json_object
 * quotes as JSON.stringify does; the chat message and the prompts hold the fields as stored; CSV quotes and neutralises formulas by csv.ts's characters), or
 * undefined for Parquet.
 */
export function recordSql(format: ExportFormatId, options: SerializeOptions): RecordSql | undefined {
	switch (format) {
		case 'jsonl':
		case 'alpaca-json':
			return { expression: `json_object('instruction', instruction, 'input', input, 'output', output)`, params: {} };
		case 'openai-chat': {
			const system = chatSystemMessage(options);
			const user = `CASE WHEN input = '' THEN instruction ELSE instruction || @chat_separator || input END`;
			return {
				expression: `json_object('messages', json_array(${system === null ? '' : `json_object('role', 'system', 'content', @chat_system), `}json_object('role', 'user', 'content', ${user}), json_object('role', 'assistant', 'content', output)))`,
				params: { chat_separator: CHAT_INPUT_SEPARATORS[options.chatInput ?? 'labelled'], chat_system: system }
			};
		}
		case 'prompt-completion': {
			const p = PROMPT_PIECES[options.template ?? 'self-instruct'];
			const prompt = `CASE WHEN input = '' THEN @prompt_n0 || instruction || @prompt_n1
				ELSE @prompt_w0 || instruction || @prompt_w1 || input || @prompt_w2 END`;
			return {
				expression: `json_object('prompt', ${prompt}, 'completion', @completion_0 || output || @completion_1)`,
				params: {
					prompt_n0: p.noInput[0],
					prompt_n1: p.noInput[1],
					prompt_w0: p.withInput[0],
					prompt_w1: p.withInput[1],
					prompt_w2: p.withInput[2],
					completion_0: p.completion[0],
					completion_1: p.completion[1]
				}
			};
		}
		case 'csv': {
			// A cell as csvRows writes it: a leading "'" on text a spreadsheet would run as a formula,
			// and quoted, its quotes doubled, when it holds CSV_QUOTED_CHARACTERS (the apostrophe is
			// none of them, so the test on the stored text decides for the written one).
			const quoted = (column: string) => [...CSV_QUOTED_CHARACTERS].map((_, k) => `instr(${column}, @csv_quoted_${k})`).join(' OR ');
			// Text that is exactly a signed number ("-5") is asked of csv.ts's own test (a function each
			// reader's connection is given), only for the few cells that start like a formula.
			const apostrophe = (column: string) =>
				options.csvKeepFormulas
					? ''
					: `CASE WHEN ${column} <> '' AND instr(@formula_start, substr(${column}, 1, 1)) THEN CASE WHEN ${CSV_SIGNED_NUMBER_FUNCTION}(${column}) THEN '' ELSE '''' END ELSE '' END || `;
			const cell = (column: string) =>
				`CASE WHEN ${quoted(column)} THEN '"' || ${apostrophe(column)}replace(${column}, '"', '""') || '"' ELSE ${apostrophe(column)}${column} END`;
			return {
				expression: `${cell('instruction')} || ',' || ${cell('input')} || ',' || ${cell('output')}`,
				params: { formula_start: FORMULA_START_CHARACTERS, ...Object.fromEntries([...CSV_QUOTED_CHARACTERS].map((c, k) => [`csv_quoted_${k}`, c])) }
			};
		}
		case 'parquet':
			return undefined;
	}
}

/** Reads blocks of an instance export's records (recordSql) by where they start: on the export's connection, or on a second one with the same snapshot. */
export interface RecordBlockReader {
	/** The block of at most `rows` rows after `after` (with `last`: the rows up to it), or null when there are none. */
	read(after: BlockStart, rows: number, last?: BlockStart): RecordBlock | null;
	/** The range of the next `rows` rows of the dataset after `after` (the selection's rows in it: `read`), or null past its last row. */
	plan(after: BlockStart, rows: number): PlannedBlock | null;
	/** Drops what the reader made on its connection (the filters' tables). */
	close(): void;
}

export function recordBlockReader(client: Database.Database, selection: ExportSelection, record: RecordSql, layout: RecordLayout): RecordBlockReader {
	client.function(CSV_SIGNED_NUMBER_FUNCTION, { deterministic: true }, (text) => (isSignedNumberText(String(text)) ? 1 : 0));
	const payload = [`CAST(group_concat(${record.expression} || @record_after, @record_between) AS BLOB)`];
	const params = { ...record.params, record_after: layout.after, record_between: layout.between };
	const blocks = instanceBlockReader(client, selection, payload, params);
	return {
		read(after, rows, last) {
			const read = blocks.read(after, rows, last);
			const bytes = read?.payload[0];
			if (!read || !(bytes instanceof Uint8Array)) return null;
			// SQLite passes text stored as invalid UTF-8 (bytes another tool wrote) through as it is; the
			// file gets it with U+FFFD, as the row path reads it. What the JSON or CSV adds around the
			// fields is ASCII, so the block decodes as its fields do one by one.
			return { ...read.block, bytes: isUtf8(bytes) ? (bytes as Buffer) : Buffer.from(utf8.decode(bytes), 'utf8') };
		},
		plan: blocks.plan,
		close: blocks.close
	};
}

/**
 * Another thread's reader of the same blocks (./second-reader), on a connection of its own with
 * the same snapshot as the export's: it reads the ranges it is sent while this thread reads others.
 */
export interface SecondBlockReader {
	/** true once it reads the export's snapshot; false when it will not (its snapshot is another, it failed to start); undefined while it starts. */
	ready(): boolean | undefined;
	/** Sends a range to read (only once ready). */
	send(block: PlannedBlock): void;
	/**
	 * The next range read, in the order they were sent (null: none of the selection's rows were in
	 * it), waiting for it, or undefined when it is not there yet and `wait` is false. Throws when
	 * the reader failed.
	 */
	take(wait: boolean): RecordBlock | null | undefined;
	close(): void;
}

/** Ranges a second reader is sent ahead of the block the file needs next: it has the next one to read while this thread writes. */
const SECOND_READER_AHEAD = 4;
/** Blocks read here, ahead of the file, while the file waits for one of the second reader's (this thread also hashes and writes). */
const READ_AHEAD_HERE = 1;

/**
 * The records of an instance export (no responses, no reformulations) in every format but
 * Parquet (JSON Lines, Alpaca JSON, OpenAI chat, prompt/completion, CSV), in blocks: SQLite writes each
 * block's records (`record`) and joins them in file order, returned as bytes, so nothing is
 * decoded or encoded again — the rows one by one spent most of a million-row export turning
 * UTF-8 into JavaScript strings and back. The caller puts the layout's `first` or `between`
 * before each block.
 *
 * With a `second` reader (a large export), SQLite writes blocks on both cores. Once it reads
 * the same snapshot, it is kept SECOND_READER_AHEAD ranges ahead (planned here from the
 * indexes), and this thread reads a block after them when the file waits for one of them.
 * Blocks come out in file order either way; should the second reader fail, its ranges are
 * read here.
 */
export function* selectRecordBlocks(
	client: Database.Database,
	selection: ExportSelection,
	record: RecordSql,
	layout: RecordLayout,
	blockBytes: number,
	second?: SecondBlockReader | null
): Generator<RecordBlock> {
	const blocks = recordBlockReader(client, selection, record, layout);
	let helper = second ?? null;
	let helping = false;
	try {
		let after: BlockStart = { task: 0, instance: 0 };
		/** No rows after `after`. */
		let end = false;
		let blockRows = Math.min(FIRST_BLOCK_ROWS, MAX_BLOCK_ROWS);
		let rowsRead = 0;
		let bytesRead = 0;
		/** From the file's next block on, in file order: blocks read here, and ranges for the second reader (`taken` once it has read one: its block, or null when empty). */
		const queue: { planned?: PlannedBlock; taken: boolean; block: RecordBlock | null }[] = [];
		let sent = 0;
		let here = 0;
		const sized = (block: RecordBlock | null) => {
			if (!block) return;
			rowsRead += block.rows;
			bytesRead += block.bytes.length;
			blockRows = nextBlockRows(blockRows, MAX_BLOCK_ROWS, blockBytes, rowsRead, bytesRead);
		};
		const readHere = () => {
			const block = blocks.read(after, blockRows);
			if (!block) {
				end = true;
				return;
			}
			after = block.last;
			queue.push({ taken: true, block });
			here++;
			sized(block);
		};
		const before = (a: BlockStart, b: BlockStart) => a.task < b.task || (a.task === b.task && a.instance < b.instance);
		/** A range's block as read: rows of the range only. */
		const inRange = (planned: PlannedBlock, block: RecordBlock | null): RecordBlock | null => {
			if (block && (block.rows > planned.rows || before(planned.last, block.last) || !before(planned.after, block.last))) {
				throw new Error(`export: the range after task ${planned.after.task}, instance ${planned.after.instance} read rows outside it`);
			}
			return block;
		};
		const withoutHelper = () => {
			helper?.close();
			helper = null;
			helping = false;
			for (const entry of queue) {
				if (entry.planned && !entry.taken) {
					entry.block = inRange(entry.planned, blocks.read(entry.planned.after, 0, entry.planned.last));
					entry.taken = true;
				}
			}
			sent = 0;
		};
		/** Puts the second reader's next block in its place; false when it has none yet (`wait`: waits for it). */
		const take = (wait: boolean): boolean => {
			let block: RecordBlock | null | undefined;
			try {
				block = helper!.take(wait);
			} catch {
				withoutHelper();
				return true;
			}
			if (block === undefined) return false;
			const entry = queue.find((e) => !e.taken)!;
			entry.block = inRange(entry.planned!, block);
			entry.taken = true;
			sent--;
			sized(block);
			return true;
		};
		for (;;) {
			if (helper && !helping) {
				const ready = helper.ready();
				if (ready === false) withoutHelper();
				else if (ready) helping = true;
			}
			while (helping && !end && sent < SECOND_READER_AHEAD) {
				const planned = blocks.plan(after, blockRows);
				if (!planned) {
					end = true;
					break;
				}
				helper!.send(planned);
				queue.push({ planned, taken: false, block: null });
				after = planned.last;
				sent++;
			}
			const head = queue[0];
			if (!head) {
				if (end) return;
				readHere();
			} else if (head.taken) {
				queue.shift();
				if (!head.planned) here--;
				if (head.block) yield head.block;
			} else if (!take(false)) {
				// The file waits for the second reader: this thread reads the block after its ranges meanwhile.
				if (!end && here < READ_AHEAD_HERE) readHere();
				else take(true);
			}
		}
	} finally {
		helper?.close();
		blocks.close();
	}
}

/**
 * The instance rows of an export as column blocks of at most `maxRows` rows (Parquet row
 * groups): per column the values' UTF-8 bytes end to end and their byte lengths, as SQLite
 * stores them — no JavaScript string is made, and nothing is encoded again.
 */
export function* selectColumnBlocks(client: Database.Database, selection: ExportSelection, blockBytes: number, maxRows: number): Generator<ColumnBlock> {
	const payload = ['instruction', 'input', 'output'].flatMap((c) => [`CAST(group_concat(${c}, '') AS BLOB)`, `group_concat(octet_length(${c}))`]);
	for (const { block, payload: p } of instanceBlocks(client, selection, payload, blockBytes, maxRows)) {
		const column = (c: number): ColumnBytes => ({ bytes: (p[2 * c] as Buffer | null) ?? new Uint8Array(0), lengths: p[2 * c + 1] as string | null });
		yield { ...block, columns: [column(0), column(1), column(2)] };
	}
}

/** An export's read snapshot, on a connection of its own (openReader). */
export interface ExportReader {
	client: Database.Database;
	/**
	 * The app connection's databaseVersion just before the snapshot began (null: an in-memory
	 * database, read through the app's own connection, or not known). While that version stays the same,
	 * nothing has been committed since, so another connection that begins a snapshot now reads
	 * the same one.
	 */
	version: string | null;
	close: () => void;
}

/**
 * A connection of its own for one export. An open cursor keeps its connection busy for writes
 * (better-sqlite3 refuses them until the cursor ends), so a slow download must not iterate on
 * the app's shared connection; a read-only one also reads one consistent snapshot (WAL) for
 * the counts and the rows, begun here. An in-memory database can only be read through its own
 * connection.
 */
export function openReader(database: Db): ExportReader {
	const main = database.$client;
	if (main.memory) return { client: main, version: null, close: () => {} };
	const reader = openReadOnly(main.name);
	// An export reads its rows once, in order: half the usual page cache is plenty, and a
	// million-row Parquet export (two threads) peaked 15–20 MB lower with it.
	reader.pragma('cache_size = -16384');
	reader.exec('BEGIN');
	let version: string | null = null;
	try {
		version = databaseVersion(main);
	} catch {
		// The app connection busy (a cursor of its own open): no version, so no second reader.
	}
	beginSnapshot(reader);
	return {
		client: reader,
		version,
		close: () => {
			if (reader.open) {
				if (reader.inTransaction) reader.exec('COMMIT');
				reader.close();
			}
		}
	};
}

/** A read transaction's snapshot begins at its first read (WAL), not at BEGIN. */
export function beginSnapshot(client: Database.Database): void {
	client.prepare<[]>('SELECT count(*) FROM sqlite_master').get();
}
