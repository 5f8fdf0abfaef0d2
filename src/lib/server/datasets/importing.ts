import os from 'node:os';
import { transaction, type Db } from '../db';
import { bulkPause, retryBulkWhenBusy } from '../db/busy';
import { removePreparingAudit } from '../audits/preparing';

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
	try {
		process.kill(pid, 0);
		return false;
	} catch (err) {
		return (err as NodeJS.ErrnoException).code === 'ESRCH';
	}
}

/** Tables holding rows that belong to a dataset (those with a dataset_id column). */
function datasetTables(database: Db): string[] {
	const c = database.$client;
	const names = c.prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'datasets'`).pluck().all();
	// Audits go first, through their own clean-up (their items point at the dataset's rows);
	// generation runs only point at the dataset they wrote into, and outlive it.
	return names.filter((name) => {
		if (name === 'audits' || name === 'generation_runs') return false;
		try {
			return (c.pragma(`table_info(${JSON.stringify(name)})`) as { name: string }[]).some((col) => col.name === 'dataset_id');
		} catch {
			return false; // virtual tables whose module is not loaded
		}
	});
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
	const maxChunk = Math.min(500, batchRows);
	let tasksRemoved = 0;
	for (const table of tables) {
		const removedBefore = removed;
		// Rows per DELETE: halved while one takes longer than the transaction's budget (500 tasks
		// with their search rows took 0.6–1 s on a loaded machine), grown back while quick.
		let chunk = maxChunk;
		const del = c.prepare<[number, number]>(`DELETE FROM "${table}" WHERE rowid IN (SELECT rowid FROM "${table}" WHERE dataset_id = ? LIMIT ?)`);
		// Rows of child tables without a dataset_id of their own go with their parent's chunk.
		const children = (CHILDREN[table] ?? []).map((sql) => c.prepare<[number, number]>(sql.replace('$chunk', `SELECT rowid FROM "${table}" WHERE dataset_id = ? LIMIT ?`)));
		let done = false;
		while (!done) {
			// Chunks of up to 500 rows until CLEANUP_MAX_WRITE_MS has passed (deleting a task also
			// deletes its search row, which costs more than an insert), then commit and let others in.
			removed += await retryBulkWhenBusy(c, () =>
					withoutForeignKeys(database, () =>
						transaction(
							database,
							() => {
								const started = performance.now();
								let n = 0;
								for (;;) {
									const chunkStarted = performance.now();
									for (const child of children) child.run(datasetId, chunk);
									const k = del.run(datasetId, chunk).changes;
									n += k;
									if (k < chunk) {
										done = true;
										break;
									}
									chunk = nextStepSize(chunk, performance.now() - chunkStarted, 10, maxChunk);
									if (n >= batchRows || performance.now() - started > CLEANUP_MAX_WRITE_MS) break;
								}
								return n;
							},
							label
						)
					));
			if (!done) await bulkPause(c, CLEANUP_MAX_WRITE_MS);
		}
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

/** At start-up: removes the importing datasets left by imports that were killed. */
export async function removeLeftoverImports(database: Db): Promise<{ datasets: number; rows: number }> {
	const now = Date.now();
	const leftovers = (
		database.$client
			.prepare<[], { id: number; owner: string | null; heartbeatAt: number | null }>(`SELECT id, import_owner AS owner, import_heartbeat_at AS heartbeatAt FROM datasets WHERE status = 'importing'`)
			.all()
	).filter((d) => ownerIsGone(d.owner, d.heartbeatAt, now));
	let rows = 0;
	for (const d of leftovers) rows += await removeImportingDataset(d.id, database);
	return { datasets: leftovers.length, rows };
}
