import type { Database, RunResult, Statement } from 'better-sqlite3';
import type { Db } from '../db';
import type { FilterStatus, TaskOrigin } from '../db/tables';
import { countWords } from '$lib/text/words';
import { normalizeWhitespace } from '$lib/formats';
import type { Verdict } from '$lib/filters';

/**
 * The one way rows enter tasks/instances/formulations/responses: prepared statements that
 * fill the derived columns (join key, word counts) and keep the per-task counters and the
 * search index right. Imports and generation runs both write through a RowWriter, inside a
 * transaction they own.
 */

/** Where a task or instance came from (an import, or a run's model call) and what the filters said of it. */

/**
 * A task's search row (task_search, migrations/0001_search_fts.sql) from `tasks t`: its
 * instruction; its instances' inputs with their constraints (Unnatural Instructions); and their
 * outputs with every turn of its conversations (a later reply is found too, not only the one that
 * became the instance's output) and every model response to it (imported predictions, both sides
 * of a preference pair). Migration 0033 rewrote the rows written before responses and constraints
 * were indexed; a later change of this row needs a migration like it.
 */
export const TASK_SEARCH_ROW = `SELECT t.id, t.instruction,
	coalesce((SELECT group_concat(i.input, char(10)) FROM instances i WHERE i.task_id = t.id), '')
		|| coalesce(char(10) || (SELECT group_concat(i.constraints, char(10)) FROM instances i WHERE i.task_id = t.id), ''),
	coalesce((SELECT group_concat(i.output, char(10)) FROM instances i WHERE i.task_id = t.id), '')
		|| coalesce(char(10) || (SELECT group_concat(ct.content, char(10)) FROM conversations c JOIN conversation_turns ct ON ct.conversation_id = c.id WHERE c.task_id = t.id), '')
		|| coalesce(char(10) || (SELECT group_concat(r.response, char(10)) FROM responses r WHERE r.task_id = t.id), '')
	FROM tasks t`;

export interface RowOrigin {
	importId?: number | null;
	runId?: number | null;
	callId?: number | null;
	filterStatus?: FilterStatus | null;
	filterRule?: string | null;
	filterDetail?: string | null;
}

export interface NewTask extends RowOrigin {
	datasetId: number;
	instruction: string;
	/** normalizeWhitespace(instruction), when the caller has it already. */
	instructionKey?: string;
	origin: TaskOrigin;
	sourceId?: string | null;
	name?: string | null;
	isClassification?: boolean | null;
	metadata?: Record<string, unknown> | null;
	/** Highest ROUGE-L F of the instruction to the pool when it was filtered (the threshold sweep reads it). */
	filterRougeL?: number | null;
}

/** A filter's verdict as a row stores it: kept or rejected, and the rule and detail that rejected it. */
export function verdictColumns(verdict: Verdict<string>): { filterStatus: FilterStatus; filterRule: string | null; filterDetail: string | null } {
	return { filterStatus: verdict.keep ? 'kept' : 'rejected', filterRule: verdict.rule ?? null, filterDetail: verdict.detail ?? null };
}

export interface NewInstance extends RowOrigin {
	taskId: number;
	datasetId: number;
	input: string;
	output: string;
	constraints?: string | null;
	instructionWithInput?: string | null;
}

export interface NewFormulation {
	taskId: number;
	instanceId?: number | null;
	datasetId: number;
	instruction: string;
	instructionWithInput?: string | null;
	input: string;
	output: string;
	importId?: number | null;
	runId?: number | null;
	callId?: number | null;
}

export interface NewResponse {
	taskId: number;
	instanceId?: number | null;
	datasetId: number;
	model: string;
	response: string;
	prompt?: string | null;
	importId?: number | null;
	runId?: number | null;
}

/**
 * Rows per statement of a batched RowWriter. better-sqlite3 does a fixed amount of work per call
 * (binding, stepping, resetting, the result object): written 32 to a statement, 300,000 tasks with
 * their instances took 1.8 s against 2.8 s one row per call (bench/import.bench.ts measures both).
 */
export const ROWS_PER_INSERT = 32;

/** The task insert's columns, in the order insertTask gives them. */
const TASK_COLUMNS = [
	'id', 'dataset_id', 'instruction', 'instruction_key', 'instruction_words', 'source_id', 'name', 'is_classification', 'origin', 'metadata',
	'import_id', 'run_id', 'call_id', 'filter_status', 'filter_rule', 'filter_detail', 'filter_rouge_l', 'instance_count', 'empty_input_count', 'created_at'
];
/** Columns of the task insert that count its instances (a batched writer counts them in while the row waits). */
const INSTANCE_COUNT_COLUMN = TASK_COLUMNS.indexOf('instance_count');
const EMPTY_INPUT_COUNT_COLUMN = TASK_COLUMNS.indexOf('empty_input_count');
/** The instance insert's columns, in the order insertInstance gives them. */
const INSTANCE_COLUMNS = [
	'id', 'task_id', 'dataset_id', 'input', 'output', 'input_words', 'output_words', 'constraints', 'instruction_with_input', 'import_id', 'run_id',
	'call_id', 'filter_status', 'filter_rule', 'filter_detail', 'created_at'
];

/**
 * Most statement variants a ChunkedInsert keeps (row counts × columns left out); past it, rows
 * are written with every column, so odd data cannot fill memory with statements.
 */
const MOST_STATEMENTS = 256;

/** An INSERT written one row per call, or gathered and written many rows per call. */
export class ChunkedInsert {
	/** Statements by row count and the optional columns left out, made when first needed. */
	private readonly statements = new Map<number, { statement: Statement<unknown[]>; kept: number[] | null }>();
	/** Positions of the optional columns. */
	private readonly optionalAt: number[];
	private readonly width: number;
	private readonly perStatement: number;
	private values: unknown[] = [];
	private rows = 0;

	/**
	 * `table` and its `columns` in the order rows give them. `optional`: nullable columns without
	 * a default, left out of a statement whose rows all have them null — each column bound costs
	 * even when null (300,000 tasks and instances with their 19 unused columns bound as null took
	 * 3.4–4.1 s against 2.8–3.2 s without them). `perStatement`: the most rows one call writes.
	 */
	constructor(
		private readonly client: Database,
		private readonly table: string,
		private readonly columns: readonly string[],
		options: { optional?: readonly string[]; perStatement?: number } = {}
	) {
		this.width = columns.length;
		this.perStatement = options.perStatement ?? ROWS_PER_INSERT;
		this.optionalAt = (options.optional ?? []).map((name) => {
			const at = columns.indexOf(name);
			if (at < 0) throw new Error(`ChunkedInsert: ${name} is not a column of the ${table} insert.`);
			return at;
		});
		// Statements are keyed by leftOut · 1024 + rows.
		if (this.optionalAt.length > 30 || this.perStatement >= 1024) throw new Error('ChunkedInsert: at most 30 optional columns and 1,023 rows a statement.');
	}

	/** The statement for `rows` rows without the optional columns in `leftOut` (a bit per optional column). */
	private statement(rows: number, leftOut: number): { statement: Statement<unknown[]>; kept: number[] | null } {
		const key = leftOut * 1024 + rows;
		let made = this.statements.get(key);
		if (!made) {
			const out = new Set(this.optionalAt.filter((_, bit) => leftOut & (1 << bit)));
			const kept = leftOut === 0 ? null : this.columns.map((_, at) => at).filter((at) => !out.has(at));
			const names = this.columns.filter((_, at) => !out.has(at));
			const row = `(${Array(names.length).fill('?').join(', ')})`;
			const statement = this.client.prepare<unknown[]>(`INSERT INTO ${this.table} (${names.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}`);
			made = { statement, kept };
			this.statements.set(key, made);
		}
		return made;
	}

	/** Rows added and not written yet. */
	get pending(): number {
		return this.rows;
	}

	/** Writes one row now. */
	run(values: unknown[]): RunResult {
		const { statement, kept } = this.statement(1, this.leftOut(values, 1));
		return statement.run(kept ? kept.map((at) => values[at]) : values);
	}

	/** Adds a row to write later; true once a whole statement's worth is waiting (write it then). */
	add(values: unknown[]): boolean {
		for (const v of values) this.values.push(v);
		return ++this.rows === this.perStatement;
	}

	/** Adds `by` to a column of a row added and not written yet (`row`: its place among them). */
	increment(row: number, column: number, by: number): void {
		(this.values[row * this.width + column] as number) += by;
	}

	/** Writes the rows added, in one call. */
	write(): void {
		if (this.rows === 0) return;
		const { statement, kept } = this.statement(this.rows, this.leftOut(this.values, this.rows));
		let values = this.values;
		if (kept) {
			values = new Array(kept.length * this.rows);
			let to = 0;
			for (let from = 0; from < this.values.length; from += this.width) for (let k = 0; k < kept.length; k++) values[to++] = this.values[from + kept[k]];
		}
		statement.run(values);
		this.values = [];
		this.rows = 0;
	}

	/** The optional columns null in each of `rows` rows of `values` (a bit per optional column). */
	private leftOut(values: readonly unknown[], rows: number): number {
		if (this.statements.size >= MOST_STATEMENTS) return 0;
		let leftOut = 0;
		for (let bit = 0; bit < this.optionalAt.length; bit++) {
			let allNull = true;
			for (let at = this.optionalAt[bit]; at < rows * this.width; at += this.width) {
				if (values[at] != null) {
					allNull = false;
					break;
				}
			}
			if (allNull) leftOut |= 1 << bit;
		}
		return leftOut;
	}
}

export class RowWriter {
	private readonly tasks: ChunkedInsert;
	private readonly instances: ChunkedInsert;
	private readonly insertFormulationStmt;
	private readonly insertResponseStmt;
	private readonly nextIdStmt;
	private readonly flushStatements;
	/**
	 * Tasks whose instances changed: their counters and search rows are refreshed by flush().
	 * `added` and `empty`: instances (and of them, those with an empty input) the task's row does not count yet.
	 * `isNew`: a task this writer added that has no search row yet, and no response (written by
	 * the cheaper statement, from its instances alone).
	 */
	private readonly touched = new Map<number, { added: number; empty: number; isNew: boolean; searchLater?: boolean }>();
	/** Tasks of a batched writer not written yet, by id: the row their instances are counted in. */
	private readonly pendingTaskRows = new Map<number, number>();
	/** Ids of the next task and instance a batched writer adds (it numbers them itself). */
	private nextTaskId = 0;
	private nextInstanceId = 0;

	/**
	 * A batched writer (the import's) gathers tasks and instances and writes them ROWS_PER_INSERT
	 * to a statement, giving them ids itself, as SQLite would: the next after the highest ever
	 * used. Its rows reach the database at writePending() or flush(), which must run before the
	 * transaction commits and before any other statement reads them or adds tasks or instances.
	 * Formulations and responses are written at once (the gathered rows first: they point to them).
	 */
	constructor(
		private readonly database: Db,
		private readonly options: { batched?: boolean } = {}
	) {
		const c = database.$client;
		this.tasks = new ChunkedInsert(c, 'tasks', TASK_COLUMNS, {
			optional: ['source_id', 'name', 'is_classification', 'metadata', 'import_id', 'run_id', 'call_id', 'filter_status', 'filter_rule', 'filter_detail', 'filter_rouge_l']
		});
		this.instances = new ChunkedInsert(c, 'instances', INSTANCE_COLUMNS, {
			optional: ['constraints', 'instruction_with_input', 'import_id', 'run_id', 'call_id', 'filter_status', 'filter_rule', 'filter_detail']
		});
		this.insertFormulationStmt = c.prepare<[number, number | null, number, string, string | null, string, string, number | null, number | null, number | null, number]>(
			`INSERT INTO formulations (task_id, instance_id, dataset_id, instruction, instruction_with_input, input, output,
				import_id, run_id, call_id, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
		);
		this.insertResponseStmt = c.prepare<[number, number | null, number, string, string, string | null, number | null, number | null, number]>(
			`INSERT INTO responses (task_id, instance_id, dataset_id, model, response, prompt, import_id, run_id, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
		);
		// AUTOINCREMENT: never an id used before, even by a row since deleted.
		this.nextIdStmt = {
			tasks: c.prepare<[], number>(`SELECT max(coalesce((SELECT max(id) FROM tasks), 0), coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'tasks'), 0)) + 1`).pluck(),
			instances: c
				.prepare<[], number>(`SELECT max(coalesce((SELECT max(id) FROM instances), 0), coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'instances'), 0)) + 1`)
				.pluck()
		};
		this.flushStatements = this.prepareFlush();
	}

	/**
	 * Statements of flush(), prepared once per writer (the temporary table is per connection).
	 * CROSS JOIN keeps touched_tasks the outer loop: left to itself the planner scanned every task
	 * of the database per flush, which made a batched import quadratic.
	 */
	private prepareFlush() {
		const c = this.database.$client;
		c.exec(
			'CREATE TEMP TABLE IF NOT EXISTS touched_tasks (id INTEGER PRIMARY KEY, added INTEGER NOT NULL, empty INTEGER NOT NULL, is_new INTEGER NOT NULL, search INTEGER NOT NULL DEFAULT 1)'
		);
		return {
			clear: c.prepare<[]>('DELETE FROM touched_tasks'),
			insert: new ChunkedInsert(c, 'touched_tasks', ['id', 'added', 'empty', 'is_new', 'search']),
			bumpCounts: c.prepare<[]>(`UPDATE tasks SET instance_count = instance_count + x.added, empty_input_count = empty_input_count + x.empty
				FROM touched_tasks x WHERE tasks.id = x.id AND x.added > 0`),
			dropSearch: c.prepare<[]>('DELETE FROM task_search WHERE rowid IN (SELECT id FROM touched_tasks WHERE is_new = 0 AND search = 1)'),
			// A new task has no conversation yet (they are written after the rows: ShapeRowWriter
			// indexes their turns) and no response (insertResponse routes its task to
			// addSearchAgain); a task touched again keeps its turns and responses in the index.
			addSearch: c.prepare<[]>(`INSERT INTO task_search (rowid, instruction, inputs, outputs)
				SELECT t.id, t.instruction, coalesce(group_concat(i.input, char(10)), '') || coalesce(char(10) || group_concat(i.constraints, char(10)), ''),
					coalesce(group_concat(i.output, char(10)), '')
				FROM touched_tasks x CROSS JOIN tasks t ON t.id = x.id LEFT JOIN instances i ON i.task_id = t.id WHERE x.is_new = 1 AND x.search = 1 GROUP BY x.id`),
			addSearchAgain: c.prepare<[]>(`INSERT INTO task_search (rowid, instruction, inputs, outputs) ${TASK_SEARCH_ROW} JOIN touched_tasks x ON x.id = t.id WHERE x.is_new = 0 AND x.search = 1`)
		};
	}

	insertTask(task: NewTask, now = Date.now()): number {
		const values = [
			null,
			task.datasetId,
			task.instruction,
			task.instructionKey ?? normalizeWhitespace(task.instruction),
			countWords(task.instruction),
			task.sourceId ?? null,
			task.name ?? null,
			task.isClassification == null ? null : task.isClassification ? 1 : 0,
			task.origin,
			task.metadata ? JSON.stringify(task.metadata) : null,
			task.importId ?? null,
			task.runId ?? null,
			task.callId ?? null,
			task.filterStatus ?? null,
			task.filterRule ?? null,
			task.filterDetail ?? null,
			task.filterRougeL ?? null,
			0,
			0,
			now
		];
		let id: number;
		if (this.options.batched) {
			// A whole statement's worth of tasks is written when the next task comes: by then the
			// instances that follow the last one are counted in its row, as they are in the others'
			// (no counter update afterwards).
			if (this.tasks.pending === ROWS_PER_INSERT) this.writeTasks();
			if (this.tasks.pending === 0) this.nextTaskId = this.nextIdStmt.tasks.get()!;
			values[0] = id = this.nextTaskId++;
			this.pendingTaskRows.set(id, this.tasks.pending);
			this.tasks.add(values);
		} else id = Number(this.tasks.run(values).lastInsertRowid);
		// A task without instances must still be findable by its instruction.
		this.touched.set(id, { added: 0, empty: 0, isNew: true });
		return id;
	}

	insertInstance(instance: NewInstance, now = Date.now()): number {
		const inputWords = countWords(instance.input);
		const values = [
			null,
			instance.taskId,
			instance.datasetId,
			instance.input,
			instance.output,
			inputWords,
			countWords(instance.output),
			instance.constraints ?? null,
			instance.instructionWithInput ?? null,
			instance.importId ?? null,
			instance.runId ?? null,
			instance.callId ?? null,
			instance.filterStatus ?? null,
			instance.filterRule ?? null,
			instance.filterDetail ?? null,
			now
		];
		let id: number;
		if (this.options.batched) {
			if (this.instances.pending === 0) this.nextInstanceId = this.nextIdStmt.instances.get()!;
			values[0] = id = this.nextInstanceId++;
			if (this.instances.add(values)) this.writePending();
		} else id = Number(this.instances.run(values).lastInsertRowid);
		let counts = this.touched.get(instance.taskId);
		if (!counts) this.touched.set(instance.taskId, (counts = { added: 0, empty: 0, isNew: false }));
		const taskRow = this.pendingTaskRows.get(instance.taskId);
		if (taskRow !== undefined) {
			this.tasks.increment(taskRow, INSTANCE_COUNT_COLUMN, 1);
			if (inputWords === 0) this.tasks.increment(taskRow, EMPTY_INPUT_COUNT_COLUMN, 1);
		} else {
			counts.added++;
			if (inputWords === 0) counts.empty++;
		}
		return id;
	}

	/** Writes the tasks and instances a batched writer has gathered (tasks first: instances point to them). */
	writePending(): void {
		this.writeTasks();
		this.instances.write();
	}

	private writeTasks(): void {
		this.tasks.write();
		this.pendingTaskRows.clear();
	}

	insertFormulation(f: NewFormulation, now = Date.now()): number {
		this.writePending();
		return Number(
			this.insertFormulationStmt.run(
				f.taskId,
				f.instanceId ?? null,
				f.datasetId,
				f.instruction,
				f.instructionWithInput ?? null,
				f.input,
				f.output,
				f.importId ?? null,
				f.runId ?? null,
				f.callId ?? null,
				now
			).lastInsertRowid
		);
	}

	insertResponse(r: NewResponse, now = Date.now()): number {
		this.writePending();
		// The task's search row holds its responses: flush() rewrites it whole (TASK_SEARCH_ROW).
		const t = this.touched.get(r.taskId);
		if (t) t.isNew = false;
		else this.touched.set(r.taskId, { added: 0, empty: 0, isNew: false });
		return Number(
			this.insertResponseStmt.run(
				r.taskId,
				r.instanceId ?? null,
				r.datasetId,
				r.model,
				r.response,
				r.prompt ?? null,
				r.importId ?? null,
				r.runId ?? null,
				now
			).lastInsertRowid
		);
	}

	/**
	 * Leaves a touched task's search row to the caller, who rewrites it after this flush (the
	 * import's conversations: their turns are written after the rows, and indexing the task twice
	 * cost a third of a conversation import).
	 */
	searchLater(taskId: number): void {
		const t = this.touched.get(taskId);
		if (t) t.searchLater = true;
	}

	/** Marks a task's search row stale, e.g. after its instruction or instances changed elsewhere. */
	touchTask(taskId: number): void {
		if (!this.touched.has(taskId)) this.touched.set(taskId, { added: 0, empty: 0, isNew: false });
	}

	/**
	 * Applies the counters and rebuilds the search rows of every touched task, set-based through
	 * a temporary table (one statement per step rather than per task). Call inside the writer's
	 * transaction.
	 */
	flush(): void {
		this.writePending();
		if (this.touched.size === 0) return;
		const st = this.flushStatements;
		st.clear.run();
		for (const [taskId, t] of this.touched) if (st.insert.add([taskId, t.added, t.empty, t.isNew ? 1 : 0, t.searchLater ? 0 : 1])) st.insert.write();
		st.insert.write();
		st.bumpCounts.run();
		st.dropSearch.run();
		st.addSearch.run();
		st.addSearchAgain.run();
		st.clear.run();
		this.touched.clear();
	}
}
