import os from 'node:os';
import { transaction, type Db } from '../db';
import { bulkPause, bulkWriteBudget, retryBulkWhenBusy } from '../db/busy';
import { removePreparingAudit } from '../audits/preparing';
import { processIsAlive } from '../process-alive';
import type { AppendState } from '../db/tables';
import { RowWriter } from './rows';

/**
 * Datasets being written by a batched import. Such a dataset has status 'importing' and a
 * placeholder name, so no page, audit, export, report, analysis or CLI list sees it, and its
 * real name is free until the import's last commit renames it and flips it to 'ready'. An
 * import that fails removes its rows; one killed outright leaves them for the next start-up,
 * which removes every importing dataset whose process is gone.
 */

/** Rows per write transaction of a bulk job: small enough to keep each lock hold short. */
export const BULK_BATCH_ROWS = 10_000;
/** Deleting stops after this long per transaction, and pauses as long before the next. */
const CLEANUP_MAX_WRITE_MS = 50;

const PLACEHOLDER_PREFIX = '\u0000importing:';

export function placeholderName(importKey: string): string {
	return `${PLACEHOLDER_PREFIX}${importKey}`;
}

/** Identifies this process as the writer of an importing dataset. */
export function importOwner(): string {
	return `${os.hostname()}:${process.pid}`;
}

/** A leftover import is one whose process is gone (same host), or silent for this long. */
const STALE_AFTER_MS = 15 * 60_000;

export function ownerIsGone(owner: string | null, heartbeatAt: number | null, now: number): boolean {
	if (heartbeatAt === null || now - heartbeatAt > STALE_AFTER_MS) return true;
	const at = owner?.lastIndexOf(':') ?? -1;
	if (!owner || at < 0) return true;
	if (owner.slice(0, at) !== os.hostname()) return false;
	const pid = Number(owner.slice(at + 1));
	if (!Number.isInteger(pid) || pid <= 0) return true;
	if (pid === process.pid) return false;
	return !processIsAlive(pid);
}

/** Tables whose rows have every one of `columns`. */
function tablesWith(database: Db, columns: string[]): string[] {
	const c = database.$client;
	const names = c.prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'datasets'`).pluck().all();
	return names.filter((name) => {
		try {
			const has = new Set((c.pragma(`table_info(${JSON.stringify(name)})`) as { name: string }[]).map((col) => col.name));
			return columns.every((col) => has.has(col));
		} catch {
			return false; // virtual tables whose module is not loaded
		}
	});
}

/** Tables holding rows that belong to a dataset (those with a dataset_id column). */
function datasetTables(database: Db): string[] {
	// Audits go first, through their own clean-up (their items point at the dataset's rows);
	// generation runs only point at the dataset they wrote into, and outlive it.
	return tablesWith(database, ['dataset_id']).filter((name) => name !== 'audits' && name !== 'generation_runs');
}

/** Tables an import writes its rows into: a dataset's tables that record the import. */
function importedTables(database: Db): string[] {
	return tablesWith(database, ['dataset_id', 'import_id']).sort((a, b) => order(a) - order(b));
}

/**
 * Where each table an import writes into stands before an import adds rows to an existing
 * dataset (its largest rowid): every row the import writes comes after. Read inside the
 * transaction that marks the dataset 'appending'.
 */
export function appendMarks(database: Db): Record<string, number> {
	const c = database.$client;
	return Object.fromEntries(importedTables(database).map((table) => [table, c.prepare<[], number>(`SELECT coalesce(max(rowid), 0) FROM "${table}"`).pluck().get()!]));
}

// Children before parents, so nothing is left pointing at a deleted row.
const DELETE_ORDER = ['formulations', 'responses', 'task_examples', 'instances', 'tasks', 'imports'];
/** Deletes of child rows that have no dataset_id, keyed by their parent table ($chunk: the parent rows being deleted). */
const CHILDREN: Record<string, string[]> = {
	conversations: ['DELETE FROM conversation_turns WHERE conversation_id IN ($chunk)'],
	instances: ['DELETE FROM judge_labels WHERE instance_id IN ($chunk)'],
	responses: ['DELETE FROM judge_labels WHERE response_id IN ($chunk)'],
	preference_pairs: ['DELETE FROM judge_labels WHERE pair_id IN ($chunk)']
};

/**
 * Deletes an importing dataset with all its rows, in short transactions (a few thousand rows
 * each) so reviewers' writes slip in between. Foreign keys are off for each batch: nothing
 * outside the dataset can point at its rows (nobody can see it), and with them on every
 * deleted instance would scan each child table that has no index on instance_id.
 */
export async function removeImportingDataset(datasetId: number, database: Db, batchRows = BULK_BATCH_ROWS, label = 'import cleanup'): Promise<number> {
	const c = database.$client;
	const status = c.prepare<[number], string>('SELECT status FROM datasets WHERE id = ?').pluck().get(datasetId);
	if (status !== 'importing') return 0;
	let removed = 0;
	// A deleted or purged dataset's audits (hidden as 'preparing' by archive's hideForRemoval).
	for (const auditId of c.prepare<[number], number>(`SELECT id FROM audits WHERE dataset_id = ? AND status = 'preparing'`).pluck().all(datasetId)) {
		removed += await removePreparingAudit(auditId, database);
	}
	const tables = datasetTables(database).sort((a, b) => order(a) - order(b));
	let tasksRemoved = 0;
	for (const table of tables) {
		const removedBefore = removed;
		const del = c.prepare<[number, number]>(`DELETE FROM "${table}" WHERE rowid IN (SELECT rowid FROM "${table}" WHERE dataset_id = ? LIMIT ?)`);
		// Rows of child tables without a dataset_id of their own go with their parent's chunk.
		const children = (CHILDREN[table] ?? []).map((sql) => c.prepare<[number, number]>(sql.replace('$chunk', `SELECT rowid FROM "${table}" WHERE dataset_id = ? LIMIT ?`)));
		// Deleting a task also deletes its search row, which costs more than an insert: 500 tasks
		// with their search rows took 0.6–1 s on a loaded machine, hence steps that follow their time.
		removed += await deleteInShortTransactions(
			database,
			label,
			(size) => {
				for (const child of children) child.run(datasetId, size);
				return del.run(datasetId, size).changes;
			},
			{ maxStep: Math.min(500, batchRows), maxRows: batchRows }
		);
		if (table === 'tasks') tasksRemoved = removed - removedBefore;
	}
	await retryBulkWhenBusy(c, () => withoutForeignKeys(database, () => transaction(database, () => c.prepare<[number]>(`DELETE FROM datasets WHERE id = ? AND status = 'importing'`).run(datasetId), label)));
	// Deleted tasks stay in the search index's segments until they are merged (the index's
	// 'deletemerge' is off, see migration 0018); when they were a tenth or more of what is left,
	// the index is rewritten now, in bounded steps, as FTS5 would have done in one long one.
	if (tasksRemoved > 0) {
		const left = c.prepare<[], number>('SELECT count(*) FROM tasks').pluck().get()!;
		if (tasksRemoved * 10 >= left) await compactSearchIndex(database, label, left / (left + tasksRemoved));
	}
	return removed;
}

/** Output pages of the search index merged per transaction while compacting, at most. */
const COMPACT_PAGES = 100;

/**
 * Merges the search index's segments into one, dropping deleted rows, in short transactions
 * (FTS5's incremental 'merge' with a negative count: every segment, at most that many output
 * pages per call), pausing between them so other writers get the lock. A step reads about
 * 1/`liveShare` input pages per page it writes, so the step starts that much smaller and then
 * follows its measured time. A step that changes fewer than two rows did no work: done.
 * With no task left at all, the index is simply emptied. Returns the number of steps.
 */
export async function compactSearchIndex(database: Db, label = 'search index', liveShare = 1): Promise<number> {
	const c = database.$client;
	const anyTask = c.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM tasks)').pluck();
	const deleteAll = c.prepare<[]>(`INSERT INTO task_search (task_search) VALUES ('delete-all')`);
	// Checked and emptied in one transaction: no task can be written in between.
	const emptied = await retryBulkWhenBusy(c, () =>
			transaction(
				database,
				() => {
					if (anyTask.get()) return false;
					deleteAll.run();
					return true;
				},
				label
			));
	if (emptied) return 1;
	const merge = c.prepare<[number]>(`INSERT INTO task_search (task_search, rank) VALUES ('merge', ?)`);
	const totalChanges = c.prepare<[], number>('SELECT total_changes()').pluck();
	let pages = Math.max(1, Math.min(COMPACT_PAGES, Math.floor(COMPACT_PAGES * liveShare)));
	for (let steps = 1; ; steps++) {
		const before = totalChanges.get()!;
		const started = performance.now();
		await retryBulkWhenBusy(c, () => transaction(database, () => merge.run(-pages), label));
		if (totalChanges.get()! - before < 2) return steps;
		pages = nextStepSize(pages, performance.now() - started, 1, COMPACT_PAGES);
		await bulkPause(c, CLEANUP_MAX_WRITE_MS);
	}
}

/**
 * The one way clean-ups delete in bulk. `step(size)` deletes up to `size` rows and returns how many
 * it deleted (fewer than asked: nothing is left). Steps run in transactions of at most
 * CLEANUP_MAX_WRITE_MS of work (and `maxRows` rows), with foreign keys off (the caller knows
 * nothing else points at the rows), and a pause as long between transactions so others' writes
 * get in. The step size halves while a step takes longer than the budget and grows back while
 * quick, unless `fixedSize`. Returns the rows deleted.
 */
export async function deleteInShortTransactions(
	database: Db,
	label: string,
	step: (size: number) => number,
	{ maxStep = 500, maxRows = Infinity, fixedSize = false }: { maxStep?: number; maxRows?: number; fixedSize?: boolean } = {}
): Promise<number> {
	const c = database.$client;
	let size = maxStep;
	let removed = 0;
	let done = false;
	while (!done) {
		removed += await retryBulkWhenBusy(c, () =>
			withoutForeignKeys(database, () =>
				transaction(
					database,
					() => {
						const spent = bulkWriteBudget(c, CLEANUP_MAX_WRITE_MS);
						let n = 0;
						for (;;) {
							const stepStarted = performance.now();
							const k = step(size);
							n += k;
							if (k < size) {
								done = true;
								return n;
							}
							if (!fixedSize) size = nextStepSize(size, performance.now() - stepStarted, 10, maxStep);
							if (n >= maxRows || spent()) return n;
						}
					},
					label
				)
			)
		);
		if (!done) await bulkPause(c, CLEANUP_MAX_WRITE_MS);
	}
	return removed;
}

/** The size of a clean-up's next step: halved after a step over its time budget, doubled after one under a quarter of it. */
function nextStepSize(size: number, tookMs: number, min: number, max: number): number {
	if (tookMs > CLEANUP_MAX_WRITE_MS) return Math.max(min, size >> 1);
	if (tookMs < CLEANUP_MAX_WRITE_MS / 4) return Math.min(max, size * 2);
	return size;
}

function order(table: string): number {
	const i = DELETE_ORDER.indexOf(table);
	return i < 0 ? -1 : i;
}

export function withoutForeignKeys<T>(database: Db, fn: () => T): T {
	const c = database.$client;
	c.pragma('foreign_keys = OFF');
	try {
		return fn();
	} finally {
		c.pragma('foreign_keys = ON');
	}
}

/**
 * Takes back an import that was adding rows to an existing dataset (status 'appending') and
 * failed or was killed: its rows go in short transactions, newest tables' children first; the
 * dataset's older tasks that had gained instances get their counters and search rows back in
 * the same transaction as each deletion, so a rollback cut short is consistent and simply runs
 * again. The last transaction removes the import's row and opens the dataset again, as it was.
 * Returns the number of rows removed.
 */
export async function rollBackAppend(datasetId: number, database: Db, label = 'import rollback'): Promise<number> {
	const c = database.$client;
	const row = c.prepare<[number], { status: string; state: string | null }>('SELECT status, append_state AS state FROM datasets WHERE id = ?').get(datasetId);
	if (row?.status !== 'appending') return 0;
	const state = row.state ? (JSON.parse(row.state) as AppendState) : null;
	let removed = 0;
	let tasksRemoved = 0;
	if (state) {
		const tasksBefore = state.after.tasks ?? 0;
		const recount = c.prepare<[string]>(
			`UPDATE tasks SET instance_count = (SELECT count(*) FROM instances i WHERE i.task_id = tasks.id),
				empty_input_count = (SELECT count(*) FROM instances i WHERE i.task_id = tasks.id AND i.input_words = 0)
			 WHERE id IN (SELECT value FROM json_each(?))`
		);
		const searchRows = new RowWriter(database);
		for (const table of importedTables(database)) {
			const after = state.after[table] ?? 0;
			const pick = c.prepare<[number, number, number], { id: number; taskId: number | null }>(
				`SELECT rowid AS id, ${table === 'instances' ? 'task_id' : 'NULL'} AS taskId FROM "${table}" WHERE rowid > ? AND import_id = ? LIMIT ?`
			);
			const del = c.prepare<[string]>(`DELETE FROM "${table}" WHERE rowid IN (SELECT value FROM json_each(?))`);
			const children = (CHILDREN[table] ?? []).map((sql) => c.prepare<[string]>(sql.replace('$chunk', 'SELECT value FROM json_each(?)')));
			const n = await deleteInShortTransactions(database, label, (size) => {
				const picked = pick.all(after, state.importId, size);
				if (!picked.length) return 0;
				const ids = JSON.stringify(picked.map((r) => r.id));
				for (const child of children) child.run(ids);
				del.run(ids);
				// The dataset's own tasks that this import's instances had joined.
				const older = [...new Set(picked.map((r) => r.taskId).filter((t): t is number => t !== null && t <= tasksBefore))];
				if (older.length) {
					recount.run(JSON.stringify(older));
					for (const t of older) searchRows.touchTask(t);
					searchRows.flush();
				}
				return picked.length;
			});
			removed += n;
			if (table === 'tasks') tasksRemoved += n;
		}
	}
	// Foreign keys off: the import's rows are gone, so nothing points at its row, and with them on
	// SQLite looks for such rows in every table without an index on import_id (440 ms at 1.1M instances).
	await retryBulkWhenBusy(c, () =>
		withoutForeignKeys(database, () => transaction(
			database,
			() => {
				if (state) c.prepare<[number]>('DELETE FROM imports WHERE id = ?').run(state.importId);
				c.prepare<[number]>(`UPDATE datasets SET status = 'ready', import_owner = NULL, import_heartbeat_at = NULL, append_state = NULL WHERE id = ? AND status = 'appending'`).run(datasetId);
				// Rows went: what was counted from the dataset's largest ids is counted again.
				if (removed > 0) {
					c.prepare<[number]>(
						'INSERT INTO dataset_revisions (dataset_id, revision) VALUES (?, 1) ON CONFLICT (dataset_id) DO UPDATE SET revision = revision + 1'
					).run(datasetId);
				}
			},
			label
		))
	);
	if (tasksRemoved > 0) {
		const left = c.prepare<[], number>('SELECT count(*) FROM tasks').pluck().get()!;
		if (tasksRemoved * 10 >= left) await compactSearchIndex(database, label, left / (left + tasksRemoved));
	}
	return removed;
}

/**
 * At start-up: removes the importing datasets left by imports that were killed, and takes back
 * the rows of killed imports into existing datasets.
 */
export async function removeLeftoverImports(database: Db): Promise<{ datasets: number; appends: number; rows: number }> {
	const now = Date.now();
	const leftovers = database.$client
		.prepare<[], { id: number; status: string; owner: string | null; heartbeatAt: number | null }>(
			`SELECT id, status, import_owner AS owner, import_heartbeat_at AS heartbeatAt FROM datasets WHERE status IN ('importing', 'appending')`
		)
		.all()
		.filter((d) => ownerIsGone(d.owner, d.heartbeatAt, now));
	let rows = 0;
	for (const d of leftovers) rows += d.status === 'importing' ? await removeImportingDataset(d.id, database) : await rollBackAppend(d.id, database);
	return { datasets: leftovers.filter((d) => d.status === 'importing').length, appends: leftovers.filter((d) => d.status === 'appending').length, rows };
}
